import { describe, expect, it } from 'vitest';
import { metricStatus, shownWithin, thresholdRatio } from './metric-status.js';

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

describe('shownWithin', () => {
  // Threshold +10% (the floor 0.05 on 10 is +0.5%, below the limit).
  const lower = { direction: 'lower-is-better' as const, baseline: 10, limit: 0.1, floor: 0.05 };

  it('gives the within-limit end of an interval that lies within the threshold, else nothing', () => {
    expect(shownWithin({ ...lower, interval: [0.93, 1.08] })).toBe(1.08);
    expect(shownWithin({ ...lower, interval: [0.93, 1.1] })).toBe(1.1);
    expect(shownWithin({ ...lower, interval: [0.93, 1.12] })).toBeUndefined();
  });

  it('mirrors for higher-is-better metrics (throughput)', () => {
    const higher = { direction: 'higher-is-better' as const, baseline: 1000, limit: 0.1, floor: 5 };
    expect(shownWithin({ ...higher, interval: [0.92, 1.1] })).toBe(0.92);
    expect(shownWithin({ ...higher, interval: [0.85, 1.1] })).toBeUndefined();
  });
});
