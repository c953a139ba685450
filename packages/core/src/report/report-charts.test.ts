import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import { buildSyntheticComparison } from '../judge/synthetic-trials.js';
import type { CompareSpec, Scenario } from '../scenario-model.js';
import { percentileX, reportCharts, trialColor } from './report-charts.js';
import { buildReport } from './report-model.js';

const compare: CompareSpec = { rounds: 2, maxRounds: 2, limits: {}, slo: {}, confidence: 0.95, schedule: 'duet' };
const scenario: Scenario = {
  name: 'charts',
  service: { port: 8080, ready: { kind: 'tcp', timeoutMs: 1000 }, env: {}, resources: {}, network: 'bridge' },
  load: {
    phases: [
      { name: 'ramp', durationMs: 4000, load: { model: 'open', rate: { from: 10, to: 100 }, maxConnections: 64 } },
      { name: 'hold', durationMs: 6000, load: { model: 'open', rate: { from: 100, to: 100 }, maxConnections: 64 } },
    ],
    requests: [{ weight: 1, method: 'GET', path: '/', headers: {} }],
    expectStatus: [200],
    timeoutMs: 1000,
  },
  compare,
};
const phases = [
  { name: 'ramp', model: 'open' as const, seconds: 4, rate: 50 },
  { name: 'hold', model: 'open' as const, seconds: 6, rate: 100 },
];

function report(candidateReady = true) {
  const trials = buildSyntheticComparison(2, 5, { phases }, { phases, ready: candidateReady });
  return buildReport({
    scenario,
    trials,
    judgement: judge(trials, compare, { resamples: 200 }),
    environment: { peakgateVersion: '0', node: 'v20', platform: 'linux', cores: 2, driver: 'process' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  });
}

describe('reportCharts', () => {
  it('splits latency by phase on the seconds of that phase, one p99 and one hidden p50 line per trial', () => {
    const { timeline } = reportCharts(report());
    const [ramp, hold] = timeline;
    expect(ramp?.title).toBe('p99 latency per second: ramp');
    expect(ramp?.x).toEqual([0, 1, 2, 3]);
    expect(hold?.x).toEqual([4, 5, 6, 7, 8, 9]);
    expect(ramp?.series).toHaveLength(8);
    expect(ramp?.series.filter((s) => s.hidden).every((s) => s.dash && s.label.endsWith('p50'))).toBe(true);
    for (const series of ramp?.series ?? []) expect(series.values).toHaveLength(4);
  });

  it('keeps a trial colour by side and order, and draws the percentile curve on 1/(1-p)', () => {
    const { timeline } = reportCharts(report());
    const throughput = timeline.find((c) => c.id === 'throughput');
    expect(throughput?.series.map((s) => [s.label, s.color])).toEqual([
      ['baseline r1', trialColor('baseline', 0)],
      ['candidate r1', trialColor('candidate', 0)],
      ['candidate r2', trialColor('candidate', 1)],
      ['baseline r2', trialColor('baseline', 1)],
    ]);
    const curve = timeline.find((c) => c.id === 'percentiles');
    expect(curve?.x[0]).toBe(percentileX(50));
    expect(curve?.x.at(-1)).toBeCloseTo(10_000);
    expect(curve?.yLog).toBe(true);
    expect(percentileX(99)).toBeCloseTo(100);
  });

  it('leaves out a side with no data, and pairs what there is by round', () => {
    const { timeline, rounds } = reportCharts(report(false));
    expect(timeline.find((c) => c.id === 'percentiles')?.series.map((s) => s.role)).toEqual(['baseline']);
    const p99 = rounds.find((c) => c.id === 'round-p99');
    expect(p99?.x).toEqual([1, 2]);
    expect(p99?.series.find((s) => s.role === 'candidate')?.values).toEqual([null, null]);
  });
});
