import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import { fixtureScenario, openPhase } from '../test-support/scenario-fixture.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import { BASELINE_COLOR, CANDIDATE_COLOR } from '../wording/verdict-wording.js';
import { buildReport } from './build-report.js';
import { percentileX, reportCharts, resourcesBySecond } from './report-charts.js';
import type { ReportTrial } from './report-types.js';

const scenario = fixtureScenario({
  name: 'charts',
  service: { ready: { kind: 'tcp', timeoutMs: 1000 } },
  phases: [openPhase('ramp', 4000, 10, 100), openPhase('hold', 6000, 100)],
  timeoutMs: 1000,
});
const { compare } = scenario;
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
  it('splits latency by phase on the seconds of that phase: per side a median line and a min–max band', () => {
    const { timeline } = reportCharts(report());
    const [ramp, hold] = timeline;
    expect(ramp?.title).toBe('p99 latency per second: ramp');
    expect(ramp?.x).toEqual([0, 1, 2, 3]);
    expect(hold?.x).toEqual([4, 5, 6, 7, 8, 9]);
    // Two trials a side: a median and the band's two edges each, not one line per trial.
    expect(ramp?.series.map((s) => [s.label, s.band ?? 'line'])).toEqual([
      ['baseline', 'line'],
      ['baseline lowest trial', 'lower'],
      ['baseline highest trial', 'upper'],
      ['candidate', 'line'],
      ['candidate lowest trial', 'lower'],
      ['candidate highest trial', 'upper'],
    ]);
    expect(ramp?.bands).toEqual([
      { lower: 1, upper: 2, color: BASELINE_COLOR },
      { lower: 4, upper: 5, color: CANDIDATE_COLOR },
    ]);
    for (const series of ramp?.series ?? []) expect(series.values).toHaveLength(4);
    const [median, lower, upper] = (ramp?.series ?? []).map((s) => s.values);
    for (let i = 0; i < 4; i++) {
      expect(lower?.[i]).toBeLessThanOrEqual(median?.[i] ?? Number.NaN);
      expect(upper?.[i]).toBeGreaterThanOrEqual(median?.[i] ?? Number.NaN);
    }
  });

  it('gives each side one colour in every chart, and draws the percentile curve on 1/(1-p)', () => {
    const { timeline, rounds } = reportCharts(report());
    for (const chart of [...timeline, ...rounds])
      for (const series of chart.series)
        expect(series.color, `${chart.id} ${series.label}`).toBe(
          series.role === 'baseline' ? BASELINE_COLOR : CANDIDATE_COLOR,
        );
    const curve = timeline.find((c) => c.id === 'percentiles');
    expect(curve?.x[0]).toBe(percentileX(50));
    expect(curve?.x.at(-1)).toBeCloseTo(10_000);
    expect(curve?.yLog).toBe(true);
    expect(percentileX(99)).toBeCloseTo(100);
  });

  it('draws no errors chart when no trial had an error, and says so', () => {
    const result = reportCharts(report());
    expect(result.noErrors).toBe(true);
    expect(result.timeline.map((c) => c.id)).not.toContain('errors');
  });

  it('puts CPU and memory on the latency series origin (second 0), without the partial last second', () => {
    // Readings about once a second from the window's start, and the last one 40 ms after the one
    // before it, as the load stopped: drawn as a whole second it read as a drop to zero.
    const resources = [1000, 2003, 2998, 4001, 4041].map((atMs, i) => ({
      atMs,
      cpuCores: i === 4 ? 0 : 0.5,
      memoryBytes: 100,
    }));
    const points = resourcesBySecond({ resources } as unknown as ReportTrial, (r) => r.cpuCores);
    expect([...points.keys()]).toEqual([0, 1, 2, 3]);
    expect([...points.values()].every((cores) => cores === 0.5)).toBe(true);
    const { timeline } = reportCharts(report());
    const cpu = timeline.find((c) => c.id === 'cpu');
    const latency = timeline.find((c) => c.id === 'latency-0');
    expect(cpu?.x[0]).toBe(0);
    expect(latency?.x[0]).toBe(0);
  });

  it('leaves out a side with no data, and pairs what there is by round', () => {
    const { timeline, rounds } = reportCharts(report(false));
    expect(timeline.find((c) => c.id === 'percentiles')?.series.map((s) => s.role)).toEqual(['baseline']);
    const p99 = rounds.find((c) => c.id === 'round-p99');
    expect(p99?.x).toEqual([1, 2]);
    expect(p99?.series.find((s) => s.role === 'candidate')?.values).toEqual([null, null]);
  });
});
