/**
 * Folds an encoded latency histogram (µs, see histograms.ts) into cumulative counts at fixed
 * upper bounds, the shape a Prometheus histogram exports. The metrics registry calls this once
 * per second per role with the load engine's per-second histogram, so Prometheus sees every
 * request without the hot path observing each one.
 */
import * as hdr from 'hdr-histogram-js';

export interface BucketCounts {
  /** Requests at or below each bound (not cumulative across bounds: one count per slot, the last slot is +Inf). */
  counts: number[];
  /** Sum of all recorded latencies, in the unit of the bounds. */
  sum: number;
  total: number;
}

/**
 * @param boundsMicros ascending upper bounds in microseconds
 * @returns per-slot counts (`counts[i]` holds values in (bound[i-1], bound[i]], `counts[bounds.length]` the rest)
 */
export function latencyBucketCounts(encoded: string, boundsMicros: readonly number[]): BucketCounts {
  const counts = new Array<number>(boundsMicros.length + 1).fill(0);
  if (encoded === '') return { counts, sum: 0, total: 0 };
  const histogram = hdr.decodeFromCompressedBase64(encoded, 'packed', false);
  try {
    if (!(histogram instanceof hdr.JsHistogram)) throw new Error('expected a JS histogram');
    let sum = 0;
    let total = 0;
    let slot = 0;
    const iterator = histogram.recordedValuesIterator;
    iterator.reset();
    while (iterator.hasNext()) {
      const step = iterator.next();
      // HDR values are equivalence ranges; the median of the range is the recorded value within 0.1%.
      const value = histogram.medianEquivalentValue(step.valueIteratedTo);
      const count = step.countAddedInThisIterationStep;
      while (slot < boundsMicros.length && value > (boundsMicros[slot] as number)) slot += 1;
      counts[slot] = (counts[slot] as number) + count;
      sum += value * count;
      total += count;
    }
    return { counts, sum, total };
  } finally {
    histogram.destroy();
  }
}
