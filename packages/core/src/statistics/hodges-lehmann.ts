/**
 * Hodges-Lehmann estimate of the shift between two samples (median of all pairwise differences
 * x_i − y_j) with its distribution-free confidence interval (Hollander & Wolfe, Nonparametric
 * Statistical Methods, §4.3): the interval between order statistics C and mn + 1 − C of the
 * pairwise differences, C from the normal approximation to the Mann-Whitney null distribution.
 * Applied to log values, exp(shift) is a ratio and the interval a ratio interval.
 */
import { PeakgateError } from '../errors.js';
import { median } from './descriptive.js';
import { normalQuantile } from './normal-distribution.js';

export interface ShiftInterval {
  estimate: number;
  lower: number;
  upper: number;
  /**
   * Confidence the interval really has. Small samples cannot reach every level (3 against 3
   * trials cannot reach 95%); then the interval is the full range of differences and this is the
   * exact coverage of that range, 1 − 2 / C(m+n, n).
   */
  achievedConfidence: number;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

/** Shift of x relative to y (x − y) at the given two-sided confidence, e.g. 0.95. */
export function hodgesLehmann(x: readonly number[], y: readonly number[], confidence: number): ShiftInterval {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) throw new PeakgateError('PG_ERR_INTERNAL', 'Hodges-Lehmann needs two non-empty samples');
  const differences: number[] = [];
  for (const xi of x) for (const yj of y) differences.push(xi - yj);
  differences.sort((a, b) => a - b);
  const estimate = median(differences);
  const total = n * m;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const c = Math.round(total / 2 - z * Math.sqrt((total * (n + m + 1)) / 12));
  if (c < 1) {
    // The requested level is out of reach: report the widest interval and what it achieves.
    return {
      estimate,
      lower: differences[0] as number,
      upper: differences[total - 1] as number,
      achievedConfidence: 1 - 2 / binomial(n + m, n),
    };
  }
  return {
    estimate,
    lower: differences[c - 1] as number,
    upper: differences[total - c] as number,
    achievedConfidence: confidence,
  };
}
