/**
 * Latency percentiles (p50, p90, p99, p99.9), judged per phase: for the whole mix, and for each
 * request name the scenario selects (`latency.p99{name=checkout}`). Point estimates come from the
 * exactly merged HDR histograms of each side; intervals from re-pooled, binned windows, paired by
 * round like every other windowed metric, except a tail of paired rounds with enough requests beyond
 * it, whose interval comes from exceedance counting (tail-exceedance.ts).
 */
import { mergeEncodedHistograms } from '../histograms.js';
import type { MetricName } from '../scenario/model.js';
import { exceedanceInterval } from '../statistics/exceedance.js';
import { type LatencyBins, percentilesOfBins } from '../statistics/latency-bins.js';
import type { TrialResult } from '../trial.js';
import { type JudgeContext, phasesInBoth } from './judge-context.js';
import type { MetricJudgement } from './judgement.js';
import { LATENCY_LEVELS } from './metric-defaults.js';
import { windowedRatioMetric } from './ratio-metric.js';
import { exceedanceRounds } from './tail-exceedance.js';
import { latencyWindows } from './trial-windows.js';
import { windowRatioIntervals } from './window-intervals.js';

const LATENCY_METRICS = ['latency.p50', 'latency.p90', 'latency.p99', 'latency.p999'] as const;
type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** The phase's figures of one trial: the whole mix, or one request name's. */
function phaseFigures(trial: TrialResult, phase: string, request: string | undefined) {
  const result = trial.load?.phases.find((p) => p.name === phase);
  return request === undefined ? result : result?.byName?.[request];
}

function phaseRequests(trials: readonly TrialResult[], phase: string, request?: string): number {
  let total = 0;
  for (const trial of trials) total += phaseFigures(trial, phase, request)?.requests.total ?? 0;
  return total;
}

/** Percentiles (ms) of one side's phase histograms, merged exactly. */
function exactPercentiles(
  trials: readonly TrialResult[],
  phase: string,
  levels: readonly number[],
  request?: string,
): number[] {
  const merged = mergeEncodedHistograms(
    trials.flatMap((trial) => {
      const figures = phaseFigures(trial, phase, request);
      return figures ? [figures.histogram] : [];
    }),
  );
  const values = levels.map((level) => merged.getValueAtPercentile(level) / 1000);
  merged.destroy();
  return values;
}

/** The requests of the side's thinnest trial in the phase (of one request name, when given). */
function fewestRequests(trials: readonly TrialResult[], phase: string, request: string | undefined): number {
  return Math.min(...trials.map((trial) => phaseFigures(trial, phase, request)?.requests.total ?? 0));
}

const count = (n: number): string => n.toLocaleString('en-US');

export function judgeLatency(context: JudgeContext): MetricJudgement[] {
  const metrics: MetricJudgement[] = [];
  const names = LATENCY_METRICS.filter((name) => context.requested.has(name));
  for (const phase of phasesInBoth(context)) {
    if (names.length > 0) metrics.push(...judgePhase(context, phase, names));
    // Selected request names: only the metrics the scenario names for them.
    for (const [request, spec] of Object.entries(context.spec.byRequest ?? {})) {
      const selected = LATENCY_METRICS.filter(
        (name) => spec.limits[name] !== undefined || spec.slo[name] !== undefined,
      );
      if (selected.length > 0) metrics.push(...judgePhase(context, phase, selected, request));
    }
  }
  return metrics;
}

/**
 * A request name is judged in a phase only when every trial of both sides holds at least
 * `minRequestsPerName` of its requests there: a rare request has few samples, and a percentile of a
 * handful of them says little (a p99 of 50 samples is their largest). Below that a warning says so.
 */
function enoughPerTrial(context: JudgeContext, phase: string, request: string, label: string): boolean {
  const base = fewestRequests(context.baseline, phase, request);
  const cand = fewestRequests(context.candidate, phase, request);
  const needed = context.options.minRequestsPerName;
  if (Math.min(base, cand) >= needed) return true;
  context.warnings.push(
    `${label} of ${request} not judged in phase ${phase}: fewer than ${count(needed)} of its requests in a trial (fewest: baseline ${count(base)}, candidate ${count(cand)}); raise the rate or the phase duration`,
  );
  return false;
}

function judgePhase(
  context: JudgeContext,
  phase: string,
  names: readonly LatencyMetric[],
  request?: string,
): MetricJudgement[] {
  const baseRequests = phaseRequests(context.baseline, phase, request);
  const candRequests = phaseRequests(context.candidate, phase, request);
  if (baseRequests === 0 || candRequests === 0) {
    if (request !== undefined)
      context.warnings.push(`latency of ${request} not judged in phase ${phase}: one side sent none of its requests`);
    return [];
  }
  if (request !== undefined && !enoughPerTrial(context, phase, request, 'latency')) return [];
  // p99.9 rests on the tenth of a percent beyond it: judged only when every trial holds
  // minRequestsForP999 (10 ÷ (1 − 0.999) = 10,000: ten requests beyond it in each trial, the rule a
  // kind's tail follows). Counted over a side's trials instead, 2,000-request rounds gave it two a
  // round; on real A/A runs its interval after 10 rounds was still about −40%..+30%, so it held
  // every good build to max_rounds without ever being able to settle.
  const judged = names.filter((name) => {
    if (name !== 'latency.p999') return true;
    const base = fewestRequests(context.baseline, phase, request);
    const cand = fewestRequests(context.candidate, phase, request);
    const enough = Math.min(base, cand) >= context.options.minRequestsForP999;
    if (!enough && (request !== undefined || context.explicit.has(name as MetricName))) {
      const of = request === undefined ? '' : ` of ${request}`;
      context.warnings.push(
        `p99.9 latency${of} not judged in phase ${phase}: fewer than ${count(context.options.minRequestsForP999)} requests in a trial (fewest: baseline ${count(base)}, candidate ${count(cand)})`,
      );
    }
    return enough;
  });
  if (judged.length === 0) return [];
  const levels = judged.map((name) => LATENCY_LEVELS[name] as number);
  const window = context.options.windowSeconds;
  const units = {
    baseline: context.baseline.map((trial) => latencyWindows(trial, phase, window, request)),
    candidate: context.candidate.map((trial) => latencyWindows(trial, phase, window, request)),
  };
  const statistic = (bins: readonly LatencyBins[]): number[] => percentilesOfBins(bins, levels);
  const intervals = windowRatioIntervals(context, units.baseline, units.candidate, statistic);
  // Point estimates from the exact merged HDR histograms; intervals from the binned resamples.
  const baseExact = exactPercentiles(context.baseline, phase, levels, request);
  const candExact = exactPercentiles(context.candidate, phase, levels, request);
  const metrics: MetricJudgement[] = [];
  judged.forEach((name, k) => {
    const interval = intervals[k];
    if (!interval) return;
    const baseline = baseExact[k] as number;
    const candidate = candExact[k] as number;
    const change = baseline > 0 ? candidate / baseline : 1;
    // A tail of paired rounds: the interval from every request's exceedance, not from the few
    // requests that set each side's percentile (the bootstrap still ran, so the seeded draws of
    // the metrics after this one do not change).
    const rounds = exceedanceRounds(context, units.baseline, units.candidate, levels[k] as number);
    const counted = rounds && exceedanceInterval(rounds, levels[k] as number, context.confidence);
    const bounds = counted ? { lower: counted.lower, upper: counted.upper } : {};
    metrics.push(
      windowedRatioMetric(
        context,
        name,
        { ...interval, ...bounds, baseline, candidate, ratio: change },
        units,
        phase,
        request,
        counted ? 'paired-exceedance' : undefined,
      ),
    );
  });
  return metrics;
}
