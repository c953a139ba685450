/**
 * Descriptive statistics on plain arrays of numbers. `quantile` follows R's default (type 7)
 * and numpy's default ('linear'), so reference values are easy to reproduce.
 */
import { PeakgateError } from '../errors.js';

function requireValues(values: readonly number[], what: string): void {
  if (values.length === 0) throw new PeakgateError('PG_ERR_INTERNAL', `${what} of an empty sample`);
}

export function mean(values: readonly number[]): number {
  requireValues(values, 'mean');
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Quantile by linear interpolation between order statistics (R type 7); p in [0, 1]. */
export function quantile(values: readonly number[], p: number): number {
  requireValues(values, 'quantile');
  if (!(p >= 0 && p <= 1)) throw new PeakgateError('PG_ERR_INTERNAL', `quantile level ${p} is outside [0, 1]`);
  const sorted = [...values].sort((a, b) => a - b);
  return quantileSorted(sorted, p);
}

/** As `quantile`, for an array already sorted ascending (no copy). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}
