/**
 * Mann-Whitney U test, two-sided, normal approximation with tie correction and continuity
 * correction: the same figures as scipy.stats.mannwhitneyu(x, y, method='asymptotic') and R's
 * wilcox.test(x, y, exact = FALSE, correct = TRUE).
 */
import { PeakgateError } from '../errors.js';
import { normalSurvival } from './normal-distribution.js';

export interface MannWhitneyResult {
  /** U statistic of the first sample: the number of pairs (x, y) with x > y, ties counting 1/2. */
  u: number;
  /** Standardised statistic (continuity-corrected), sign: positive when x tends to be larger. */
  z: number;
  /** Two-sided p-value. */
  pValue: number;
}

/** Mid-ranks (1-based) of the pooled sample, and the tie term Σ(t³ − t) over groups of ties. */
export function midRanks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length).fill(0);
  let tieTerm = 0;
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (
      end + 1 < order.length &&
      (order[end + 1] as { value: number }).value === (order[start] as { value: number }).value
    )
      end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[(order[k] as { index: number }).index] = rank;
    const t = end - start + 1;
    tieTerm += t * t * t - t;
    start = end + 1;
  }
  return { ranks, tieTerm };
}

export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new PeakgateError('PG_ERR_INTERNAL', 'Mann-Whitney U needs two non-empty samples');
  const { ranks, tieTerm } = midRanks([...x, ...y]);
  let rankSumX = 0;
  for (let i = 0; i < n1; i++) rankSumX += ranks[i] as number;
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u, z: 0, pValue: 1 };
  const deviation = u - mu;
  const corrected = Math.max(0, Math.abs(deviation) - 0.5);
  const z = (Math.sign(deviation) * corrected) / sigma;
  return { u, z, pValue: Math.min(1, 2 * normalSurvival(Math.abs(z))) };
}
