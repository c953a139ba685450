/**
 * Comparing two error proportions (errors out of requests). Error counts are small and often zero,
 * so ratios of rates alone are meaningless (0 → 3 errors is "+∞%"); the judge looks at the
 * difference of rates, with Newcombe's hybrid score interval (Newcombe 1998, method 10), which
 * behaves at zero counts, and reports a smoothed rate ratio beside it.
 */
import { normalQuantile } from './normal-distribution.js';

export interface ProportionInterval {
  estimate: number;
  lower: number;
  upper: number;
}

/** Wilson score interval of a proportion. */
export function wilsonInterval(successes: number, trials: number, confidence: number): ProportionInterval {
  if (trials === 0) return { estimate: 0, lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** Interval of p1 − p2 (first minus second), Newcombe's hybrid score method. */
export function proportionDifferenceInterval(
  successes1: number,
  trials1: number,
  successes2: number,
  trials2: number,
  confidence: number,
): ProportionInterval {
  const a = wilsonInterval(successes1, trials1, confidence);
  const b = wilsonInterval(successes2, trials2, confidence);
  const difference = a.estimate - b.estimate;
  const lowerDelta = Math.sqrt((a.estimate - a.lower) ** 2 + (b.upper - b.estimate) ** 2);
  const upperDelta = Math.sqrt((a.upper - a.estimate) ** 2 + (b.estimate - b.lower) ** 2);
  return { estimate: difference, lower: difference - lowerDelta, upper: difference + upperDelta };
}

/**
 * Ratio of rates (first ÷ second) with 0.5 added to each count (Haldane-Anscombe), and Katz's
 * log interval. Finite even with zero errors on either side.
 */
export function rateRatioInterval(
  successes1: number,
  trials1: number,
  successes2: number,
  trials2: number,
  confidence: number,
): ProportionInterval {
  const a = successes1 + 0.5;
  const b = successes2 + 0.5;
  const n1 = trials1 + 0.5;
  const n2 = trials2 + 0.5;
  const ratio = a / n1 / (b / n2);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const se = Math.sqrt(Math.max(0, 1 / a - 1 / n1 + 1 / b - 1 / n2));
  return { estimate: ratio, lower: ratio * Math.exp(-z * se), upper: ratio * Math.exp(z * se) };
}
