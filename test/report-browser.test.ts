/**
 * report.html in a real browser: headless Chromium opens reports rendered from synthetic trials
 * (a failing comparison with a crash, and one where no side ever got ready), and checks what a
 * reader would see: no console errors, no network, the verdict, one forest row per metric, and
 * every chart drawn with its series visible. Screenshots go to test/artifacts/ (kept by CI).
 * Without Chromium the test is skipped and says why; with CI=true a missing Chromium fails.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildReport,
  type CompareSpec,
  renderHtml,
  type Scenario,
  type TrialResult,
} from '../packages/core/dist/index.js';
import { judge } from '../packages/core/dist/judge/judge.js';
import { buildSyntheticComparison } from '../packages/core/dist/judge/synthetic-trials.js';
import { chromiumAvailable, chromiumPath, inspectReport } from './browser-support.js';
import { root } from './cli-support.js';

const artifacts = path.join(root, 'test', 'artifacts');
const inCi = process.env.CI === 'true';
const available = chromiumAvailable();
const skipReason = `skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set PEAKGATE_CHROMIUM)`;

const compare: CompareSpec = { rounds: 3, maxRounds: 3, limits: {}, slo: {}, confidence: 0.95, schedule: 'duet' };
const scenario: Scenario = {
  name: 'browser </script> check',
  service: {
    port: 8080,
    ready: { kind: 'http', path: '/healthz', timeoutMs: 30_000 },
    env: {},
    resources: {},
    network: 'bridge',
  },
  baseline: { kind: 'image', image: 'shop:1.4.2' },
  candidate: { kind: 'image', image: 'shop:1.5.0' },
  load: {
    phases: [
      { name: 'ramp', durationMs: 10_000, load: { model: 'open', rate: { from: 100, to: 400 }, maxConnections: 64 } },
      { name: 'peak', durationMs: 20_000, load: { model: 'open', rate: { from: 400, to: 400 }, maxConnections: 64 } },
    ],
    requests: [{ weight: 1, method: 'GET', path: '/', headers: {} }],
    expectStatus: [200],
    timeoutMs: 10_000,
  },
  compare,
};
const environment = {
  peakgateVersion: '0.1.0',
  node: process.version,
  platform: 'linux',
  cores: 2,
  driver: 'docker' as const,
};

async function renderTo(name: string, trials: TrialResult[]): Promise<string> {
  const report = buildReport({
    scenario,
    trials,
    judgement: judge(trials, compare, { resamples: 300 }),
    environment,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:03:00.000Z',
  });
  await mkdir(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.html`);
  await writeFile(file, renderHtml(report));
  return file;
}

describe('report.html in Chromium', () => {
  it.runIf(!available && inCi)('Chromium is installed (CI=true)', () => {
    expect.fail(`CI=true but ${skipReason.replace('skipped: ', '')}`);
  });
  it.skipIf(!available)(
    `a failing comparison: verdict, forest plot and every chart drawn${available ? '' : ` (${skipReason})`}`,
    async () => {
      const phases = [
        { name: 'ramp', model: 'open' as const, seconds: 10, rate: 250 },
        { name: 'peak', model: 'open' as const, seconds: 20, rate: 400 },
      ];
      const same = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6, phases };
      const trials = buildSyntheticComparison(3, 7, same, { ...same, cpuPerRequestMs: 0.3, latencyMedianMs: 2.6 }).map(
        (trial) =>
          trial.role === 'candidate' && trial.round === 3
            ? {
                ...trial,
                exit: { ...trial.exit, crashed: true, exitCode: 1, logTail: ['Error: </script><b>boom</b>'] },
              }
            : trial,
      );
      const file = await renderTo('report-fail', trials);
      const state = await inspectReport(file, path.join(artifacts, 'report-fail.png'));
      expect(state.consoleErrors).toEqual([]);
      expect(state.externalRequests).toEqual([]);
      expect(state.title).toBe('peakgate: browser </script> check');
      expect(state.verdict).toBe('FAIL: the candidate is not safe to release');
      expect(state.forestRows).toBeGreaterThan(3);
      expect(state.charts.map((c) => c.id)).toEqual([
        'latency-0',
        'latency-1',
        'percentiles',
        'throughput',
        'errors',
        'cpu',
        'memory',
        'round-p99',
        'round-cpu',
      ]);
      for (const chart of state.charts) {
        expect(chart, chart.id).toMatchObject({ drawn: true, error: null });
        expect(chart.canvases, chart.id).toBeGreaterThan(0);
        // The errors chart has only zero lines along the axis: still coloured, just fewer pixels.
        expect(chart.colouredPixels, chart.id).toBeGreaterThan(50);
      }
    },
    60_000,
  );

  it.skipIf(!available)(
    `a comparison where nothing got ready: no charts, no script errors${available ? '' : ` (${skipReason})`}`,
    async () => {
      const trials = buildSyntheticComparison(1, 3, { ready: false }, { ready: false });
      const file = await renderTo('report-never-ready', trials);
      const state = await inspectReport(file, path.join(artifacts, 'report-never-ready.png'));
      expect(state.consoleErrors).toEqual([]);
      expect(state.charts).toEqual([]);
      expect(state.verdict).toMatch(/^(ERROR|FAIL)/);
    },
    60_000,
  );
});
