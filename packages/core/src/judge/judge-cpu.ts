/**
 * CPU per request over the whole run: Σ CPU time ÷ Σ requests in windows of a few seconds (a
 * ratio of sums, not a mean of ratios), from the service's cumulative CPU samples.
 */

import { cpuPerRequestMs } from '../trial.js';
import { warnIfStillWarmingUp } from './cpu-warm-up.js';
import type { JudgeContext } from './judge-context.js';
import type { MetricJudgement } from './judgement.js';
import { windowedRatioMetric } from './ratio-metric.js';
import { type CpuUnit, cpuWindows } from './trial-windows.js';
import { windowRatioInterval } from './window-intervals.js';

/** CPU milliseconds per request of a set of windows, by the one formula every report uses. */
function windowsCpuPerRequestMs(units: readonly CpuUnit[]): number {
  let cpuNanos = 0;
  let requests = 0;
  for (const unit of units) {
    cpuNanos += unit.cpuNanos;
    requests += unit.requests;
  }
  return cpuPerRequestMs(cpuNanos / 1e9, requests);
}

export function judgeCpu(context: JudgeContext): MetricJudgement[] {
  if (!context.requested.has('cpu.per_request')) return [];
  const window = context.options.cpuWindowSeconds;
  const units = {
    baseline: context.baseline.map((trial) => cpuWindows(trial, window)),
    candidate: context.candidate.map((trial) => cpuWindows(trial, window)),
  };
  if (units.baseline.flat().length === 0 || units.candidate.flat().length === 0) {
    const unmeasured = context.unmeasured['cpu.per_request'];
    context.warnings.push(`CPU per request not judged: ${unmeasured ?? 'no CPU figures for one side'}`);
    return [];
  }
  const interval = windowRatioInterval(context, units.baseline, units.candidate, windowsCpuPerRequestMs);
  if (interval.baseline <= 0) {
    context.warnings.push('CPU per request not judged: the baseline used no measurable CPU');
    return [];
  }
  // A warning only: a service still warming up while measured widens the interval, it is not a regression.
  warnIfStillWarmingUp(context);
  return [windowedRatioMetric(context, 'cpu.per_request', interval, units)];
}
