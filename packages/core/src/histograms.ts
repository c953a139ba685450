/**
 * One place that fixes how latency histograms are recorded, so that every worker, every trial,
 * baseline and candidate are recorded identically and can be merged by adding.
 * Values are microseconds: loopback services answer in tens of µs, so whole milliseconds
 * (autocannon's own histogram) would flatten every percentile to 0 or 1.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencySummaryMs } from './load-result.js';

export type Histogram = hdr.Histogram;

/** 1 µs to 120 s at 3 significant digits: 0.1% resolution, a few KiB per histogram. */
export const LATENCY_HISTOGRAM = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 120_000_000,
  numberOfSignificantValueDigits: 3,
} as const;

export function createLatencyHistogram(): Histogram {
  return hdr.build({ ...LATENCY_HISTOGRAM, bitBucketSize: 'packed', autoResize: true, useWebAssembly: false });
}

export function recordLatencyMs(histogram: Histogram, latencyMs: number): void {
  const micros = Math.max(1, Math.round(latencyMs * 1000));
  histogram.recordValue(Math.min(micros, LATENCY_HISTOGRAM.highestTrackableValue));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 'packed', false);
  const histogram = createLatencyHistogram();
  histogram.add(decoded);
  decoded.destroy();
  return histogram;
}

/**
 * Adds encoded histograms into one, for reading (percentiles, counts). An empty list gives an
 * empty histogram. Decoded and added as 64-bit float counters, not the packed form the recorder
 * uses: the same buckets and counts (exact to 2^53), so the same percentiles, at a fraction of the
 * cost; the judge merges each side's phases at every look, and packed adds were a third of its
 * time in a mix of 50 kinds.
 */
export function mergeEncodedHistograms(encoded: readonly string[]): Histogram {
  const merged = hdr.build({ ...LATENCY_HISTOGRAM, bitBucketSize: 64, autoResize: true, useWebAssembly: false });
  for (const item of encoded) {
    if (item === '') continue;
    const decoded = hdr.decodeFromCompressedBase64(item, 64, false);
    merged.add(decoded);
    decoded.destroy();
  }
  return merged;
}

export function summarizeLatency(histogram: Histogram): LatencySummaryMs {
  const count = histogram.totalCount;
  if (count === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0, count: 0 };
  const ms = (micros: number): number => Math.round(micros) / 1000;
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
    count,
  };
}
