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
  BASELINE_COLOR,
  buildReport,
  CANDIDATE_COLOR,
  type CompareSpec,
  type ComparisonStop,
  renderHtml,
  type Scenario,
  type TrialResult,
  VERDICT_HEADLINE,
} from '../packages/core/dist/index.js';
import { judge } from '../packages/core/dist/judge/judge.js';
import { buildSyntheticComparison } from '../packages/core/src/test-support/synthetic-trials.js';
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

/** "#1f6fb2" → "rgb(31, 111, 178)", as the browser reports a computed colour. */
const rgb = (hex: string): string =>
  `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
const SIDE_RGB = [rgb(BASELINE_COLOR), rgb(CANDIDATE_COLOR)];

async function renderTo(
  name: string,
  trials: TrialResult[],
  options: { compare?: CompareSpec; stop?: ComparisonStop } = {},
): Promise<string> {
  const spec = options.compare ?? compare;
  const report = buildReport({
    scenario: { ...scenario, compare: spec },
    trials,
    judgement: judge(trials, spec, { resamples: 300 }),
    ...(options.stop === undefined ? {} : { stop: options.stop }),
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
      expect(state.verdict).toBe(VERDICT_HEADLINE.fail);
      expect(state.forestRows).toBeGreaterThan(3);
      // No trial had an error: no empty errors chart, a sentence instead (and no error-rate bar).
      expect(state.charts.map((c) => c.id)).toEqual([
        'latency-0',
        'latency-1',
        'percentiles',
        'throughput',
        'cpu',
        'memory',
        'round-p99',
        'round-cpu',
      ]);
      expect(state.text).toContain('No errors: every request of every trial was answered as expected.');
      expect(state.text).toContain('Error rate: no errors on either side.');
      // The confidence once, in words: overall and per look.
      expect(state.confidenceLine).toMatch(/^Confidence: 95%\.$|^Confidence: 95% overall; each interval at 9\d\.\d%/);
      expect(state.runLine).toContain('3 rounds of at most 3');
      for (const chart of state.charts) {
        expect(chart, chart.id).toMatchObject({ drawn: true, error: null });
        expect(chart.canvases, chart.id).toBeGreaterThan(0);
        expect(chart.colouredPixels, chart.id).toBeGreaterThan(50);
        // A compact legend: the x value and one entry per side (3 trials a side are a median and
        // a band), nothing but names before a hover, the values under the cursor on a hover.
        expect(chart.legendEntries, chart.id).toBe(3);
        expect(chart.legendText, chart.id).not.toContain('--');
        expect(chart.legendColors, chart.id).toEqual(SIDE_RGB);
        expect(chart.hoverText, chart.id).toMatch(/\d/);
      }
      const p99 = state.charts.find((c) => c.id === 'latency-1');
      expect(p99?.legendText).toBe('second | baseline | candidate');
      // The candidate's band: its lowest and highest trial beside the median under the cursor.
      expect(p99?.hoverText).toMatch(/candidate[\d.]+ ms \([\d.]+–[\d.]+\)/);
    },
    60_000,
  );

  it.skipIf(!available)(
    `one round: no interval drawn as a CI, the stop reason in words, errors on their own axis${available ? '' : ` (${skipReason})`}`,
    async () => {
      const phases = [{ name: 'peak', model: 'open' as const, seconds: 8, rate: 300 }];
      const one: CompareSpec = { ...compare, rounds: 1, maxRounds: 1 };
      const trials = buildSyntheticComparison(
        1,
        11,
        { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6, phases },
        { latencyMedianMs: 2, cpuPerRequestMs: 0.24, memoryPeakBytes: 100e6, phases, errorRate: 0.02 },
      );
      const file = await renderTo('report-one-round', trials, {
        compare: one,
        stop: { reason: 'decided', looks: [] },
      });
      const state = await inspectReport(file, path.join(artifacts, 'report-one-round.png'));
      expect(state.consoleErrors).toEqual([]);
      expect(state.externalRequests).toEqual([]);
      // The header: a sentence, not an enum value; "1 round", not "1 rounds" or "1 round(s)".
      expect(state.runLine).toMatch(
        /; 1 round of at most 1; stopped because (a failure decided it|every metric was decided)\.$/,
      );
      expect(state.text).not.toMatch(/stopped by|round\(s\)|\b1 rounds\b/);
      // One trial a side: a metric judged per trial (peak memory here, CPU per request on a real
      // run) has a zero-width interval, which is not shown as a CI anywhere on the page.
      expect(state.text).not.toMatch(/([+-][\d.]+%)\.\.\1/);
      expect(state.confidenceLine).toMatch(/1 round: no interval for [a-zA-Z ,]*peak memory/);
      expect(state.forestRowsWithoutInterval).toBeGreaterThan(0);
      // Errors happened: the errors chart is drawn, and the error rate has its own axis in points.
      expect(state.charts.map((c) => c.id)).toContain('errors');
      expect(state.text).not.toContain('No errors');
      for (const chart of state.charts) {
        expect(chart, chart.id).toMatchObject({ drawn: true, error: null });
        expect(chart.legendColors, chart.id).toEqual(SIDE_RGB);
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
