import type { SecondSample } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { AbortWatch } from './abort-watch.js';

const second = (n: number, fields: Partial<SecondSample>): SecondSample => ({
  second: n,
  phase: 'peak',
  requests: 100,
  errors: 0,
  p50Ms: 5,
  p99Ms: 20,
  histogram: '',
  ...fields,
});

describe('AbortWatch', () => {
  it('stops on more than half errors for 3 consecutive seconds, not for 2', () => {
    const watch = new AbortWatch();
    expect(watch.add(second(0, { errors: 90 }))).toBeUndefined();
    expect(watch.add(second(1, { errors: 60 }))).toBeUndefined();
    expect(watch.add(second(2, { errors: 10 }))).toBeUndefined();
    expect(watch.add(second(3, { errors: 51 }))).toBeUndefined();
    expect(watch.add(second(4, { errors: 100 }))).toBeUndefined();
    const cause = watch.add(second(5, { errors: 70 }));
    expect(cause?.kind).toBe('error-burst');
    expect(cause?.detail).toMatch(/more than 50% errors for 3 consecutive seconds \(peak phase\), up to 100%/);
  });

  it('ignores seconds with too few requests to judge', () => {
    const watch = new AbortWatch();
    for (let n = 0; n < 5; n++) expect(watch.add(second(n, { requests: 2, errors: 2 }))).toBeUndefined();
  });

  it('stops on a breached abort_on latency limit held for 3 seconds', () => {
    const watch = new AbortWatch({ 'latency.p99': 250 });
    expect(watch.add(second(0, { p99Ms: 300 }))).toBeUndefined();
    expect(watch.add(second(1, { p99Ms: 900 }))).toBeUndefined();
    const cause = watch.add(second(2, { p99Ms: 400 }));
    expect(cause).toEqual({
      kind: 'slo',
      detail: 'abort_on latency.p99 250 ms breached for 3 consecutive seconds (peak phase), up to 900 ms',
    });
  });

  it('stops on an abort_on error_rate below the burst share', () => {
    const watch = new AbortWatch({ error_rate: 0.05 });
    watch.add(second(0, { errors: 10 }));
    watch.add(second(1, { errors: 10 }));
    expect(watch.add(second(2, { errors: 10 }))?.detail).toMatch(/abort_on error_rate 5% breached/);
  });

  it('leaves a healthy candidate alone', () => {
    const watch = new AbortWatch({ 'latency.p99': 250, error_rate: 0.01 });
    for (let n = 0; n < 30; n++) expect(watch.add(second(n, { errors: n % 2 }))).toBeUndefined();
  });
});
