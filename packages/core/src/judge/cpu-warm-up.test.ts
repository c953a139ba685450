import { describe, expect, it } from 'vitest';
import type { CompareSpec } from '../scenario/model.js';
import {
  buildSyntheticComparison,
  type SyntheticPhase,
  type SyntheticTrialOptions,
} from '../test-support/synthetic-trials.js';
import { WARM_UP_FALL } from './cpu-warm-up.js';
import { judge } from './judge.js';

type Side = Omit<SyntheticTrialOptions, 'role' | 'round' | 'seed'>;

const spec: CompareSpec = {
  rounds: 3,
  maxRounds: 3,
  limits: { 'cpu.per_request': 0.15 },
  slo: {},
  confidence: 0.95,
  schedule: 'duet',
};
const fast = { resamples: 400, metrics: ['cpu.per_request' as const] };
const peak: SyntheticPhase[] = [{ name: 'peak', model: 'open', seconds: 5, rate: 400 }];

/** The sample balancer warmed 2 s at 400 req/s: CPU per request of its measured seconds, ÷ steady state. */
const warmingCurve = [1.7, 1.8, 1.5, 1.3, 1.2];
const warming: Side = { phases: peak, cpuPerRequestMs: 0.25, cpuFactorAt: (s) => warmingCurve[s] ?? 1 };
const flat: Side = { phases: peak, cpuPerRequestMs: 0.25 };
/** A first second well above the rest (the switch from a faster warm-up), then flat: not a warm-up still going on. */
const settled: Side = { ...flat, cpuFactorAt: (s) => (s === 0 ? 1.8 : 1) };
/** A gentle fall of about 6% from the first to the last third: below the threshold. */
const gentle: Side = { ...flat, cpuFactorAt: (s) => 1.1 - 0.025 * s };

const warmUpWarnings = (result: ReturnType<typeof judge>): string[] =>
  result.warnings.filter((warning) => warning.startsWith('CPU per request fell'));

describe('warm-up warning: CPU per request falling through a measured phase', () => {
  it('warns, naming the phase, the fall on each side and the fix, when both sides fall', () => {
    const result = judge(buildSyntheticComparison(3, 1, warming, warming), spec, fast);
    const [warning, ...more] = warmUpWarnings(result);
    expect(more).toEqual([]);
    expect(warning).toMatch(
      /^CPU per request fell during phase peak on both sides \(first to last third after its first second: /,
    );
    expect(warning).toContain('lengthen the warm-up or raise its rate: `load.warmup`');
    // Seconds 1-4 checked: (1.8 + 1/3 × 1.5) ÷ 4/3 = 1.73 in the first third, (1/3 × 1.3 + 1.2) ÷ 4/3 = 1.23 in the last: 29%.
    const falls = [...(warning ?? '').matchAll(/(baseline|candidate) -(\d+)%/g)].map((m) => Number(m[2]));
    expect(falls).toHaveLength(2);
    for (const fall of falls) {
      expect(fall).toBeGreaterThanOrEqual(25);
      expect(fall).toBeLessThanOrEqual(33);
    }
    // A warning, not a verdict: the same warm-up on both sides is no regression.
    expect(result.verdict).toBe('pass');
    expect(result.metrics.find((m) => m.name === 'cpu.per_request')?.status).not.toBe('fail');
  });

  it('stays silent when CPU per request is flat, high only in the first second, or falls less than the threshold', () => {
    expect(WARM_UP_FALL).toBeGreaterThan(0.1);
    expect(warmUpWarnings(judge(buildSyntheticComparison(3, 2, flat, flat), spec, fast))).toEqual([]);
    expect(warmUpWarnings(judge(buildSyntheticComparison(3, 3, settled, settled), spec, fast))).toEqual([]);
    expect(warmUpWarnings(judge(buildSyntheticComparison(3, 7, gentle, gentle), spec, fast))).toEqual([]);
  });

  it('stays silent when only one side falls (that is a difference between the builds, judged as such)', () => {
    expect(warmUpWarnings(judge(buildSyntheticComparison(3, 4, warming, flat), spec, fast))).toEqual([]);
    expect(warmUpWarnings(judge(buildSyntheticComparison(3, 5, flat, warming), spec, fast))).toEqual([]);
  });

  it('does not check a phase whose rate changed between the thirds (a ramp: CPU per request follows the rate)', () => {
    // The same CPU each second while the requests double: per request it halves, without any warm-up.
    const ramp = buildSyntheticComparison(3, 8, flat, flat).map((trial) => {
      if (!trial.load) return trial;
      const series = trial.load.series.map((sample) => ({
        ...sample,
        requests: sample.requests * (1 + sample.second / 4),
      }));
      return { ...trial, load: { ...trial.load, series } };
    });
    expect(warmUpWarnings(judge(ramp, spec, fast))).toEqual([]);
  });

  it('checks each phase on its own and skips phases too short for thirds of a resource sample', () => {
    const phases: SyntheticPhase[] = [
      { name: 'short', model: 'open', seconds: 2, rate: 400 },
      { name: 'steady', model: 'open', seconds: 6, rate: 400 },
      { name: 'late', model: 'open', seconds: 6, rate: 400 },
    ];
    // Falling in the short phase (seconds 0-1: one second left after the first) and in the last one
    // (seconds 8-13), flat in between.
    const curve = (s: number): number => (s < 2 ? 2 - s * 0.5 : s >= 8 ? 1.8 - (s - 8) * 0.15 : 1);
    const side: Side = { phases, cpuPerRequestMs: 0.25, cpuFactorAt: curve };
    const warnings = warmUpWarnings(judge(buildSyntheticComparison(3, 6, side, side), spec, fast));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('during phase late ');
  });
});
