/**
 * Throughput (successful responses per second), judged only in closed-model phases: in the open
 * model the arrival rate is fixed, and a slower service shows as latency, errors and drops.
 */
import { type JudgeContext, phasesInBoth } from './judge-context.js';
import type { MetricJudgement } from './judgement.js';
import { windowedRatioMetric } from './ratio-metric.js';
import { ratioOfSums, type ThroughputUnit, throughputWindows } from './trial-windows.js';
import { windowRatioInterval } from './window-intervals.js';

/** Successful responses per second. */
const okPerSecond = (units: readonly ThroughputUnit[]): number =>
  ratioOfSums(
    units,
    (unit) => unit.ok,
    (unit) => unit.seconds,
  );

export function judgeThroughput(context: JudgeContext): MetricJudgement[] {
  if (!context.requested.has('throughput')) return [];
  const phases = phasesInBoth(context, 'closed');
  if (phases.length === 0) {
    if (context.explicit.has('throughput')) {
      context.warnings.push('throughput not judged: no closed-model (connections) phase; an open model fixes the rate');
    }
    return [];
  }
  const metrics: MetricJudgement[] = [];
  const window = context.options.windowSeconds;
  for (const phase of phases) {
    const units = {
      baseline: context.baseline.map((trial) => throughputWindows(trial, phase, window)),
      candidate: context.candidate.map((trial) => throughputWindows(trial, phase, window)),
    };
    if (units.baseline.flat().length === 0 || units.candidate.flat().length === 0) continue;
    const interval = windowRatioInterval(context, units.baseline, units.candidate, okPerSecond);
    if (interval.baseline <= 0) continue;
    metrics.push(windowedRatioMetric(context, 'throughput', interval, units, phase));
  }
  return metrics;
}
