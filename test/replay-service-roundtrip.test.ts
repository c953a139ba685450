/**
 * The round trip of a rate-step replay against the sample service: `peakgate replay` turns
 * test/fixtures/replay/balancer.log (60 s of traffic to the sample balancer's routes, 40 → 120 →
 * 80 req/s, 4,800 requests) into rate steps at 3x, and `peakgate run --service` replays them against
 * the sample balancer started on 127.0.0.1 by the process driver (20 s, at most 360 req/s). The log's
 * mix and rate are counted here straight from its lines (not through the importer), so the test
 * checks the importer and the load engine together:
 * - the request mix the engine sent is within 2 percentage points of the log's. The steps draw each
 *   request from the weights at random, so this holds by sample size: at 4,800 requests the largest
 *   share's standard error is 0.52 points, and 2 points is about 4 of them;
 * - the rate curve: each step asks the log's own mean rate over the step's (scaled) stretch of the
 *   log, and achieves it within 5%.
 * (test/replay-roundtrip.test.ts proves the same for a timeline replay, against a counting server.)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { explainRun, runPeakgate } from './cli-support.js';
import { balancerScript } from './runtime-support.js';

const LOG = path.join('test', 'fixtures', 'replay', 'balancer.log');
const SPEED = 3;

/** The template a logged request belongs to, named as the scenario names it. */
const templateOf = (target: string): string =>
  target.startsWith('/route?') ? 'GET /route?key={{int 1 1000}}' : `GET ${target}`;

/** The log's requests per template and per log second (from its first second), read from the lines. */
async function countLog(): Promise<{ byTemplate: Map<string, number>; perSecond: number[]; total: number }> {
  const text = await readFile(LOG, 'utf8');
  const byTemplate = new Map<string, number>();
  const perSecond: number[] = [];
  let total = 0;
  const line = /\[01\/Mar\/2026:10:(\d{2}):(\d{2}) \+0000\] "GET (\S+) HTTP\/1\.1"/;
  for (const row of text.split('\n')) {
    const match = line.exec(row);
    if (match === null) continue;
    const second = Number(match[1]) * 60 + Number(match[2]);
    const template = templateOf(match[3] ?? '');
    byTemplate.set(template, (byTemplate.get(template) ?? 0) + 1);
    perSecond[second] = (perSecond[second] ?? 0) + 1;
    total++;
  }
  return { byTemplate, perSecond, total };
}

interface PhaseResult {
  name: string;
  durationMs: number;
  rate: { asked: number; achieved: number };
  requests: { total: number; errors: number };
}

describe('replay round trip, rate steps: log → scenario → run against the sample balancer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-steps-roundtrip-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the log’s mix within 2 points and each step’s rate within 5% of the scaled log’s', async () => {
    const log = await countLog();
    expect(log.total).toBe(4800);
    const scenario = path.join(dir, 'balancer-steps.yaml');
    const imported = await runPeakgate(
      ['replay', LOG, '--out', scenario, '--speed', `${SPEED}x`, '--warmup', '0s'],
      60_000,
    );
    expect(imported.code, explainRun(imported)).toBe(0);
    const written = parse(await readFile(scenario, 'utf8')) as {
      load: {
        phases: Array<{ name: string; duration: string; rate: number; max_connections?: number }>;
        timeline?: unknown;
      };
    };
    expect(written.load.timeline).toBeUndefined();
    expect(written.load.phases.length).toBeGreaterThanOrEqual(3);
    // The default in-flight cap (250 ms of the step's rate) drops arrivals whenever the balancer is
    // starved of CPU for longer than that, as it is on a shared test machine; a dropped arrival would
    // count against the mix and rate this test is about, so the cap is raised (load stays bounded by
    // the rate).
    for (const phase of written.load.phases) phase.max_connections = 1024;
    await writeFile(scenario, stringify(written));

    const run = await runPeakgate(
      ['run', scenario, '--service', `node ${balancerScript}`, '--driver', 'process', '--json', '--workers', '1'],
      120_000,
    );
    expect(run.code, explainRun(run)).toBe(0);
    const result = JSON.parse(run.stdout) as {
      requests: { total: number; errors: number };
      errors: Record<string, number>;
      phases: PhaseResult[];
      byName: Record<string, { requests: { total: number } }>;
    };
    expect(result.requests.errors, JSON.stringify(result.errors)).toBe(0);

    // The mix: what the engine sent per template against the log's own shares.
    const sent = result.requests.total;
    expect(Math.abs(sent - log.total) / log.total).toBeLessThanOrEqual(0.05);
    expect(Object.keys(result.byName).sort()).toEqual([...log.byTemplate.keys()].sort());
    for (const [template, count] of log.byTemplate) {
      const share = (result.byName[template]?.requests.total ?? 0) / sent;
      expect(Math.abs(share - count / log.total) * 100, template).toBeLessThanOrEqual(2);
    }

    // The rate curve: step k covers [from, to) of the replay, so [from, to) × SPEED of the log.
    let fromMs = 0;
    expect(result.phases.map((phase) => phase.name)).toEqual(written.load.phases.map((phase) => phase.name));
    for (const phase of result.phases) {
      const toMs = fromMs + phase.durationMs;
      let logged = 0;
      for (let second = (fromMs * SPEED) / 1000; second < (toMs * SPEED) / 1000; second++)
        logged += log.perSecond[second] ?? 0;
      const scaledRate = logged / (phase.durationMs / 1000);
      expect(phase.requests.errors, phase.name).toBe(0);
      expect(Math.abs(phase.rate.asked - scaledRate) / scaledRate, `${phase.name} asked`).toBeLessThanOrEqual(0.05);
      expect(
        Math.abs(phase.rate.achieved - scaledRate) / scaledRate,
        `${phase.name}: ${phase.rate.achieved} req/s achieved, the scaled log has ${scaledRate}`,
      ).toBeLessThanOrEqual(0.05);
      fromMs = toMs;
    }
  }, 150_000);
});
