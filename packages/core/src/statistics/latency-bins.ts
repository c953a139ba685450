/**
 * Latency histograms as logarithmic bins, cheap to add up thousands of times inside a
 * bootstrap. Bins are 0.5% wide (a tenth of the smallest sensible limit), from 1 µs to the
 * histogram ceiling, so percentiles of a merged resample are within 0.25% of the exact HDR value.
 */

import * as hdr from 'hdr-histogram-js';
import { PeakgateError } from '../errors.js';
import { type Histogram, LATENCY_HISTOGRAM } from '../histograms.js';

const GROWTH = 1.005;
const LOG_GROWTH = Math.log(GROWTH);
export const LATENCY_BIN_COUNT = Math.ceil(Math.log(LATENCY_HISTOGRAM.highestTrackableValue) / LOG_GROWTH) + 1;

export interface LatencyBins {
  /** Bin indices, ascending. */
  bins: Int32Array;
  counts: Float64Array;
  total: number;
  /**
   * Requests in bins up to each bin of the part's span: cumulative[i] counts bins ≤ first + i,
   * for i from 0 to last − first (first and last: the lowest and highest bin held; an empty part
   * has first 0 and last −1). A percentile of a sum of parts is then a binary search over bins,
   * each probe adding one number per part, which is what makes thousands of bootstrap resamples
   * cheap.
   */
  first: number;
  last: number;
  cumulative: Float64Array;
}

/** The parts of hdr-histogram-js's JsHistogram we read; createLatencyHistogram builds that kind. */
interface IterableHistogram {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  medianEquivalentValue(value: number): number;
  valueFromIndex(index: number): number;
}

function isIterable(histogram: Histogram): histogram is Histogram & IterableHistogram {
  const candidate = histogram as unknown as Partial<IterableHistogram>;
  return typeof candidate.getCountAtIndex === 'function' && typeof candidate.valueFromIndex === 'function';
}

export function binOfMicros(micros: number): number {
  return micros <= 1 ? 0 : Math.min(LATENCY_BIN_COUNT - 1, Math.floor(Math.log(micros) / LOG_GROWTH));
}

/** Representative value of a bin in milliseconds (its geometric centre). */
export function binValueMs(bin: number): number {
  return GROWTH ** (bin + 0.5) / 1000;
}

function addToBins(histogram: Histogram, dense: Map<number, number>): void {
  if (!isIterable(histogram)) throw new PeakgateError('PG_ERR_INTERNAL', 'latency histogram is not iterable');
  const length = histogram.countsArrayLength;
  for (let index = 0; index < length; index++) {
    const count = histogram.getCountAtIndex(index);
    if (count === 0) continue;
    const bin = binOfMicros(histogram.medianEquivalentValue(histogram.valueFromIndex(index)));
    dense.set(bin, (dense.get(bin) ?? 0) + count);
  }
}

/** Builds LatencyBins from fine bin indices (ascending) and their counts. */
export function latencyBinsFrom(bins: Int32Array, counts: Float64Array): LatencyBins {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] as number;
  if (bins.length === 0) return { bins, counts, total, first: 0, last: -1, cumulative: new Float64Array(0) };
  const first = bins[0] as number;
  const last = bins[bins.length - 1] as number;
  const cumulative = new Float64Array(last - first + 1);
  for (let i = 0; i < bins.length; i++) {
    const slot = (bins[i] as number) - first;
    cumulative[slot] = (cumulative[slot] as number) + (counts[i] as number);
  }
  for (let i = 1; i < cumulative.length; i++) cumulative[i] = (cumulative[i] as number) + (cumulative[i - 1] as number);
  return { bins, counts, total, first, last, cumulative };
}

function toSparse(dense: Map<number, number>): LatencyBins {
  const order = [...dense.keys()].sort((a, b) => a - b);
  return latencyBinsFrom(Int32Array.from(order), Float64Array.from(order.map((bin) => dense.get(bin) as number)));
}

/**
 * Decodes encoded histograms (added together) into bins. Decodes into 32-bit counters rather
 * than the packed form: reading every counter of a packed array is ten times slower, and this
 * runs for every window of every trial.
 */
export function encodedToBins(encoded: readonly string[]): LatencyBins {
  const dense = new Map<number, number>();
  for (const item of encoded) {
    if (item === '') continue;
    const histogram = hdr.decodeFromCompressedBase64(item, 32, false);
    addToBins(histogram, dense);
    histogram.destroy();
  }
  return toSparse(dense);
}

/** Requests of all parts in bins ≤ bin. */
function countUpTo(parts: readonly LatencyBins[], bin: number): number {
  let sum = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as LatencyBins;
    if (bin >= part.last) sum += part.total;
    else if (bin >= part.first) sum += part.cumulative[bin - part.first] as number;
  }
  return sum;
}

/**
 * Percentiles (levels in (0, 100], any order) of the sum of several binned histograms, in ms.
 * The value at a level is the bin holding the ceil(level% × total)-th value, as in HDR: the
 * lowest bin whose count up to it reaches that rank, found by binary search over the parts' span.
 */
export function percentilesOfBins(parts: readonly LatencyBins[], levels: readonly number[]): number[] {
  let total = 0;
  let lowest = LATENCY_BIN_COUNT;
  let highest = -1;
  for (const part of parts) {
    if (part.total === 0) continue;
    total += part.total;
    if (part.first < lowest) lowest = part.first;
    if (part.last > highest) highest = part.last;
  }
  const result = levels.map(() => 0);
  if (total === 0) return result;
  levels.forEach((level, k) => {
    const rank = Math.max(1, Math.ceil((level / 100) * total));
    let low = lowest;
    let high = highest; // countUpTo(highest) = total ≥ rank
    while (low < high) {
      const mid = (low + high) >> 1;
      if (countUpTo(parts, mid) >= rank) high = mid;
      else low = mid + 1;
    }
    result[k] = binValueMs(low);
  });
  return result;
}
