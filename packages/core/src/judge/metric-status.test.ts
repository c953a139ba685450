import { describe, expect, it } from 'vitest';
import { acceptanceBound, metricStatus, thresholdRatio } from './metric-status.js';

describe('metricStatus', () => {
  const lower = { direction: 'lower-is-better' as const, baseline: 10, limit: 0.1, floor: 0.05 };
  const higher = { direction: 'higher-is-better' as const, baseline: 1000, limit: 0.1, floor: 5 };

  it('fails only when the whole interval is past the threshold, marginal when only the estimate is', () => {
    expect(metricStatus({ ...lower, change: 1.3, interval: [1.2, 1.4] })).toBe('fail');
    expect(metricStatus({ ...lower, change: 1.15, interval: [1.05, 1.25] })).toBe('marginal');
    expect(metricStatus({ ...lower, change: 1.05, interval: [0.95, 1.15] })).toBe('pass');
    // An interval exactly at the limit is not past it.
    expect(metricStatus({ ...lower, change: 1.2, interval: [1.1, 1.3] })).toBe('marginal');
  });

  it('mirrors the rule for higher-is-better metrics (throughput)', () => {
    expect(metricStatus({ ...higher, change: 0.7, interval: [0.65, 0.75] })).toBe('fail');
    expect(metricStatus({ ...higher, change: 0.85, interval: [0.75, 0.95] })).toBe('marginal');
    expect(metricStatus({ ...higher, change: 1.3, interval: [1.2, 1.4] })).toBe('pass');
  });

  it('uses the floor when it is stricter than the limit', () => {
    // 0.20 ms baseline, floor 0.05 ms: the threshold is +25%, not +10%.
    expect(thresholdRatio('lower-is-better', 0.2, 0.1, 0.05)).toBeCloseTo(1.25, 12);
    expect(
      metricStatus({
        direction: 'lower-is-better',
        baseline: 0.2,
        limit: 0.1,
        floor: 0.05,
        change: 1.2,
        interval: [1.15, 1.24],
      }),
    ).toBe('pass');
    expect(thresholdRatio('lower-is-better', 10, 0.1, 0.05)).toBeCloseTo(1.1, 12);
    expect(thresholdRatio('higher-is-better', 20, 0.1, 5)).toBeCloseTo(0.75, 12);
    expect(thresholdRatio('lower-is-better', 0, 0.1, 0.05)).toBe(Infinity);
  });
});

describe('acceptanceBound', () => {
  // Threshold +10% (the floor 0.05 on 10 is +0.5%, below the limit).
  const lower = { direction: 'lower-is-better' as const, baseline: 10, limit: 0.1, floor: 0.05 };

  it('narrows the within-limit side by z(acceptance) / z(look) and accepts only within the threshold', () => {
    // 99% → 80%: z 2.576 → 1.282, half the log half-width. exp(log 1.02 + log(1.14/1.02)/2) ≈ 1.0783.
    const bound = acceptanceBound({ ...lower, change: 1.02, interval: [0.9, 1.14] }, 0.99, 0.8);
    expect(bound).toBeCloseTo(1.02 * Math.sqrt(1.14 / 1.02) ** (1.2816 / 2.5758 / 0.5), 3);
    expect(bound as number).toBeLessThan(1.1);
    // Wider: the narrowed bound still crosses +10%, so it is not accepted.
    expect(acceptanceBound({ ...lower, change: 1.02, interval: [0.8, 1.3] }, 0.99, 0.8)).toBeUndefined();
    // An estimate past the threshold is never accepted.
    expect(acceptanceBound({ ...lower, change: 1.12, interval: [1.05, 1.13] }, 0.99, 0.8)).toBeUndefined();
  });

  it('mirrors for higher-is-better metrics and never loosens past the look level', () => {
    const higher = { direction: 'higher-is-better' as const, baseline: 1000, limit: 0.1, floor: 5 };
    expect(acceptanceBound({ ...higher, change: 0.99, interval: [0.85, 1.1] }, 0.99, 0.8)).toBeGreaterThan(0.9);
    expect(acceptanceBound({ ...higher, change: 0.99, interval: [0.85, 1.1] }, 0.99, 0.99)).toBeUndefined();
  });
});
