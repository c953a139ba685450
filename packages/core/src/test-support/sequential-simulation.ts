/**
 * Simulated sequential comparisons for the judge's tests (judge/sequential.test.ts,
 * judge/sequential-limit.test.ts; a test fixture like synthetic-trials.ts, not exported by
 * `@peakgate/core` and not built into dist): many comparisons of synthetic trials,
 * each judged after every round from `rounds` on and stopped the way the controller stops it,
 * with between-round noise at the level bench/calibrate measured. Two files, so that the
 * simulations (CPU-bound, about 12 s each) run on both cores.
 *
 * Noise: the committed calibration runs (bench/calibrate/results, 10 s duet rounds on the
 * balancer) show a per-round log CPU ratio spread of 0.015–0.027 (A/A: 0.015; cpu50: 0.027). A
 * 5 s round sees more of the within-round noise, so the simulation takes 0.03 per round
 * (per-trial noise 0.03 ÷ √2 on each side), the upper end, not the median.
 */

import { judge } from '../judge/judge.js';
import type { CompareSpec } from '../scenario/model.js';
import type { TrialResult } from '../trial.js';
import { buildSyntheticComparison, type SyntheticTrialOptions } from './synthetic-trials.js';

export type Side = Omit<SyntheticTrialOptions, 'role' | 'round' | 'seed'>;

/** Per-round spread of the log CPU ratio the simulation assumes (see the header). */
export const ROUND_SIGMA = 0.03;
/**
 * The default round shape of scenarios/balancer-peak.yaml (5 s measured; 100 req/s here, which
 * only makes the simulation cheaper: the CPU noise is set, not counted), all of the round's noise
 * in the per-trial term so that the per-round log ratio has spread ROUND_SIGMA.
 */
export const side = (cpuPerRequestMs: number): Side => ({
  phases: [{ name: 'peak', model: 'open', seconds: 5, rate: 100 }],
  cpuPerRequestMs,
  trialNoise: ROUND_SIGMA / Math.SQRT2,
  cpuSecondNoise: 0,
});

export const spec = (limit: number, rounds = 3, maxRounds = 10): CompareSpec => ({
  rounds,
  maxRounds,
  limits: { 'cpu.per_request': limit },
  slo: {},
  confidence: 0.95,
  schedule: 'duet',
});

/** CPU per request only (the metric the targets are about), fewer resamples: thousands of judgements. */
export const options = { metrics: ['cpu.per_request' as const], resamples: 300 };

export interface Outcome {
  verdict: 'pass' | 'fail';
  rounds: number;
  inconclusive: boolean;
}

/** One comparison run as the controller runs it: a look after each round from `rounds`, stop when decided. */
export function sequentialComparison(seed: number, change: number, compare: CompareSpec): Outcome {
  const all = buildSyntheticComparison(compare.maxRounds, seed, side(0.2), side(0.2 * change));
  for (let round = compare.rounds; round <= compare.maxRounds; round++) {
    const trials: TrialResult[] = all.filter((trial) => trial.round <= round);
    const result = judge(trials, compare, options);
    if (!result.needsMoreRounds)
      return { verdict: result.verdict, rounds: round, inconclusive: result.sequential.state === 'undecided' };
  }
  throw new Error('unreachable: the last look never needs more rounds');
}

/** `count` comparisons from consecutive seeds: fails, inconclusive passes and rounds taken. */
export function simulate(count: number, firstSeed: number, change: number, compare: CompareSpec) {
  const outcomes = Array.from({ length: count }, (_, i) => sequentialComparison(firstSeed + i, change, compare));
  const rounds = outcomes.map((o) => o.rounds).sort((a, b) => a - b);
  return {
    fails: outcomes.filter((o) => o.verdict === 'fail').length,
    /** Passes decided at a look (every metric shown within its limit), not run out to max_rounds. */
    decidedPasses: outcomes.filter((o) => o.verdict === 'pass' && !o.inconclusive).length,
    inconclusive: outcomes.filter((o) => o.inconclusive).length,
    medianRounds: rounds[Math.floor(rounds.length / 2)] as number,
    maxRounds: rounds.at(-1) as number,
  };
}
