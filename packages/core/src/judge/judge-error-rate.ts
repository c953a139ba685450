/**
 * Error rate over the whole run, judged by counts, never by a ratio of near-zero rates
 * (kayenta#426): it fails only when both the interval of the difference of rates is past the
 * floor and the interval of the smoothed rate ratio is past the limit.
 */
import { proportionDifferenceInterval, rateRatioInterval } from '../statistics/proportions.js';
import type { TrialResult } from '../trial.js';
import type { ErrorCount } from './finding.js';
import type { JudgeContext } from './judge-context.js';
import type { MetricJudgement, MetricStatus } from './judgement.js';
import { sideErrors } from './outright-checks.js';
import { changeFinding, decideMetric, ratioMetric } from './ratio-metric.js';

export function judgeErrorRate(context: JudgeContext): MetricJudgement[] {
  const metrics: MetricJudgement[] = [];
  if (context.requested.has('error_rate')) metrics.push(...judgeOne(context));
  // Selected request names (`error_rate{name=checkout}`), over the whole run like the mix's.
  for (const [request, spec] of Object.entries(context.spec.byRequest ?? {})) {
    if (spec.limits.error_rate === undefined && spec.slo.error_rate === undefined) continue;
    const judged = judgeOne(context, request);
    if (judged.length === 0)
      context.warnings.push(`error rate of ${request} not judged: one side sent none of its requests`);
    metrics.push(...judged);
  }
  return metrics;
}

/** Errors and requests of one request name on a side, summed over its trials. */
function requestErrors(trials: readonly TrialResult[], request: string): ErrorCount {
  let errors = 0;
  let total = 0;
  for (const trial of trials) {
    const figures = trial.load?.byName?.[request];
    errors += figures?.requests.errors ?? 0;
    total += figures?.requests.total ?? 0;
  }
  return { errors, total };
}

function judgeOne(context: JudgeContext, request?: string): MetricJudgement[] {
  const side = (trials: readonly TrialResult[]): ErrorCount =>
    request === undefined ? sideErrors(trials) : requestErrors(trials, request);
  const base = side(context.baseline);
  const cand = side(context.candidate);
  if (base.total === 0 || cand.total === 0) return [];
  const confidence = context.confidence;
  const ratio = rateRatioInterval(cand.errors, cand.total, base.errors, base.total, confidence);
  const difference = proportionDifferenceInterval(cand.errors, cand.total, base.errors, base.total, confidence);
  const metric = ratioMetric(
    context,
    'error_rate',
    {
      baseline: base.errors / base.total,
      candidate: cand.errors / cand.total,
      change: ratio.estimate,
      interval: [ratio.lower, ratio.upper],
      confidence,
    },
    {
      method: 'proportion-difference',
      ...(request === undefined ? {} : { request }),
      samples: { baseline: base.total, candidate: cand.total, kind: 'requests' },
      difference: { estimate: difference.estimate, lower: difference.lower, upper: difference.upper },
    },
  );
  // Both the smoothed ratio and the difference of rates must be past their bounds: a ratio of
  // near-zero rates alone cries wolf (0 → 3 errors in 100,000), a difference alone ignores scale.
  const pastRatio = (value: number): boolean => value > 1 + metric.limit;
  const pastFloor = (value: number): boolean => value > metric.floor;
  let status: MetricStatus = 'pass';
  if (pastRatio(ratio.lower) && pastFloor(difference.lower)) status = 'fail';
  else if (pastRatio(ratio.estimate) && pastFloor(difference.estimate)) status = 'marginal';
  if (status === 'pass') return [decideMetric(context, metric, { status })];
  const change = changeFinding(metric, status, {
    baseline: base,
    candidate: cand,
    difference: { estimate: difference.estimate, lower: difference.lower, upper: difference.upper },
    floor: metric.floor,
  });
  return [decideMetric(context, metric, { status, change })];
}
