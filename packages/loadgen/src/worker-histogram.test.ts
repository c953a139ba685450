import {
  createLatencyHistogram,
  encodeHistogram,
  LATENCY_HISTOGRAM,
  mergeEncodedHistograms,
  recordLatencyMs,
} from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import {
  createWorkerHistogram,
  encodeWorkerHistogram,
  mergeWorkerHistograms,
  recordWorkerLatencyMs,
  WORKER_HISTOGRAM,
} from './worker-histogram.js';

describe('worker histograms', () => {
  it("record with the same range and precision as core's, so the two merge", () => {
    expect(WORKER_HISTOGRAM).toEqual(LATENCY_HISTOGRAM);
  });

  it('the histograms of two workers merged equal one histogram fed both streams, also when core merges them', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const a = createWorkerHistogram();
    const b = createWorkerHistogram();
    const both = createWorkerHistogram();
    const core = createLatencyHistogram();
    for (let i = 0; i < 20_000; i++) {
      const ms = random() < 0.95 ? 0.05 + random() * 2 : 20 + random() * 400;
      recordWorkerLatencyMs(i % 3 === 0 ? a : b, ms);
      recordWorkerLatencyMs(both, ms);
      recordLatencyMs(core, ms);
    }
    const parts = [encodeWorkerHistogram(a), encodeWorkerHistogram(b)];
    const merged = mergeWorkerHistograms(parts);
    expect(merged.totalCount).toBe(both.totalCount);
    for (const p of [50, 90, 99, 99.9, 100]) expect(merged.getValueAtPercentile(p)).toBe(both.getValueAtPercentile(p));
    // Core's merge of the same histograms gives the same figures as core recording every value itself.
    const viaCore = mergeEncodedHistograms(parts);
    expect(encodeHistogram(viaCore)).toBe(encodeHistogram(core));
  });
});
