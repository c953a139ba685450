/**
 * The decision rule for one metric. A change counts only when it is past BOTH the relative limit
 * and the absolute noise floor, so p50 going from 0.20 ms to 0.23 ms (+15%, but 30 µs) passes:
 * a gate that cries wolf gets switched off.
 *   fail:     the whole interval is past the threshold;
 *   marginal: only the point estimate is past it;
 *   pass:     otherwise.
 * Separately, a metric is settled when its interval lies wholly on one side of the threshold, or
 * when the acceptance boundary (shownWithin, below; judge.ts) shows it within: the sequential comparison
 * stops only when every windowed metric is settled (docs/judge.md).
 */
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
 * The acceptance boundary's test (judge.ts, acceptMetrics): the within-limit end of an interval
 * of the same metric computed at the acceptance level, when it lies within the threshold; else
 * undefined. Within is at or under the threshold for lower-is-better, at or over it otherwise.
 */
export function shownWithin(input: Omit<StatusInput, 'change'>): number | undefined {
  const threshold = thresholdRatio(input.direction, input.baseline, input.limit, input.floor);
  const [lower, upper] = input.interval;
  if (input.direction === 'lower-is-better') return upper <= threshold ? upper : undefined;
  return lower >= threshold ? lower : undefined;
}
