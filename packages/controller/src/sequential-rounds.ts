/**
 * Runs a comparison plan: rounds of trials, each on a fresh service. With the `duet` schedule a
 * round runs baseline and candidate at the same time (same cores, same moment, so noise from the
 * machine is shared and cancels in their ratio); with `alternate` it runs them one after the
 * other in A B, B A order (linear drift cancels over pairs of rounds).
 *
 * The rounds are a sequential decision (docs/judge.md): the trials are judged after the planned
 * rounds (the first look) and again after every further round, and the comparison stops at the
 * first look where nothing is undecided, or when `maxRounds` rounds have run, or when another
 * round would end past `compare.budget` (estimated from the mean round so far). The judge's
 * intervals are corrected for these repeated looks, so stopping early keeps the error rates.
 *
 * Common random numbers: the run has one seed (drawn here unless given); round r's seed derives
 * from it and both sides of round r draw every request and template value from it, so the two
 * sides of a round are sent the same requests (docs/load-engine.md).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type {
  BuildSpec,
  ReportInterruption,
  Role,
  Scenario,
  SequentialLook,
  StopReason,
  TrialResult,
} from '@peakgate/core';
import { handedInEnvValues, PeakgateError } from '@peakgate/core';
import { MAX_SEED, roundSeed } from '@peakgate/loadgen';
import { Barrier } from './barrier.js';
import { type CpuPlan, planCpusFor } from './cpu-plan.js';
import { pinProcess } from './pin-process.js';
import type { LoadRunner, ServiceLauncher } from './ports.js';
import { checkBuildDirectories, prepareOutputDirectory } from './preflight.js';
import type { ProgressListener } from './progress.js';
import { RoundStop } from './round-stop.js';
import { runTrial, type TrialContext } from './run-trial.js';
import { roundOrder } from './trial-order.js';

/** What the loop reads of a judgement: the look's state (undecided means another round may settle it). */
type LookState = { sequential: Pick<SequentialLook, 'state'> & Partial<Pick<SequentialLook, 'undecided'>> };

export interface ComparisonOptions<J extends LookState> {
  scenario: Scenario;
  baseline: BuildSpec;
  candidate: BuildSpec;
  launcher: ServiceLauncher;
  loadRunner: LoadRunner;
  /** Judges all trials so far; called after the planned rounds and after each extra round. */
  judge: (trials: TrialResult[]) => J;
  outDir: string;
  runId?: string;
  /**
   * Stops the comparison (Ctrl-C, SIGTERM, a cancelled API run): the outcome then has
   * `interrupted` and no judgement. Its reason (an Error's message) is reported; an Error with a
   * `signal` property (as the CLI's interrupt.ts aborts with) names the signal.
   */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** The run's seed (`--seed`, to replay a run); default: drawn from the system's generator. */
  seed?: number;
  /** Overrides the machine's core count (tests). */
  totalCores?: number;
  /** Overrides performance.now (tests: a fake clock, so the budget stop is checked exactly). */
  clock?: () => number;
}

/** One judgement of the trials so far, and when it was made (ms since the comparison started). */
export interface Look<J> {
  round: number;
  atMs: number;
  judgement: J;
}

interface ComparisonRun {
  runId: string;
  /** The run's seed: round r's seed, on both sides, is roundSeed(seed, r). */
  seed: number;
  /** Every trial measured; when interrupted, those finished and those cut with partial figures. */
  trials: TrialResult[];
  rounds: number;
  cpu: CpuPlan & { pinned: boolean };
  reaped: number;
  startedAt: string;
  finishedAt: string;
}

/** A judged comparison, or one stopped by its signal before the verdict: what was measured, not judged. */
export type ComparisonOutcome<J> = ComparisonRun &
  (
    | {
        judgement: J;
        /** Why no further round ran. */
        stoppedBy: StopReason;
        /** Every judgement made, in order (the last is `judgement`). */
        looks: Look<J>[];
        interrupted?: undefined;
      }
    | { judgement?: undefined; interrupted: ReportInterruption }
  );

export async function runComparison<J extends LookState>(options: ComparisonOptions<J>): Promise<ComparisonOutcome<J>> {
  const { scenario } = options;
  const runId = options.runId ?? randomUUID().slice(0, 8);
  const seed = options.seed ?? randomInt(MAX_SEED + 1);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED)
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--seed: expected an integer from 0 to ${MAX_SEED}, got ${seed}`);
  const startedAt = new Date().toISOString();
  const clock = options.clock ?? (() => performance.now());
  const startedMs = clock();
  const emit = options.onProgress ?? (() => {});
  // Before the reap and before any service or load: a run that could never write its report or
  // start its builds fails now, with exit 2.
  await prepareOutputDirectory(options.outDir);
  await checkBuildDirectories([
    ['baseline', options.baseline],
    ['candidate', options.candidate],
  ]);
  // A scenario reads only variables handed in with --env: refused (exit 2) before anything starts.
  handedInEnvValues(scenario.load.requests);

  // Whatever a crashed earlier run left behind would steal CPU from this one.
  const reaped = await options.launcher.reap();

  const cpu = planCpusFor(scenario.service.resources, options.totalCores);
  const pinning = pinProcess(cpu.loadCpuset);
  const { rounds: plannedRounds, maxRounds, budgetMs } = scenario.compare;
  emit({
    type: 'comparison-started',
    runId,
    scenario: scenario.name,
    driver: options.launcher.driver,
    plannedRounds,
    maxRounds,
    ...(budgetMs !== undefined ? { budgetMs } : {}),
  });

  const trials: TrialResult[] = [];
  const builds: Record<Role, BuildSpec> = { baseline: options.baseline, candidate: options.candidate };
  const looks: Look<J>[] = [];
  let round = 0;
  // Where the comparison stood when its signal fired: the trials finished before it are whole,
  // those that finish after it were cut (interruptionOf).
  let atAbort: { round: number; finished: number } | undefined;
  const markAbort = (): void => {
    atAbort ??= { round, finished: trials.length };
  };
  options.signal?.addEventListener('abort', markAbort, { once: true });
  try {
    let judgement: J | undefined;
    let stoppedBy: StopReason | undefined;
    let roundsStartedMs = clock();
    while (stoppedBy === undefined) {
      round += 1;
      if (round === 1) roundsStartedMs = clock();
      throwIfAborted(options.signal);
      // The candidate failing mid-trial stops this round at once (round-stop.ts).
      const roundStop = new RoundStop();
      const trialContext = (role: Role, order: number, barrier?: Barrier): TrialContext => ({
        runId,
        role,
        round,
        order,
        build: builds[role],
        scenario,
        launcher: options.launcher,
        loadRunner: options.loadRunner,
        outDir: options.outDir,
        loadWorkers: cpu.loadWorkers,
        ...(cpu.serviceCpuset !== undefined ? { serviceCpuset: cpu.serviceCpuset } : {}),
        ...(pinning.applied && cpu.loadCpuset !== undefined ? { loadCpuset: cpu.loadCpuset } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(barrier !== undefined ? { barrier } : {}),
        roundStop,
        onProgress: emit,
        seed: roundSeed(seed, round),
      });
      if (scenario.compare.schedule === 'duet') {
        // Both sides at once, on the same service cores, meeting before warm-up and measurement.
        const barrier = new Barrier(2);
        const [first, second] = roundOrder(round);
        const pair = await Promise.all([
          runTrial(trialContext(first, trials.length, barrier)),
          runTrial(trialContext(second, trials.length + 1, barrier)),
        ]);
        trials.push(...pair);
      } else {
        for (const role of roundOrder(round)) {
          throwIfAborted(options.signal);
          if (roundStop.abort !== undefined) break;
          trials.push(await runTrial(trialContext(role, trials.length)));
        }
      }
      throwIfAborted(options.signal);
      if (round >= plannedRounds || outrightFailure(trials)) {
        judgement = options.judge(trials);
        const now = clock();
        looks.push({ round, atMs: now - startedMs, judgement });
        // The look's own state, not needsMoreRounds: at max_rounds the judge asks for no more
        // rounds with a metric still undecided, and that stop is 'max-rounds', not 'decided'.
        const undecided = judgement.sequential.state === 'undecided';
        stoppedBy = stopReason(undecided, outrightFailure(trials), round, maxRounds, {
          elapsedMs: now - startedMs,
          meanRoundMs: (now - roundsStartedMs) / round,
          ...(budgetMs !== undefined ? { budgetMs } : {}),
        });
        emit({
          type: 'round-finished',
          runId,
          round,
          needsMoreRounds: stoppedBy === undefined,
          ...(undecided ? { undecided: [...(judgement.sequential.undecided ?? [])] } : {}),
        });
      }
    }
    return {
      runId,
      seed,
      trials,
      judgement: judgement as J,
      rounds: round,
      stoppedBy,
      looks,
      cpu: { ...cpu, pinned: pinning.applied },
      reaped,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  } catch (error) {
    // Stopped from outside: what was measured goes back, unjudged, for a report marked aborted.
    // Any other failure (an engine gone, a load engine error) is the caller's to report.
    if (options.signal?.aborted !== true) throw error;
    markAbort();
    const { kept, interrupted } = interruptionOf(options.signal, trials, atAbort ?? { round, finished: 0 });
    return {
      runId,
      seed,
      trials: kept,
      interrupted,
      rounds: interrupted.roundsCompleted,
      cpu: { ...cpu, pinned: pinning.applied },
      reaped,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  } finally {
    options.signal?.removeEventListener('abort', markAbort);
    pinning.restore();
  }
}

/**
 * Why the comparison runs no further round after this look, or undefined to run another. The
 * budget check is an estimate: a round is assumed to take as long as the mean round so far, so
 * the comparison ends near the budget, rarely past it by more than one round's variation.
 */
export function stopReason(
  undecided: boolean,
  outright: boolean,
  round: number,
  maxRounds: number,
  time: { elapsedMs: number; meanRoundMs: number; budgetMs?: number },
): StopReason | undefined {
  if (outright) return 'outright';
  if (!undecided) return 'decided';
  if (round >= maxRounds) return 'max-rounds';
  if (time.budgetMs !== undefined && time.elapsedMs + time.meanRoundMs > time.budgetMs) return 'budget';
  return undefined;
}

/**
 * Splits an interrupted comparison's trials: those finished before the signal are whole; those of
 * the round in progress that finished after it were cut (kept when they measured something, as
 * partial figures; a side stopped before its load, or never started, is only named in `cut`).
 */
function interruptionOf(
  signal: AbortSignal,
  trials: readonly TrialResult[],
  atAbort: { round: number; finished: number },
): { kept: TrialResult[]; interrupted: ReportInterruption } {
  const whole = trials.slice(0, atAbort.finished);
  const late = trials.slice(atAbort.finished);
  const cut: ReportInterruption['cut'] = [];
  for (const role of ['baseline', 'candidate'] as const) {
    if (atAbort.round === 0 || whole.some((trial) => trial.role === role && trial.round === atAbort.round)) continue;
    cut.push({ role, round: atAbort.round, started: late.some((trial) => trial.role === role && trial.load !== null) });
  }
  const reason: unknown = signal.reason;
  const named =
    reason instanceof Error && 'signal' in reason && typeof reason.signal === 'string' ? reason.signal : undefined;
  return {
    kept: [...whole, ...late.filter((trial) => trial.load !== null)],
    interrupted: {
      ...(named !== undefined ? { signal: named } : {}),
      reason: reason instanceof Error ? reason.message : String(reason ?? 'aborted'),
      roundsCompleted: cut.length > 0 ? atAbort.round - 1 : atAbort.round,
      cut,
    },
  };
}

/** A crash, OOM kill, failed start or mid-trial abort decides the comparison; more rounds would only repeat it. */
function outrightFailure(trials: readonly TrialResult[]): boolean {
  return trials.some(
    (trial) => !trial.exit.ready || trial.exit.crashed || trial.exit.oomKilled || trial.abort?.by === trial.role,
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new PeakgateError('PG_ERR_INTERRUPTED', 'comparison interrupted before a verdict');
  }
}
