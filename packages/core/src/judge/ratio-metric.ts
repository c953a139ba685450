/**
 * One metric as a ratio, candidate ÷ baseline, and its decision: the interval rule against the
 * limit and the noise floor (metric-status.ts), then the SLO. Every metric family builds its
 * judgement here; the families differ only in where their estimate and interval come from.
 */
import type { MetricName } from '../scenario/model.js';
import type { Clustered, RatioInterval } from '../statistics/bootstrap.js';
import { describeReason } from '../wording/describe-reason.js';
import type { ChangeFinding, Finding, SloFinding } from './finding.js';
import type { JudgeContext } from './judge-context.js';
import type { MetricJudgement, MetricStatus } from './judgement.js';
import { METRIC_DEFAULTS } from './metric-defaults.js';
import { intervalSettled, metricStatus, thresholdRatio } from './metric-status.js';

export interface RatioEstimate {
  baseline: number;
  candidate: number;
  change: number;
  interval: [number, number];
  /** Confidence the interval has. */
  confidence: number;
}

type MetricExtra = Pick<MetricJudgement, 'method' | 'samples'> &
  Partial<Pick<MetricJudgement, 'phase' | 'request' | 'difference'>>;

/** A metric with its defaults, limit, floor and SLO filled in; status pass until decided. */
export function ratioMetric(
  context: JudgeContext,
  name: MetricName,
  estimate: RatioEstimate,
  extra: MetricExtra,
): MetricJudgement {
  const defaults = METRIC_DEFAULTS[name];
  // A metric on one request name takes that name's limit and SLO (`latency.p99{name=checkout}`).
  const own = extra.request === undefined ? context.spec : context.spec.byRequest?.[extra.request];
  const slo = own?.slo[name];
  return {
    name,
    ...(extra.phase === undefined ? {} : { phase: extra.phase }),
    ...(extra.request === undefined ? {} : { request: extra.request }),
    label: defaults.label,
    unit: defaults.unit,
    direction: defaults.direction,
    ...estimate,
    limit: own?.limits[name] ?? defaults.limit,
    floor: context.floors[name] ?? defaults.floor,
    ...(slo === undefined ? {} : { slo }),
    status: 'pass',
    settled: true,
    method: extra.method,
    samples: extra.samples,
    ...(extra.difference ? { difference: extra.difference } : {}),
  };
}

/**
 * A metric whose interval comes from windows of each trial (window-intervals.ts): latency, CPU
 * per request and throughput. `interval.ratio` is the change.
 */
export function windowedRatioMetric<Unit>(
  context: JudgeContext,
  name: MetricName,
  interval: RatioInterval,
  units: { baseline: Clustered<Unit>; candidate: Clustered<Unit> },
  phase?: string,
  request?: string,
  method: MetricJudgement['method'] = context.paired ? 'paired-bootstrap' : 'hierarchical-bootstrap',
): MetricJudgement {
  const metric = ratioMetric(
    context,
    name,
    {
      baseline: interval.baseline,
      candidate: interval.candidate,
      change: interval.ratio,
      interval: [interval.lower, interval.upper],
      confidence: context.confidence,
    },
    {
      ...(phase === undefined ? {} : { phase }),
      ...(request === undefined ? {} : { request }),
      method,
      samples: { baseline: units.baseline.flat().length, candidate: units.candidate.flat().length, kind: 'windows' },
    },
  );
  return decideMetric(context, metric);
}

/** The subject of a finding about this metric. */
export function findingSubject(
  metric: MetricJudgement,
): Pick<ChangeFinding, 'metric' | 'label' | 'phase' | 'request' | 'unit' | 'direction'> {
  return {
    metric: metric.name,
    label: metric.label,
    ...(metric.phase === undefined ? {} : { phase: metric.phase }),
    ...(metric.request === undefined ? {} : { request: metric.request }),
    unit: metric.unit,
    direction: metric.direction,
  };
}

/**
 * The metric's change against its limit, for a metric that is not pass. The error rate passes its
 * counts, whose floor is on the difference of rates, not on the ratio's threshold.
 */
export function changeFinding(
  metric: MetricJudgement,
  status: 'fail' | 'marginal',
  errorRates?: ChangeFinding['errorRates'],
): ChangeFinding {
  const threshold = thresholdRatio(metric.direction, metric.baseline, metric.limit, metric.floor);
  const relativeBound = metric.direction === 'lower-is-better' ? 1 + metric.limit : 1 - metric.limit;
  const floorSetThreshold = errorRates === undefined && threshold !== relativeBound;
  return {
    kind: status === 'fail' ? 'limit' : 'marginal',
    ...findingSubject(metric),
    baseline: metric.baseline,
    candidate: metric.candidate,
    change: metric.change,
    interval: metric.interval,
    confidence: metric.confidence,
    limit: metric.limit,
    ...(floorSetThreshold ? { floor: metric.floor } : {}),
    ...(errorRates === undefined ? {} : { errorRates }),
  };
}

/** The SLO breach of the candidate's point estimate, if any. */
function sloFinding(metric: MetricJudgement): SloFinding | undefined {
  const { slo } = metric;
  if (slo === undefined) return undefined;
  const misses = (value: number): boolean => (metric.direction === 'lower-is-better' ? value > slo : value < slo);
  if (!misses(metric.candidate)) return undefined;
  return {
    kind: 'slo',
    ...findingSubject(metric),
    observed: metric.candidate,
    slo,
    scope: 'estimate',
    ...(misses(metric.baseline) ? { baselineAlsoMisses: metric.baseline } : {}),
  };
}

/** The metric with its status and the findings behind it (and their text, for report.json). */
export function withFindings(metric: MetricJudgement, status: MetricStatus, findings: Finding[]): MetricJudgement {
  const decided: MetricJudgement = { ...metric, status };
  if (findings.length > 0) {
    decided.reason = findings.map((finding) => describeReason(finding)).join('; ');
    decided.reasonFindings = findings;
  }
  return decided;
}

/**
 * Sets status and findings from the interval rule, the floor and the SLO. A family with its own
 * rule (error rate) passes its status and its change finding in `own`.
 */
export function decideMetric(
  context: JudgeContext,
  metric: MetricJudgement,
  own?: { status: MetricStatus; change?: ChangeFinding },
): MetricJudgement {
  let status =
    own?.status ??
    metricStatus({
      direction: metric.direction,
      baseline: metric.baseline,
      change: metric.change,
      interval: metric.interval,
      limit: metric.limit,
      floor: metric.floor,
    });
  // A metric whose interval falls short of the requested confidence (peak memory: what 3 trials a
  // side allow) fails only at minTrialConfidence, or at the requested level when that is lower:
  // a scenario asking for 80% intervals must be able to fail on them.
  const needed = Math.min(context.options.minTrialConfidence, context.spec.confidence);
  if (status === 'fail' && metric.confidence < needed) status = 'marginal';
  const settled =
    own === undefined
      ? intervalSettled({
          direction: metric.direction,
          baseline: metric.baseline,
          interval: metric.interval,
          limit: metric.limit,
          floor: metric.floor,
        })
      : own.status !== 'marginal';
  const findings: Finding[] = [];
  if (status !== 'pass') findings.push(own?.change ?? changeFinding(metric, status));
  const slo = sloFinding(metric);
  if (slo) {
    status = 'fail';
    findings.push(slo);
  }
  return withFindings({ ...metric, settled }, status, findings);
}
