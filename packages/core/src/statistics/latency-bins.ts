/**
 * Latency histograms as sparse logarithmic bins, cheap to add up thousands of times inside a
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
   * The same counts grouped by coarse bin (COARSE_WIDTH fine bins each): coarse indices ascending,
   * their counts, and where each coarse bin's fine entries start in `bins` (one extra end entry).
   * Percentiles of a sum then add up a few dozen coarse counts per part instead of hundreds of
   * fine ones, which is what makes thousands of bootstrap resamples cheap.
   */
  coarse: Int32Array;
  coarseCounts: Float64Array;
  coarseStart: Int32Array;
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

const COARSE_SHIFT = 4;
const COARSE_WIDTH = 1 << COARSE_SHIFT;
const COARSE_COUNT = (LATENCY_BIN_COUNT >> COARSE_SHIFT) + 1;

/** Builds LatencyBins from fine bin indices (ascending) and their counts. */
export function latencyBinsFrom(bins: Int32Array, counts: Float64Array): LatencyBins {
  let total = 0;
  const coarse: number[] = [];
  const coarseCounts: number[] = [];
  const coarseStart: number[] = [];
  for (let i = 0; i < bins.length; i++) {
    const count = counts[i] as number;
    total += count;
    const c = (bins[i] as number) >> COARSE_SHIFT;
    if (coarse[coarse.length - 1] !== c) {
      coarse.push(c);
      coarseCounts.push(0);
      coarseStart.push(i);
    }
    coarseCounts[coarseCounts.length - 1] = (coarseCounts[coarseCounts.length - 1] as number) + count;
  }
  coarseStart.push(bins.length);
  return {
    bins,
    counts,
    total,
    coarse: Int32Array.from(coarse),
    coarseCounts: Float64Array.from(coarseCounts),
    coarseStart: Int32Array.from(coarseStart),
  };
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
/** Position of coarse bin `c` in a part's `coarse` array, or -1. */
function findCoarse(part: LatencyBins, c: number): number {
  let low = 0;
  let high = part.coarse.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const value = part.coarse[mid] as number;
    if (value === c) return mid;
    if (value < c) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/**
 * Percentiles (levels in (0, 100], any order) of the sum of several binned histograms, in ms.
 * The value at a level is the bin holding the ceil(level% × total)-th value, as in HDR.
 * Two passes: coarse counts locate the coarse bin of each rank, then only that coarse bin's fine
 * counts are added up. `scratch` is a reusable array of at least LATENCY_BIN_COUNT zeros; it is
 * zeroed again on return.
 */
export function percentilesOfBins(
  parts: readonly LatencyBins[],
  levels: readonly number[],
  scratch: Float64Array = new Float64Array(LATENCY_BIN_COUNT),
): number[] {
  let total = 0;
  let lowest = COARSE_COUNT;
  let highest = -1;
  for (const part of parts) {
    const { coarse, coarseCounts } = part;
    for (let i = 0; i < coarse.length; i++) {
      const c = coarse[i] as number;
      scratch[c] = (scratch[c] as number) + (coarseCounts[i] as number);
      if (c < lowest) lowest = c;
      if (c > highest) highest = c;
    }
    total += part.total;
  }
  const result = levels.map(() => 0);
  if (total === 0) return result;
  const targets = levels
    .map((level, index) => ({ index, rank: Math.max(1, Math.ceil((level / 100) * total)) }))
    .sort((a, b) => a.rank - b.rank);
  // Pass 1: the coarse bin of each target and the count below it.
  const located: { c: number; below: number }[] = [];
  let cumulative = 0;
  let next = 0;
  for (let c = lowest; c <= highest && next < targets.length; c++) {
    const here = scratch[c] as number;
    while (next < targets.length && cumulative + here >= (targets[next] as { rank: number }).rank) {
      located[next] = { c, below: cumulative };
      next++;
    }
    cumulative += here;
  }
  for (; next < targets.length; next++)
    located[next] = { c: highest, below: cumulative - (scratch[highest] as number) };
  scratch.fill(0, Math.max(0, lowest), highest + 1);
  // Pass 2: within each located coarse bin, add the fine counts of every part.
  const fine = new Float64Array(COARSE_WIDTH);
  let filledFor = -1;
  for (let k = 0; k < targets.length; k++) {
    const { c, below } = located[k] as { c: number; below: number };
    if (c !== filledFor) {
      fine.fill(0);
      for (const part of parts) {
        const position = findCoarse(part, c);
        if (position < 0) continue;
        const end = part.coarseStart[position + 1] as number;
        for (let i = part.coarseStart[position] as number; i < end; i++) {
          const slot = (part.bins[i] as number) - (c << COARSE_SHIFT);
          fine[slot] = (fine[slot] as number) + (part.counts[i] as number);
        }
      }
      filledFor = c;
    }
    const rank = (targets[k] as { rank: number }).rank - below;
    let running = 0;
    let slot = 0;
    let lastNonEmpty = 0;
    for (; slot < COARSE_WIDTH; slot++) {
      if ((fine[slot] as number) > 0) lastNonEmpty = slot;
      running += fine[slot] as number;
      if (running >= rank) break;
    }
    const bin = (c << COARSE_SHIFT) + (slot < COARSE_WIDTH ? slot : lastNonEmpty);
    result[(targets[k] as { index: number }).index] = binValueMs(bin);
  }
  return result;
}
