/**
 * The decision rule for one metric. A change counts only when it is past BOTH the relative limit
 * and the absolute noise floor, so p50 going from 0.20 ms to 0.23 ms (+15%, but 30 µs) passes:
 * a gate that cries wolf gets switched off.
 *   fail:     the whole interval is past the threshold;
 *   marginal: only the point estimate is past it;
 *   pass:     otherwise.
 * Separately, a metric is settled when its interval lies wholly on one side of the threshold, or
 * when the acceptance boundary (acceptanceBound, below) shows it within: the sequential comparison
 * stops only when every windowed metric is settled (docs/judge.md).
 */
import { normalQuantile } from '../statistics/normal-distribution.js';
import type { MetricDirection, MetricStatus } from './judgement.js';

export interface StatusInput {
  direction: MetricDirection;
  baseline: number;
  change: number;
  interval: readonly [number, number];
  limit: number;
  floor: number;
}

/** The ratio a change has to cross: the relative limit, or the floor when that is larger. */
export function thresholdRatio(direction: MetricDirection, baseline: number, limit: number, floor: number): number {
  if (direction === 'lower-is-better') {
    const byFloor = baseline > 0 ? (baseline + floor) / baseline : Infinity;
    return Math.max(1 + limit, byFloor);
  }
  const byFloor = baseline > 0 ? (baseline - floor) / baseline : -Infinity;
  return Math.min(1 - limit, byFloor);
}

export function metricStatus(input: StatusInput): MetricStatus {
  const threshold = thresholdRatio(input.direction, input.baseline, input.limit, input.floor);
  const [lower, upper] = input.interval;
  if (input.direction === 'lower-is-better') {
    if (lower > threshold) return 'fail';
    return input.change > threshold ? 'marginal' : 'pass';
  }
  if (upper < threshold) return 'fail';
  return input.change < threshold ? 'marginal' : 'pass';
}

/**
 * True when the interval lies wholly past the threshold or wholly within it: another round could
 * not change the metric's status except by chance the boundary already allows for.
 */
export function intervalSettled(input: Omit<StatusInput, 'change'>): boolean {
  const threshold = thresholdRatio(input.direction, input.baseline, input.limit, input.floor);
  const [lower, upper] = input.interval;
  if (input.direction === 'lower-is-better') return lower > threshold || upper <= threshold;
  return upper < threshold || lower >= threshold;
}

/**
 * The acceptance boundary: the within-limit end of the interval at the acceptance level, from the
 * interval at the look's level. The half-width on that side (in logs, from the estimate) is scaled
 * by z(acceptance) ÷ z(look). Paired intervals are the wider of a bootstrap and a t interval over
 * rounds; for the t part, the exact scale would be the ratio of the two t quantiles, which is
 * smaller than the ratio of normal quantiles at every df. So this bound lies at or beyond the
 * exact one, and a metric shown within its limit by it is shown at no less than the acceptance
 * level. Returns the bound, or undefined when it does not lie within the threshold.
 */
export function acceptanceBound(
  input: Omit<StatusInput, 'change'> & { change: number },
  lookConfidence: number,
  acceptanceConfidence: number,
): number | undefined {
  if (!(acceptanceConfidence < lookConfidence) || !(input.change > 0)) return undefined;
  const scale = normalQuantile(1 - (1 - acceptanceConfidence) / 2) / normalQuantile(1 - (1 - lookConfidence) / 2);
  const threshold = thresholdRatio(input.direction, input.baseline, input.limit, input.floor);
  const centre = Math.log(input.change);
  if (input.direction === 'lower-is-better') {
    const bound = Math.exp(centre + Math.max(0, Math.log(input.interval[1]) - centre) * scale);
    return bound <= threshold ? bound : undefined;
  }
  const bound = Math.exp(centre - Math.max(0, centre - Math.log(input.interval[0])) * scale);
  return bound >= threshold ? bound : undefined;
}
