/**
 * The verdict a recorded comparison would have had under a shorter time budget, from its looks
 * (bench/calibrate/run.mjs records every look of a `--mode power` run, made with a 180 s budget
 * and max_rounds 20). Shared by run.mjs (the power table) and power-model.mjs (its checkpoints),
 * so both replay the same rule: the controller's own stopReason, asked after each look.
 */
import { stopReason } from '../../packages/controller/dist/sequential-rounds.js';

/**
 * 'fail' when the first decided look fails on `metric` (any metric when it is undefined),
 * 'fail-other' when it fails on another metric (a p99 ladder must not count a CPU fail), else
 * 'pass'. The mean round is the look's time ÷ its rounds, which counts the preflight too: a slight
 * overestimate of the controller's (which times rounds only), so the replay stops no later than
 * a run with that budget would.
 */
export function verdictUnderBudget(looks, budgetSeconds, metric, maxRounds = 20) {
  for (const look of looks) {
    if (look.state === 'fail') {
      return metric === undefined || look[metric]?.status === 'fail' ? 'fail' : 'fail-other';
    }
    const stopped = stopReason(look.state === 'undecided', false, look.round, maxRounds, {
      elapsedMs: look.atMs,
      meanRoundMs: look.atMs / look.round,
      budgetMs: budgetSeconds * 1000,
    });
    if (stopped !== undefined) return 'pass';
  }
  return 'pass';
}
