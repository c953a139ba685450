/**
 * Bootstrap confidence intervals of candidate ÷ baseline ratios, seeded so verdicts reproduce.
 *
 * Resampling is hierarchical (two-stage): trials with replacement, then the windows of each
 * drawn trial with replacement. Windows of one trial share its container, its CPU frequency and
 * its neighbours' noise, so treating every window as independent would understate the
 * trial-to-trial spread and make intervals too narrow (false fails). With one trial per side the
 * first stage is a no-op and this is the ordinary window (block) bootstrap.
 *
 * The interval is the percentile interval of log(candidate statistic ÷ baseline statistic):
 * the log makes ratios symmetric (×2 and ×½ are equally far from 1).
 */
import { PeakgateError } from '../errors.js';
import { quantileSorted } from './descriptive.js';
import { type RandomSource, randomIndex } from './seeded-random.js';

/** One side: trials, each a list of resampling units (windows). */
export type Clustered<Unit> = readonly (readonly Unit[])[];

export interface RatioInterval {
  /** Statistic on all of the baseline's units. */
  baseline: number;
  /** Statistic on all of the candidate's units. */
  candidate: number;
  /** candidate ÷ baseline on all units. */
  ratio: number;
  lower: number;
  upper: number;
}

export interface BootstrapOptions {
  confidence: number;
  resamples: number;
  random: RandomSource;
  /**
   * Baseline trial i and candidate trial i ran in the same round (at the same time, in duet
   * rounds): resample rounds, not each side's trials on their own, so that noise shared by a
   * round stays shared in every resample and cancels in the ratio. Needs equally long sides.
   */
  paired?: boolean;
}

/** Draws one two-stage resample of a side; trials without units are skipped. */
export function resampleClustered<Unit>(side: Clustered<Unit>, random: RandomSource): Unit[] {
  const trials = side.filter((trial) => trial.length > 0);
  const units: Unit[] = [];
  for (let t = 0; t < trials.length; t++) {
    const trial = trials[randomIndex(random, trials.length)] as readonly Unit[];
    for (let w = 0; w < trial.length; w++) units.push(trial[randomIndex(random, trial.length)] as Unit);
  }
  return units;
}

function logRatio(candidate: number, baseline: number): number {
  if (candidate === baseline) return 0;
  if (baseline <= 0) return Infinity;
  if (candidate <= 0) return -Infinity;
  return Math.log(candidate / baseline);
}

/**
 * One paired resample: the same rounds for both sides and, where both trials of a round have the
 * same number of windows (window k of each covers the same seconds of its measured phase, at the
 * same moment in duet rounds), the same window positions too, so time-aligned noise stays paired.
 */
export function resamplePaired<Unit>(
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  random: RandomSource,
): [Unit[], Unit[]] {
  const b: Unit[] = [];
  const c: Unit[] = [];
  for (let r = 0; r < baseline.length; r++) {
    const round = randomIndex(random, baseline.length);
    const base = baseline[round] as readonly Unit[];
    const cand = candidate[round] as readonly Unit[];
    if (base.length === cand.length) {
      for (let w = 0; w < base.length; w++) {
        const k = randomIndex(random, base.length);
        b.push(base[k] as Unit);
        c.push(cand[k] as Unit);
      }
    } else {
      for (let w = 0; w < base.length; w++) b.push(base[randomIndex(random, base.length)] as Unit);
      for (let w = 0; w < cand.length; w++) c.push(cand[randomIndex(random, cand.length)] as Unit);
    }
  }
  return [b, c];
}

/**
 * Ratio intervals for a vector statistic (e.g. p50, p99 and p99.9 from one resample), so that
 * related metrics share the same resamples and cost one pass.
 */
export function bootstrapRatioIntervals<Unit>(
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => readonly number[],
  options: BootstrapOptions,
): RatioInterval[] {
  const allBaseline = baseline.flat() as Unit[];
  const allCandidate = candidate.flat() as Unit[];
  if (allBaseline.length === 0 || allCandidate.length === 0) {
    throw new PeakgateError('PG_ERR_INTERNAL', 'bootstrap needs at least one unit on each side');
  }
  if (!(options.confidence > 0 && options.confidence < 1)) {
    throw new PeakgateError('PG_ERR_INTERNAL', `confidence ${options.confidence} is outside (0, 1)`);
  }
  const pointBaseline = statistic(allBaseline);
  const pointCandidate = statistic(allCandidate);
  const draws: number[][] = pointBaseline.map(() => []);
  const paired = options.paired === true && baseline.length === candidate.length;
  for (let r = 0; r < options.resamples; r++) {
    let b: readonly number[];
    let c: readonly number[];
    if (paired) {
      const [bUnits, cUnits] = resamplePaired(baseline, candidate, options.random);
      b = statistic(bUnits);
      c = statistic(cUnits);
    } else {
      b = statistic(resampleClustered(baseline, options.random));
      c = statistic(resampleClustered(candidate, options.random));
    }
    for (let k = 0; k < draws.length; k++) (draws[k] as number[]).push(logRatio(c[k] as number, b[k] as number));
  }
  const alpha = 1 - options.confidence;
  return pointBaseline.map((base, k) => {
    const sorted = (draws[k] as number[]).sort((a, b) => a - b);
    const cand = pointCandidate[k] as number;
    return {
      baseline: base,
      candidate: cand,
      ratio: Math.exp(logRatio(cand, base)),
      lower: Math.exp(quantileSorted(sorted, alpha / 2)),
      upper: Math.exp(quantileSorted(sorted, 1 - alpha / 2)),
    };
  });
}

/** Ratio interval for a scalar statistic. */
export function bootstrapRatioInterval<Unit>(
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => number,
  options: BootstrapOptions,
): RatioInterval {
  const [interval] = bootstrapRatioIntervals(baseline, candidate, (units) => [statistic(units)], options);
  return interval as RatioInterval;
}
