import { describe, expect, it } from 'vitest';
import { fewSamplesNote, minSamplesForPercentile, percentileOfMetric } from './sample-size.js';

describe('percentiles from too few samples', () => {
  it('needs one sample past the percentile, and at least 10', () => {
    expect(minSamplesForPercentile(99)).toBe(100);
    expect(minSamplesForPercentile(99.9)).toBe(1000);
    expect(minSamplesForPercentile(90)).toBe(10);
    expect(minSamplesForPercentile(50)).toBe(10);
  });

  it('reads the percentile from a latency metric name', () => {
    expect(percentileOfMetric('latency.p99')).toBe(99);
    expect(percentileOfMetric('latency.p999')).toBe(99.9);
    expect(percentileOfMetric('latency.p50')).toBe(50);
    expect(percentileOfMetric('cpu.per_request')).toBeUndefined();
  });

  it('notes a p99 from 99 samples, not from 100', () => {
    expect(fewSamplesNote(99, 8, 'candidate')).toBe(
      'p99 rests on 8 candidate samples (fewer than 100): a rough figure',
    );
    expect(fewSamplesNote(99, 99)).toContain('fewer than 100');
    expect(fewSamplesNote(99, 100)).toBeUndefined();
    expect(fewSamplesNote(99.9, 1, 'baseline')).toBe(
      'p99.9 rests on 1 baseline sample (fewer than 1000): a rough figure',
    );
  });
});
