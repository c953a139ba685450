import { describe, expect, it } from 'vitest';
import { arrivalOffsetMs, expectedArrivals, shareOf } from './arrival-schedule.js';

describe('arrival schedule', () => {
  it('spaces constant-rate arrivals 1/rate apart and stops at the phase end', () => {
    expect(arrivalOffsetMs(0, 1000, 1000, 1000)).toBe(0);
    expect(arrivalOffsetMs(1, 1000, 1000, 1000)).toBeCloseTo(1, 9);
    expect(arrivalOffsetMs(999, 1000, 1000, 1000)).toBeCloseTo(999, 6);
    expect(arrivalOffsetMs(1000, 1000, 1000, 1000)).toBe(Number.POSITIVE_INFINITY);
  });

  it('integrates a ramp: arrival count up to t equals the area under the rate', () => {
    // 0 → 100 req/s over 10 s: 500 arrivals; A(t) = 5 t², so arrival k is due at √(k/5) s.
    expect(expectedArrivals(0, 100, 10_000)).toBe(500);
    expect(arrivalOffsetMs(125, 0, 100, 10_000)).toBeCloseTo(5000, 6);
    let n = 0;
    while (Number.isFinite(arrivalOffsetMs(n, 0, 100, 10_000))) n++;
    expect(n).toBe(500);
    // Down-ramps work too: 100 → 0 gives the same count.
    let m = 0;
    while (Number.isFinite(arrivalOffsetMs(m, 100, 0, 10_000))) m++;
    expect(Math.abs(m - 500)).toBeLessThanOrEqual(1);
  });

  it('splits counts evenly over shards', () => {
    expect([0, 1, 2].map((i) => shareOf(10, i, 3))).toEqual([4, 3, 3]);
    expect([0, 1, 2].map((i) => shareOf(1, i, 3))).toEqual([1, 0, 0]);
  });
});
