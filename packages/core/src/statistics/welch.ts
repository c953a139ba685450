/**
 * Welch's interval for the difference of two means with unequal variances. The judge applies it
 * to log per-trial values, so exp of the interval is a ratio interval that reflects how much whole
 * trials differ from each other (container, CPU frequency, neighbours), which resampling two or
 * three trials cannot show.
 */
import { studentTQuantile } from './student-t.js';

export interface WelchInterval {
  estimate: number;
  lower: number;
  upper: number;
  degreesOfFreedom: number;
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

/** A difference of means with its standard error and degrees of freedom: what an interval or a t test needs. */
export interface MeanDifference {
  estimate: number;
  standardError: number;
  degreesOfFreedom: number;
}

/** mean(x) − mean(y) with Welch's standard error and degrees of freedom; undefined when either side has fewer than two values. */
export function welchDifference(x: readonly number[], y: readonly number[]): MeanDifference | undefined {
  if (x.length < 2 || y.length < 2) return undefined;
  const a = meanAndVariance(x);
  const b = meanAndVariance(y);
  const va = a.variance / x.length;
  const vb = b.variance / y.length;
  const standardError = Math.sqrt(va + vb);
  const degreesOfFreedom =
    standardError === 0 ? Infinity : (va + vb) ** 2 / (va ** 2 / (x.length - 1) + vb ** 2 / (y.length - 1));
  return { estimate: a.mean - b.mean, standardError, degreesOfFreedom };
}

/** The mean of x[i] − y[i] (same round) with its standard error; undefined with fewer than two pairs. */
export function pairedDifference(x: readonly number[], y: readonly number[]): MeanDifference | undefined {
  if (x.length !== y.length || x.length < 2) return undefined;
  const d = x.map((value, i) => value - (y[i] as number));
  const { mean: estimate, variance } = meanAndVariance(d);
  return { estimate, standardError: Math.sqrt(variance / d.length), degreesOfFreedom: d.length - 1 };
}

function intervalOf(difference: MeanDifference | undefined, confidence: number): WelchInterval | undefined {
  if (difference === undefined) return undefined;
  const { estimate, standardError: se, degreesOfFreedom: df } = difference;
  if (se === 0) return { estimate, lower: estimate, upper: estimate, degreesOfFreedom: df };
  const t = studentTQuantile(1 - (1 - confidence) / 2, df);
  return { estimate, lower: estimate - t * se, upper: estimate + t * se, degreesOfFreedom: df };
}

/** Interval of mean(x) − mean(y); undefined when either side has fewer than two values. */
export function welchInterval(
  x: readonly number[],
  y: readonly number[],
  confidence: number,
): WelchInterval | undefined {
  return intervalOf(welchDifference(x, y), confidence);
}

/**
 * Paired t interval of the mean difference x[i] − y[i] (same round), undefined with fewer than
 * two pairs. On log values this is the interval of the geometric mean of per-round ratios.
 */
export function pairedInterval(
  x: readonly number[],
  y: readonly number[],
  confidence: number,
): WelchInterval | undefined {
  return intervalOf(pairedDifference(x, y), confidence);
}
