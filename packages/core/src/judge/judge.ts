/**
 * The judge: baseline and candidate trials in, a verdict with reasons out. Pure and
 * deterministic (seeded bootstrap), so the same trials always give the same report.
 * This file orders the work: outright checks on each side, then one judge per metric family
 * (judge-latency, judge-cpu, judge-memory, judge-error-rate, judge-throughput), then the verdict.
 * How it decides is documented in docs/judge.md.
 */

import { PeakgateError } from '../errors.js';
import type { CompareSpec } from '../scenario/model.js';
import { createSeededRandom } from '../statistics/seeded-random.js';
import type { TrialResult } from '../trial.js';
import { describeReason } from '../wording/describe-reason.js';
import { metricDisplayName, roundsText } from '../wording/verdict-wording.js';
import type { Finding, OutrightFinding } from './finding.js';
import { createJudgeContext, DEFAULT_SEED, type JudgeContext, type JudgeOptions } from './judge-context.js';
import { judgeCpu } from './judge-cpu.js';
import { judgeDependencyCpu } from './judge-dependency-cpu.js';
import { judgeErrorRate } from './judge-error-rate.js';
import { judgeLatency } from './judge-latency.js';
import { judgeMemory } from './judge-memory.js';
import { judgeRequestKinds } from './judge-request-kinds.js';
import { judgeThroughput } from './judge-throughput.js';
import type { Judgement, MetricJudgement, SequentialLook } from './judgement.js';
import { shownWithin } from './metric-status.js';
import { outrightFindings } from './outright-checks.js';
import { unsettleableReason } from './settle-projection.js';

export type { JudgeOptions } from './judge-context.js';

function completeRounds(trials: readonly TrialResult[]): number {
  const baseline = new Set(trials.filter((t) => t.role === 'baseline').map((t) => t.round));
  return new Set(trials.filter((t) => t.role === 'candidate' && baseline.has(t.round)).map((t) => t.round)).size;
}

/**
 * A failing metric's findings, without an error-rate SLO breach: the outright check on the
 * candidate's run already reports it (the same count against the same SLO).
 */
function metricReasons(metric: MetricJudgement, candidateFindings: readonly OutrightFinding[]): Finding[] {
  const findings = metric.reasonFindings ?? [];
  if (
    metric.name !== 'error_rate' ||
    metric.request !== undefined ||
    !candidateFindings.some((f) => f.kind === 'error-slo')
  )
    return findings;
  return findings.filter((finding) => finding.kind !== 'slo');
}

/** Interval methods of the metrics judged per round, the ones the sequential rule waits for. */
const SEQUENTIAL_METHODS: ReadonlySet<MetricJudgement['method']> = new Set([
  'paired-bootstrap',
  'paired-exceedance',
  'hierarchical-bootstrap',
]);

const signedPercent = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
const percent = (level: number): string => (level * 100).toFixed(level >= 0.99 ? 1 : 0);

/**
 * The metric families, in the order they draw from the seeded random source (dependencies' CPU
 * draws nothing; request kinds judged by default come last, so every other metric's interval is
 * the same as it was before they were judged).
 */
const METRIC_FAMILIES = [
  judgeLatency,
  judgeCpu,
  judgeMemory,
  judgeErrorRate,
  judgeThroughput,
  judgeDependencyCpu,
  judgeRequestKinds,
];

/** Interval methods of paired rounds: the looks the acceptance boundary's level was derived for. */
const ACCEPTED_METHODS: ReadonlySet<MetricJudgement['method']> = new Set(['paired-bootstrap', 'paired-exceedance']);

/**
 * The family that judged a metric that can be a paired windowed one (the others are never
 * accepted): a request kind judged by default carries its Holm test.
 */
function windowedFamily(m: MetricJudgement): ((context: JudgeContext) => MetricJudgement[]) | undefined {
  if (m.holm !== undefined) return judgeRequestKinds;
  if (m.name === 'cpu.per_request' && m.dependency === undefined) return judgeCpu;
  if (m.name === 'throughput') return judgeThroughput;
  if (m.name.startsWith('latency.')) return judgeLatency;
  return undefined;
}

const metricKey = (m: MetricJudgement): string => `${m.name}|${m.phase ?? ''}|${m.request ?? ''}|${m.dependency ?? ''}`;

/**
 * The acceptance boundary: a paired windowed metric that passes but whose interval straddles its
 * threshold is settled when the same metric, its interval computed at the acceptance level
 * (context.acceptanceConfidence: judge-context.ts, ACCEPTANCE_ERROR), lies within the threshold.
 * The intervals are computed again, the same way, at that level (the paired t part at its own t
 * quantile: what the level's Pocock correction assumes), with a random source of their own so that
 * no other interval changes. A kind Holm rejected is never accepted.
 */
function acceptMetrics(metrics: readonly MetricJudgement[], context: JudgeContext, seed: number): void {
  const candidates = metrics.filter(
    (m) => m.status === 'pass' && !m.settled && ACCEPTED_METHODS.has(m.method) && m.holm?.rejected !== true,
  );
  if (candidates.length === 0 || !(context.acceptanceConfidence < context.confidence)) return;
  const atAcceptance: JudgeContext = {
    ...context,
    confidence: context.acceptanceConfidence,
    random: createSeededRandom(seed ^ 0xacce),
    warnings: [],
  };
  // Only the families holding a candidate are judged again: a look costs the judge's time between
  // rounds, and most looks of a good build wait on one or two tails.
  const families = new Set(candidates.map(windowedFamily).filter((family) => family !== undefined));
  const twins = new Map([...families].flatMap((family) => family(atAcceptance)).map((m) => [metricKey(m), m]));
  for (const metric of candidates) {
    const twin = twins.get(metricKey(metric));
    if (twin === undefined) continue;
    const end = shownWithin({ ...metric, interval: twin.interval });
    if (end === undefined) continue;
    metric.settled = true;
    metric.acceptedAt = end;
  }
}

/** Judges the candidate against the baseline from all trials so far. */
export function judge(trials: readonly TrialResult[], spec: CompareSpec, options: JudgeOptions = {}): Judgement {
  // Not a check of the scenario (the scenario rules check it on load): a caller that passes one
  // side only has a bug, and a verdict on it would be a pass on nothing.
  if (!trials.some((t) => t.role === 'baseline') || !trials.some((t) => t.role === 'candidate')) {
    throw new PeakgateError('PG_ERR_INTERNAL', 'the judge needs at least one baseline and one candidate trial');
  }
  const context = createJudgeContext(trials, spec, options);
  const rounds = completeRounds(trials);
  const side = (role: 'baseline' | 'candidate'): TrialResult[] => trials.filter((t) => t.role === role);
  const baselineFindings = outrightFindings('baseline', side('baseline'), spec);
  const candidateFindings = outrightFindings('candidate', side('candidate'), spec);

  const canCompare = context.baseline.length > 0 && context.candidate.length > 0;
  const metrics = canCompare ? METRIC_FAMILIES.flatMap((family) => family(context)) : [];
  if (!canCompare) context.warnings.push('no metrics judged: one side has no trial with completed requests');
  for (const trial of trials) {
    if (trial.load?.interrupted) {
      context.warnings.push(
        `${trial.role} trial of round ${trial.round} was interrupted; its figures cover what was measured`,
      );
    }
  }
  if (canCompare && (context.baseline.length < 2 || context.candidate.length < 2)) {
    context.warnings.push(
      'fewer than two trials a side: trial-to-trial variation is not measured, intervals may be too narrow',
    );
  }

  if (canCompare) acceptMetrics(metrics, context, options.seed ?? DEFAULT_SEED);
  const baselineBroken: Finding | undefined =
    baselineFindings.length > 0 ? { kind: 'baseline-broken', findings: baselineFindings } : undefined;
  // A windowed metric that cannot settle by max_rounds at this load is not waited for
  // (settle-projection.ts): it is marked not judged, with the projection as the reason.
  for (const m of metrics) {
    if (!SEQUENTIAL_METHODS.has(m.method)) continue;
    const why = unsettleableReason(m, rounds, spec.maxRounds);
    if (why !== undefined) m.notJudged = why;
  }
  const notJudged = metrics.filter((m) => m.notJudged !== undefined);
  const failing = metrics.filter((m) => m.status === 'fail');
  const marginal = metrics.filter((m) => m.status === 'marginal' && m.notJudged === undefined);
  const reasonFindings: Finding[] = [
    ...(baselineBroken ? [baselineBroken] : []),
    ...candidateFindings,
    ...failing.flatMap((m) => metricReasons(m, candidateFindings)),
  ];
  // The sequential rule: a windowed metric (the ones judged from rounds) whose interval still
  // straddles its threshold is undecided; another round may settle it. Memory and the error rate
  // are not waited for: memory is one number per trial, the error rate counts requests.
  const unsettled = metrics.filter(
    (m) => m.status === 'pass' && !m.settled && SEQUENTIAL_METHODS.has(m.method) && m.notJudged === undefined,
  );
  const undecided = [...marginal, ...unsettled];
  const decided = reasonFindings.length > 0 || baselineBroken !== undefined;
  const needsMoreRounds = !decided && undecided.length > 0 && rounds < spec.maxRounds;
  const sequential: SequentialLook = {
    lookConfidence: context.confidence,
    acceptanceConfidence: context.acceptanceConfidence,
    state: decided ? 'fail' : undecided.length > 0 ? 'undecided' : 'pass',
    undecided: undecided.map(metricDisplayName),
    ...(notJudged.length > 0 ? { notJudged: notJudged.map(metricDisplayName) } : {}),
  };
  const inconclusive =
    !decided && !needsMoreRounds
      ? unsettled.map(
          (m) =>
            `inconclusive after ${roundsText(rounds)}: ${metricDisplayName(m)} ${signedPercent(m.change)} (CI ${signedPercent(m.interval[0])}..${signedPercent(m.interval[1])} at ${percent(m.confidence)}%) is neither past its limit nor wholly within it`,
        )
      : [];
  const warnings = [
    ...marginal.map((m) => `marginal: ${m.reason ?? m.label}`),
    ...inconclusive,
    ...notJudged.map((m) => `${metricDisplayName(m)} not judged at this load: ${m.notJudged}`),
    ...context.warnings,
  ];
  const marginalFails = !needsMoreRounds && marginal.length > 0 && options.marginalVerdict === 'fail';
  if (marginalFails && reasonFindings.length === 0) {
    // A marginal metric's one finding is its change: kind 'marginal', or 'limit' for an error rate
    // whose own rule failed it at a confidence below minTrialConfidence.
    for (const finding of marginal.flatMap((m) => m.reasonFindings ?? [])) {
      if (finding.kind === 'marginal' || finding.kind === 'limit')
        reasonFindings.push({ ...finding, afterRounds: rounds });
    }
  }
  const judgement: Judgement = {
    verdict: reasonFindings.length > 0 ? 'fail' : 'pass',
    reasons: reasonFindings.map((finding) => describeReason(finding)),
    reasonFindings,
    warnings,
    metrics,
    findings: [...candidateFindings, ...baselineFindings],
    needsMoreRounds,
    sequential,
    rounds,
    confidence: spec.confidence,
  };
  if (baselineBroken) judgement.infrastructureError = describeReason(baselineBroken);
  return judgement;
}
