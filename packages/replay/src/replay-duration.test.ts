/** `replay --duration`: a short recording looped to a set length, and a warning when a p99 would rest on too few requests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPeakgateError, parseScenario } from '@peakgate/core';
import { afterAll, describe, expect, it } from 'vitest';
import { composeReplay } from './compose-replay.js';
import { importTraffic } from './import-traffic.js';
import { loopSteps } from './rate-steps.js';

const fixture = path.resolve(import.meta.dirname, '../../../test/fixtures/replay/balancer.log');
const dir = mkdtempSync(path.join(tmpdir(), 'pg-replay-duration-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three seconds of the balancer log: 120 requests, /route 103, /backends 15, /healthz 2. */
const threeSeconds = { startMs: Date.parse('2026-03-01T10:00:00Z'), endMs: Date.parse('2026-03-01T10:00:03Z') };

describe('loopSteps', () => {
  it('repeats a pass back to back, cuts the last, merges neighbours of one rate', () => {
    const pass = [
      { durationMs: 1000, rate: 10, arrivals: 10 },
      { durationMs: 2000, rate: 20, arrivals: 40 },
    ];
    expect(loopSteps(pass, 4500)).toEqual([
      { durationMs: 1000, rate: 10, arrivals: 10 },
      { durationMs: 2000, rate: 20, arrivals: 40 },
      { durationMs: 1000, rate: 10, arrivals: 10 },
      { durationMs: 500, rate: 20, arrivals: 10 },
    ]);
    expect(loopSteps([{ durationMs: 1000, rate: 36, arrivals: 36 }], 60_000)).toEqual([
      { durationMs: 60_000, rate: 36, arrivals: 2160 },
    ]);
    // A recording longer than the duration is cut to it.
    expect(loopSteps(pass, 1500)).toEqual([
      { durationMs: 1000, rate: 10, arrivals: 10 },
      { durationMs: 500, rate: 20, arrivals: 10 },
    ]);
  });
});

describe('composeReplay with durationMs', () => {
  it('rate steps: one pass of 3 s becomes 60 s at the recorded rate, and the thin names are named', async () => {
    const imported = await importTraffic({ file: fixture, ...threeSeconds });
    const once = composeReplay(imported, { name: 'd', source: 'balancer.log', top: 50, warmupMs: 0, ...threeSeconds });
    expect(once.measuredMs).toBe(3000);
    expect(once.scenarioText).toContain('# note: 2 of 3 request names get fewer than 100 requests');
    expect(once.warnings).toEqual([
      '2 of 3 request names get fewer than 100 requests in a trial of 3s (one pass of the recording) (GET /healthz 2, GET /backends 15), so their p99 rests on too few samples; --duration 2m30s loops the recording enough for each',
    ]);
    const looped = composeReplay(imported, {
      name: 'd',
      source: 'balancer.log',
      top: 50,
      warmupMs: 0,
      durationMs: 150_000,
      ...threeSeconds,
    });
    expect(looped.passes).toBe(50);
    expect(looped.warnings).toEqual([]);
    const scenario = parseScenario(looped.scenarioText, 'd.yaml');
    expect(scenario.load.phases.reduce((sum, phase) => sum + phase.durationMs, 0)).toBe(150_000);
    expect(looped.scenarioText).toContain('# duration: 2m30s (--duration): the recording looped 50 times');
  });

  it('a timeline repeats its arrivals every window length, up to the duration', async () => {
    const imported = await importTraffic({ file: fixture, timeline: true, ...threeSeconds });
    const composed = composeReplay(imported, {
      name: 't',
      source: 'balancer.log',
      top: 50,
      warmupMs: 0,
      durationMs: 7000,
      timelineFile: 't.timeline',
      ...threeSeconds,
    });
    // 120 arrivals a 3 s pass: two whole passes and the first third of a third.
    expect(composed.timelineArrivals).toBe(280);
    const offsets = (composed.timelineText ?? '')
      .split('\n')
      .filter((line) => /^\d/.test(line))
      .map((line) => Number(line.split(' ')[0]));
    expect(offsets.every((offset, i) => i === 0 || offset >= (offsets[i - 1] as number))).toBe(true);
    expect(Math.max(...offsets)).toBeLessThan(7000);
    expect(offsets.filter((offset) => offset >= 3000 && offset < 6000)).toHaveLength(120);
    writeFileSync(path.join(dir, 't.timeline'), composed.timelineText ?? '');
    writeFileSync(path.join(dir, 't.yaml'), composed.scenarioText);
    const scenario = parseScenario(composed.scenarioText, path.join(dir, 't.yaml'), { baseDir: dir });
    expect(scenario.load.phases[0]?.durationMs).toBeGreaterThan(6900);
  });

  it('a loop past the arrivals a timeline may hold is refused before anything is written', async () => {
    const imported = await importTraffic({ file: fixture, timeline: true });
    let error: unknown;
    try {
      composeReplay(imported, {
        name: 't',
        source: 'balancer.log',
        top: 50,
        warmupMs: 0,
        speed: 10_000,
        durationMs: 86_400_000,
        timelineFile: 't.timeline',
      });
    } catch (caught) {
      error = caught;
    }
    expect(isPeakgateError(error) && error.code).toBe('PG_ERR_REPLAY_SPAN');
  });
});
