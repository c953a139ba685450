/**
 * CPU per request over the whole run: Σ CPU time ÷ Σ requests in windows of a few seconds (a
 * ratio of sums, not a mean of ratios), from the service's cumulative CPU samples.
 */
import type { JudgeContext } from './judge-context.js';
import type { MetricJudgement } from './judgement.js';
import { windowedRatioMetric } from './ratio-metric.js';
import { type CpuUnit, cpuWindows, ratioOfSums } from './trial-windows.js';
import { windowRatioInterval } from './window-intervals.js';

/** CPU milliseconds per request. */
const cpuPerRequestMs = (units: readonly CpuUnit[]): number =>
  ratioOfSums(
    units,
    (unit) => unit.cpuNanos,
    (unit) => unit.requests,
    1e6,
  );

export function judgeCpu(context: JudgeContext): MetricJudgement[] {
  if (!context.requested.has('cpu.per_request')) return [];
  const window = context.options.cpuWindowSeconds;
  const units = {
    baseline: context.baseline.map((trial) => cpuWindows(trial, window)),
    candidate: context.candidate.map((trial) => cpuWindows(trial, window)),
  };
  if (units.baseline.flat().length === 0 || units.candidate.flat().length === 0) {
    context.warnings.push('CPU per request not judged: no CPU figures for one side');
    return [];
  }
  const interval = windowRatioInterval(context, units.baseline, units.candidate, cpuPerRequestMs);
  if (interval.baseline <= 0) {
    context.warnings.push('CPU per request not judged: the baseline used no measurable CPU');
    return [];
  }
  return [windowedRatioMetric(context, 'cpu.per_request', interval, units)];
}
