/**
 * Every named request kind, judged by default (docs/judge.md, "Request kinds judged by default").
 * A regression in one endpoint hides in the mix: a kind with 2% of the traffic made five times
 * slower moves neither the mix's CPU past its limit nor the mix's median. So in a mix of more than
 * one kind, each kind the scenario does not select itself (`latency.p99{name=…}` writes a limit and
 * overrides this for that kind) is judged in each phase on its median and on the tail its request
 * count supports, with the mix's default limits and floors:
 *   - fewer than KIND_MIN_REQUESTS (30) of its requests a trial on average, or fewer than 10 in
 *     some trial: not judged (a warning);
 *   - otherwise p50, plus p90 from 100 requests a trial and p99 from 1,000 instead (a tail rests
 *     on about 10 requests of each trial: 10 ÷ (1 − q)).
 *
 * Many kinds mean many tests, and a false fail anywhere fails the build. The family of every
 * default test at this look is therefore held to the stated one-sided α/2 with Holm's step-down:
 * each test's p-value is that of the paired t on per-round log ratios of the kind's percentile
 * against its threshold (the statistic the sequential boundary is calibrated on; a tail judged by
 * exceedance, judge/tail-exceedance.ts, takes the t of its exceedance at the threshold), and the level a
 * test is compared with when r hypotheses remain is the boundary's per-look level for α/2 ÷ r
 * (statistics/sequential-boundary.ts), so the bound holds over the looks as well as over the kinds.
 * A kind fails only when Holm rejects it AND its interval at the look's level (the same bootstrap
 * and widening as every latency metric) lies wholly past the threshold; past it without both is
 * marginal. The kind is named in every reason ("p50 latency of /search +410.0% …").
 */
import type { MetricName } from '../scenario/model.js';
import { exceedanceInterval, exceedancePValue } from '../statistics/exceedance.js';
import { type LatencyBins, percentilesOfBins } from '../statistics/latency-bins.js';
import { sequentialConfidence } from '../statistics/sequential-boundary.js';
import { studentTCdf } from '../statistics/student-t.js';
import { pairedDifference, welchDifference } from '../statistics/welch.js';
import type { TrialResult } from '../trial.js';
import { holmRejections } from './holm.js';
import { type JudgeContext, phasesInBoth } from './judge-context.js';
import type { MetricJudgement } from './judgement.js';
import { thresholdRatio } from './metric-status.js';
import { changeFinding, decideMetric, ratioMetric, withFindings } from './ratio-metric.js';
import { exceedanceRounds } from './tail-exceedance.js';
import { latencyWindows } from './trial-windows.js';
import { windowRatioIntervals } from './window-intervals.js';

/**
 * Default limit of a kind's percentiles (p50, p90, p99): +25%, the limit the mix gives its own
 * thinnest percentile (p99.9). A kind's percentile rests on a small share of the requests (a 2%
 * kind on 1/50 of them), so its interval is several times wider than the mix's; at the mix's +10%
 * a good build's kinds could not be shown within their limit inside the budget (simulated: 17 of
 * 20 A/A comparisons of 50 kinds ran to max_rounds undecided). The regressions the default is for,
 * one endpoint several times slower, are far past +25%. The mix's floors apply.
 */
export const KIND_DEFAULT_LIMIT = 0.25;

/**
 * Per-trial requests from which a kind is judged at all (its p50): fewer than a selected name needs
 * (`minRequestsPerName`, 50), because the default is a net for gross regressions. The shipped
 * profile sends 2,000 requests a trial, so a 2% kind has about 40: its median rests on about 20 a
 * side per round, enough to show an endpoint several times slower past +25%, and a good build's
 * kind within it over the rounds (or, where it cannot, it is not waited for: settle-projection.ts).
 */
export const KIND_MIN_REQUESTS = 30;
/** Requests every trial must hold of a kind judged by default. */
export const KIND_FEWEST_REQUESTS = 10;

/** Per-trial requests from which a kind's tail is judged at p90, and at p99. */
export const KIND_P90_MIN_REQUESTS = 100;
export const KIND_P99_MIN_REQUESTS = 1000;

type KindMetric = 'latency.p50' | 'latency.p90' | 'latency.p99';
const LEVEL: Record<KindMetric, number> = { 'latency.p50': 50, 'latency.p90': 90, 'latency.p99': 99 };

/** The kind's metrics for the requests it has a trial (on average, the lower of the two sides). */
export function kindMetrics(fewestPerTrial: number, minRequests: number): KindMetric[] {
  if (fewestPerTrial < minRequests) return [];
  if (fewestPerTrial >= KIND_P99_MIN_REQUESTS) return ['latency.p50', 'latency.p99'];
  if (fewestPerTrial >= KIND_P90_MIN_REQUESTS) return ['latency.p50', 'latency.p90'];
  return ['latency.p50'];
}

const count = (n: number): string => n.toLocaleString('en-US');

function kindRequests(trial: TrialResult, phase: string, kind: string): number {
  return trial.load?.phases.find((p) => p.name === phase)?.byName?.[kind]?.requests.total ?? 0;
}

/** Request kinds of a phase, in mix order, when the mix there has more than one. */
function kindsOf(trials: readonly TrialResult[], phase: string): string[] {
  const kinds: string[] = [];
  for (const trial of trials) {
    for (const kind of Object.keys(trial.load?.phases.find((p) => p.name === phase)?.byName ?? {}))
      if (!kinds.includes(kind)) kinds.push(kind);
  }
  return kinds.length > 1 ? kinds : [];
}

/**
 * One-sided p-value of "the change is past the threshold" (latency: higher is worse): the t test
 * of the per-round (paired) or per-trial (Welch) log values of the statistic against
 * log(threshold). 1 when there is no spread to test with (fewer than two rounds).
 */
function pastThresholdPValue(
  base: readonly number[],
  cand: readonly number[],
  paired: boolean,
  logThreshold: number,
): number {
  const difference = paired ? pairedDifference(cand, base) : welchDifference(cand, base);
  if (difference === undefined) return 1;
  const distance = difference.estimate - logThreshold;
  if (!(difference.standardError > 0)) return distance > 0 ? 0 : 1;
  return 1 - studentTCdf(distance / difference.standardError, difference.degreesOfFreedom);
}

interface KindTest {
  metric: MetricJudgement;
  pValue: number;
}

export function judgeRequestKinds(context: JudgeContext): MetricJudgement[] {
  if (!context.judgeRequestKinds) return [];
  const explicit = new Set(Object.keys(context.spec.byRequest ?? {}));
  const tests: KindTest[] = [];
  const window = context.options.windowSeconds;
  const minRequests = KIND_MIN_REQUESTS;
  for (const phase of phasesInBoth(context)) {
    const tooFew: string[] = [];
    for (const kind of kindsOf([...context.baseline, ...context.candidate], phase)) {
      if (explicit.has(kind)) continue; // the scenario's own limits for this kind apply instead
      // Counted per trial on average, not by the thinnest trial: a 2% kind of 2,000 requests has
      // 40 ± 6 a trial, and its thinnest of 14 trials falls below 30 in most comparisons. Every
      // trial must still hold a few (KIND_FEWEST_REQUESTS), so that each round has a median.
      const perTrial = (trials: readonly TrialResult[]) => trials.map((t) => kindRequests(t, phase, kind));
      const mean = (counts: number[]) => counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
      const base = perTrial(context.baseline);
      const cand = perTrial(context.candidate);
      const typical = Math.min(mean(base), mean(cand));
      const fewest = Math.min(...base, ...cand);
      const names = fewest >= KIND_FEWEST_REQUESTS ? kindMetrics(typical, minRequests) : [];
      if (names.length === 0) {
        const oneDecimal = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
        tooFew.push(
          `${kind} (a trial: baseline ${oneDecimal(mean(base))}, candidate ${oneDecimal(mean(cand))} on average, fewest ${count(fewest)})`,
        );
        continue;
      }
      tests.push(...kindTests(context, phase, kind, names, window));
    }
    if (tooFew.length > 0)
      context.warnings.push(
        `request kinds not judged in phase ${phase}: fewer than ${count(minRequests)} of their requests a trial on average, or fewer than ${KIND_FEWEST_REQUESTS} in some trial: ${tooFew.join(', ')}`,
      );
  }
  if (tests.length === 0) return [];
  // Holm over the family, at the per-look level of the boundary for each share of α/2.
  const { confidence, rounds, maxRounds } = context.spec;
  const levels = new Map<number, number>();
  const levelFor = (remaining: number): number => {
    let level = levels.get(remaining);
    if (level === undefined) {
      level = (1 - sequentialConfidence(1 - (1 - confidence) / remaining, rounds, maxRounds)) / 2;
      levels.set(remaining, level);
    }
    return level;
  };
  const rejected = holmRejections(
    tests.map((t) => t.pValue),
    levelFor,
  );
  return tests.map((test, i) => {
    const holm = {
      pValue: test.pValue,
      level: levelFor(tests.length),
      tests: tests.length,
      rejected: rejected[i] === true,
    };
    const metric: MetricJudgement = { ...test.metric, holm };
    // Past its threshold at the look's level, but not rejected by Holm: marginal, not settled.
    if (metric.status === 'fail' && !holm.rejected && metric.slo === undefined)
      return withFindings({ ...metric, settled: false }, 'marginal', [changeFinding(metric, 'marginal')]);
    if (metric.status !== 'fail' && holm.rejected) return { ...metric, settled: false };
    return metric;
  });
}

/** The kind's tests in one phase: its metrics with their intervals and Holm p-values. */
function kindTests(
  context: JudgeContext,
  phase: string,
  kind: string,
  names: readonly KindMetric[],
  window: number,
): KindTest[] {
  const levels = names.map((name) => LEVEL[name]);
  const units = {
    baseline: context.baseline.map((trial) => latencyWindows(trial, phase, window, kind)),
    candidate: context.candidate.map((trial) => latencyWindows(trial, phase, window, kind)),
  };
  const statistic = (bins: readonly LatencyBins[]): number[] => percentilesOfBins(bins, levels);
  const intervals = windowRatioIntervals(context, units.baseline, units.candidate, statistic);
  const perTrial = (side: readonly (readonly LatencyBins[])[]) =>
    side.map((trialUnits) => (trialUnits.length > 0 ? statistic(trialUnits) : undefined));
  const basePerTrial = perTrial(units.baseline);
  const candPerTrial = perTrial(units.candidate);
  const tests: KindTest[] = [];
  names.forEach((name, k) => {
    const bootstrapped = intervals[k];
    if (!bootstrapped) return;
    // A kind's tail from paired rounds with enough requests beyond it: judged by exceedance, like
    // the mix's (judge/tail-exceedance.ts), for its interval and for its Holm p-value.
    const rounds = exceedanceRounds(context, units.baseline, units.candidate, levels[k] as number);
    const counted = rounds && exceedanceInterval(rounds, levels[k] as number, context.confidence);
    const interval = counted ? { ...bootstrapped, lower: counted.lower, upper: counted.upper } : bootstrapped;
    // Point estimates from the pooled 0.5% bins, not the exactly merged HDR histograms the mix and
    // a selected kind use: merging costs tens of milliseconds per kind and side, and a mix of 50
    // kinds would spend seconds of every look on a precision the limits do not need.
    const estimate = ratioMetric(
      context,
      name as MetricName,
      {
        baseline: interval.baseline,
        candidate: interval.candidate,
        change: interval.ratio,
        interval: [interval.lower, interval.upper],
        confidence: context.confidence,
      },
      {
        phase,
        request: kind,
        method: counted ? 'paired-exceedance' : context.paired ? 'paired-bootstrap' : 'hierarchical-bootstrap',
        samples: { baseline: units.baseline.flat().length, candidate: units.candidate.flat().length, kind: 'windows' },
      },
    );
    const metric = decideMetric(context, { ...estimate, limit: KIND_DEFAULT_LIMIT });
    const logOf = (rows: ReadonlyArray<number[] | undefined>, i: number) => {
      const v = rows[i]?.[k];
      return v !== undefined && v > 0 ? Math.log(v) : undefined;
    };
    let base: number[];
    let cand: number[];
    if (context.paired) {
      // Rounds where both sides have a value, as pairs.
      base = [];
      cand = [];
      for (let i = 0; i < basePerTrial.length; i++) {
        const b = logOf(basePerTrial, i);
        const c = logOf(candPerTrial, i);
        if (b !== undefined && c !== undefined) {
          base.push(b);
          cand.push(c);
        }
      }
    } else {
      base = basePerTrial.map((_, i) => logOf(basePerTrial, i)).filter((v): v is number => v !== undefined);
      cand = candPerTrial.map((_, i) => logOf(candPerTrial, i)).filter((v): v is number => v !== undefined);
    }
    const threshold = thresholdRatio(metric.direction, metric.baseline, metric.limit, metric.floor);
    const pValue =
      rounds && counted
        ? exceedancePValue(rounds, levels[k] as number, threshold)
        : pastThresholdPValue(base, cand, context.paired, Math.log(threshold));
    tests.push({ metric, pValue });
  });
  return tests;
}
