/**
 * Confidence intervals of candidate ÷ baseline from windows of each trial: the seeded two-stage
 * (or paired) bootstrap, widened by the trial-level interval. Latency, CPU per request and
 * throughput all take their intervals from here.
 */
import { bootstrapRatioIntervals, type Clustered, type RatioInterval } from '../statistics/bootstrap.js';
import { pairedInterval, type WelchInterval, welchInterval } from '../statistics/welch.js';
import type { JudgeContext } from './judge-context.js';

/** Intervals of each component of a vector statistic (latency: one per percentile). */
export function windowRatioIntervals<Unit>(
  context: JudgeContext,
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => readonly number[],
): RatioInterval[] {
  const { confidence } = context;
  const intervals = bootstrapRatioIntervals(baseline, candidate, statistic, {
    confidence,
    resamples: context.resamples,
    random: context.random,
    paired: context.paired,
  });
  return widenByTrials(intervals, baseline, candidate, statistic, confidence, context.paired);
}

/** The interval of a scalar statistic (CPU per request, throughput). */
export function windowRatioInterval<Unit>(
  context: JudgeContext,
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => number,
): RatioInterval {
  const vector = (units: readonly Unit[]): number[] => [statistic(units)];
  return windowRatioIntervals(context, baseline, candidate, vector)[0] as RatioInterval;
}

/**
 * Widens bootstrap intervals by the trial-level interval (Welch on log per-trial values): the
 * bootstrap sees within-trial noise well but, with two or three trials a side, cannot see how
 * much whole trials differ. The wider of the two is used, so between-trial noise makes a metric
 * marginal (and earns rounds) instead of failing it.
 */
function widenByTrials<Unit>(
  intervals: readonly RatioInterval[],
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => readonly number[],
  confidence: number,
  paired: boolean,
): RatioInterval[] {
  const trialInterval = paired
    ? roundLogIntervals(baseline, candidate, statistic, confidence)
    : trialLogIntervals(baseline, candidate, statistic, confidence);
  return intervals.map((interval, k) => {
    const log = trialInterval(k);
    if (!log) return interval;
    return {
      ...interval,
      lower: Math.min(interval.lower, Math.exp(log.lower)),
      upper: Math.max(interval.upper, Math.exp(log.upper)),
    };
  });
}

/** The trial-level interval of the log ratio of component k of a statistic, from per-trial values. */
type TrialLogIntervals = <Unit>(
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => readonly number[],
  confidence: number,
) => (k: number) => WelchInterval | undefined;

/** Welch's interval of log(candidate) − log(baseline) over each side's trials, per component k. */
const trialLogIntervals: TrialLogIntervals = (baseline, candidate, statistic, confidence) => {
  const perTrial = (side: typeof baseline): number[][] =>
    side.filter((units) => units.length > 0).map((units) => [...statistic(units)]);
  const base = perTrial(baseline);
  const cand = perTrial(candidate);
  const logs = (rows: number[][], k: number): number[] =>
    rows
      .map((row) => row[k] as number)
      .filter((v) => v > 0)
      .map(Math.log);
  return (k) => welchInterval(logs(cand, k), logs(base, k), confidence);
};

/**
 * The paired counterpart: a t interval of the per-round log ratios (candidate ÷ baseline of the
 * same round). Noise that a round's two trials share (a duet round runs them at the same moment
 * on the same cores) cancels in each ratio instead of counting as spread, which is what lets a
 * few short rounds separate a 20% CPU regression from noise.
 */
const roundLogIntervals: TrialLogIntervals = (baseline, candidate, statistic, confidence) => {
  const rows: Array<{ base: readonly number[]; cand: readonly number[] }> = [];
  baseline.forEach((units, i) => {
    const other = candidate[i] ?? [];
    if (units.length > 0 && other.length > 0) rows.push({ base: statistic(units), cand: statistic(other) });
  });
  return (k) => {
    const pairs = rows.filter((row) => (row.base[k] as number) > 0 && (row.cand[k] as number) > 0);
    return pairedInterval(
      pairs.map((row) => Math.log(row.cand[k] as number)),
      pairs.map((row) => Math.log(row.base[k] as number)),
      confidence,
    );
  };
};
