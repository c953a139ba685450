import { describe, expect, it } from 'vitest';
import { latencyBucketCounts } from './histogram-buckets.js';
import { createLatencyHistogram, encodeHistogram, recordLatencyMs } from './histograms.js';

describe('latencyBucketCounts', () => {
  it('puts each request in the slot of the first bound at or above it', () => {
    const histogram = createLatencyHistogram();
    for (const ms of [0.05, 0.2, 0.2, 3, 40, 20_000]) recordLatencyMs(histogram, ms);
    const { counts, total, sum } = latencyBucketCounts(encodeHistogram(histogram), [100, 1000, 10_000, 100_000]);
    expect(counts).toEqual([1, 2, 1, 1, 1]);
    expect(total).toBe(6);
    expect(sum / 1000).toBeCloseTo(0.05 + 0.4 + 3 + 40 + 20_000, -1);
  });

  it('gives zero counts for an empty histogram', () => {
    expect(latencyBucketCounts('', [1, 2])).toEqual({ counts: [0, 0, 0], sum: 0, total: 0 });
  });
});
