/**
 * The load of one trial spread over N load shards (`--driver swarm --shards N`): a replicated Swarm
 * service of the load image, one task per shard, each running the ordinary engine on its share of
 * the schedule (arrival k goes to shard k mod N, then to that shard's workers), so the N shards
 * together send exactly the single-host schedule. Every phase starts at one barrier time; each
 * shard sends back its raw worker results and the controller merges them with the same code a
 * single host uses (mergePhase, mergeRun), so the figures are exact, not averaged.
 *
 * Never a verdict on fewer requests than asked: a shard whose task ends before it reported, that
 * says it gave up, that never reaches a phase's start or never reports a phase in time makes the
 * trial PG_ERR_LOAD_SHARD (exit 3), naming the shard and its node.
 */
import {
  handedInEnvValues,
  type LoadPhase,
  type LoadResult,
  type LoadShardFigures,
  PeakgateError,
  type PhaseResult,
  requestNames,
  type SecondSample,
} from '@peakgate/core';
import { mergePhase, mergeRun, type ShardResult } from '@peakgate/loadgen';
import { type LoadShardsSpec, type RunningLoadShards, type ShardTaskState, startLoadShards } from '@peakgate/runtime';
import type { LoadRunner, LoadRunOptions } from './ports.js';
import { ShardCoordinator, type ShardPhaseFigures, shardablePlan } from './shard-coordinator.js';

export interface ShardedLoadOptions {
  shards: number;
  /** Worker threads per shard (default 1: a shard is one generator core, docs/scale.md). */
  workersPerShard?: number;
  /** The load image (default: PEAKGATE_LOAD_IMAGE, else peakgate/load:local). */
  image?: string;
  /** Placement constraints of the shards (default: none, Swarm spreads them). */
  constraints?: string[];
  /**
   * Address the controller's endpoint listens on and the shards call back to (default
   * PEAKGATE_SHARD_CALLBACK_HOST, else 127.0.0.1: shards on this node, on the host network).
   */
  callbackHost?: string;
  /** How long every shard has to reach the first phase's start: task scheduling and start (default 120 s). */
  startTimeoutMs?: number;
  /** How long after a phase's expected end (duration + request timeout) every shard has to report it (default 15 s). */
  reportGraceMs?: number;
  /** Starts the shards' Swarm service (default startLoadShards; tests: shards of their own). */
  startShards?: (spec: LoadShardsSpec) => Promise<RunningLoadShards>;
}

/** Shards outside the first phase: how long after the slowest expected end they may take to report. */
const REPORT_GRACE_MS = 15_000;
/** How often the shards' task states are read while they run. */
const TASK_POLL_MS = 1000;

export function shardedLoadRunner(options: ShardedLoadOptions): LoadRunner {
  return { run: (run) => runSharded(options, run) };
}

async function runSharded(options: ShardedLoadOptions, run: LoadRunOptions): Promise<LoadResult> {
  const unshardable = shardablePlan(run.plan);
  if (unshardable !== undefined)
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `--shards: ${unshardable}, which load shards cannot read; run it without --shards`,
    );
  if (run.owner === undefined) throw new PeakgateError('PG_ERR_INTERNAL', 'a sharded load needs the run id and role');
  const { plan, signal } = run;
  const shards = options.shards;
  const workersPerShard = options.workersPerShard ?? 1;
  const names = requestNames(plan.requests);
  const all: Array<{ phase: LoadPhase; warmup: boolean }> = [
    ...(plan.warmup ? [{ phase: plan.warmup, warmup: true }] : []),
    ...plan.phases.map((phase) => ({ phase, warmup: false })),
  ];
  const series: SecondSample[] = [];
  const coordinator = await ShardCoordinator.start({
    host: options.callbackHost ?? (process.env.PEAKGATE_SHARD_CALLBACK_HOST || '127.0.0.1'),
    shards,
    assignment: {
      target: run.target,
      allowHosts: [...(run.allowHosts ?? [])],
      plan,
      workers: workersPerShard,
      env: handedInEnvValues(plan.requests),
    },
    phases: all.map(({ phase, warmup }) => ({ name: phase.name, warmup })),
    names,
    onSample: (sample) => {
      if (sample.warmup !== true) series.push(sample);
      run.onSample?.(sample);
    },
  });
  const stopWatch = new AbortController();
  let service: RunningLoadShards | undefined;
  try {
    service = await (options.startShards ?? startLoadShards)({
      runId: run.owner.runId,
      role: run.owner.role,
      shards,
      ...(options.image !== undefined ? { image: options.image } : {}),
      env: { PEAKGATE_SHARD_URL: coordinator.url },
      ...(options.constraints !== undefined ? { constraints: options.constraints } : {}),
      ...(run.cpuset !== undefined ? { cpuset: run.cpuset } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    const watch = new ShardWatch(service, coordinator, stopWatch.signal);
    const phases: PhaseResult[] = [];
    const byShard = new Map<number, ShardPhaseFigures[]>();
    // Per phase, how far apart the shards began: the latest worker's lag minus the earliest's.
    const skews: number[] = [];
    let startedAt = new Date().toISOString();
    let interrupted = false;
    let measuredIndex = 0;
    for (const [position, { phase, warmup }] of all.entries()) {
      const index = warmup ? -1 : measuredIndex++;
      const graceMs = options.reportGraceMs ?? REPORT_GRACE_MS;
      const waitMs = position === 0 ? (options.startTimeoutMs ?? 120_000) : graceMs;
      const startAt = await until(coordinator.startOf(position), watch, signal, waitMs, () =>
        missing(
          coordinator,
          watch,
          coordinator.arrivedAt(position),
          `never reached the start of phase ${phase.name}`,
          waitMs,
        ),
      );
      if (startAt === ABORTED) {
        interrupted = true;
        break;
      }
      // The phase events bound the service's measured CPU window: send them when the load starts.
      const untilStart = startAt - (performance.timeOrigin + performance.now());
      if (untilStart > 0) await new Promise((resolve) => setTimeout(resolve, untilStart));
      if (!warmup && index === 0) startedAt = new Date(startAt).toISOString();
      run.onPhase?.({ type: 'start', phase: phase.name, index, warmup });
      const deadlineMs = phase.durationMs + plan.timeoutMs + graceMs;
      const reports = await until(coordinator.resultsOf(position), watch, signal, deadlineMs, () =>
        missing(coordinator, watch, coordinator.reportedAt(position), `never reported phase ${phase.name}`, deadlineMs),
      );
      if (reports === ABORTED) {
        interrupted = true;
        break;
      }
      coordinator.flushSeconds(position);
      const lags = [...reports.values()].map((report) => report.startLagMs);
      skews.push(Math.max(...lags) - Math.min(...lags));
      const result = mergePhase(
        phase,
        [...reports.values()].flatMap((report) => report.results),
        names,
      );
      run.onPhase?.({ type: 'end', phase: phase.name, index, warmup });
      if (warmup) continue;
      phases.push(result);
      for (const [shard, figures] of reports) byShard.set(shard, [...(byShard.get(shard) ?? []), figures]);
    }
    const merged = mergeRun(phases, {
      target: run.target,
      startedAt,
      interrupted,
      workers: shards * workersPerShard,
      series: series.sort((a, b) => a.second - b.second),
    });
    merged.sharding = {
      shards: shardFigures(plan.phases, byShard, coordinator, watch),
      workersPerShard,
      startSkewMs: Math.round(Math.max(0, ...skews) * 100) / 100,
    };
    return merged;
  } finally {
    stopWatch.abort();
    coordinator.stop('the run ended');
    await service?.remove();
    await coordinator.close();
  }
}

const ABORTED = Symbol('aborted');

/**
 * Waits for `value`, or fails as soon as a shard is known dead (the watch), or stops on abort, or
 * fails with `late()` after `timeoutMs`.
 */
async function until<T>(
  value: Promise<T>,
  watch: ShardWatch,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  late: () => PeakgateError,
): Promise<T | typeof ABORTED> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      value,
      watch.dead,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(late()), timeoutMs);
      }),
      new Promise<typeof ABORTED>((resolve) => {
        if (signal === undefined) return;
        onAbort = () => resolve(ABORTED);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}

/** The shards not in `present`, named with their nodes and task states. */
function missing(
  coordinator: ShardCoordinator,
  watch: ShardWatch,
  present: readonly number[],
  what: string,
  afterMs: number,
): PeakgateError {
  const absent = [...Array(coordinator.shardCount).keys()].filter((shard) => !present.includes(shard));
  const named = absent.map((shard) => describeShard(shard, coordinator, watch)).join('; ');
  return new PeakgateError(
    'PG_ERR_LOAD_SHARD',
    `load ${absent.length === 1 ? 'shard' : 'shards'} ${named} ${what} within ${Math.round(afterMs / 1000)} s; no verdict on fewer requests than asked`,
  );
}

function describeShard(shard: number, coordinator: ShardCoordinator, watch: ShardWatch): string {
  const task = watch.task(shard);
  const node = task?.node ?? coordinator.nodes.get(shard) ?? 'unknown node';
  return `${shard} (node ${node}, task ${task?.detail ?? 'not created'})`;
}

/**
 * Reads the shards' task states every second: a task that ended before its shard said `done`, or
 * a shard that reported it gave up, rejects `dead` with PG_ERR_LOAD_SHARD naming it.
 */
class ShardWatch {
  readonly dead: Promise<never>;
  private readonly tasks = new Map<number, ShardTaskState>();

  constructor(service: RunningLoadShards, coordinator: ShardCoordinator, signal: AbortSignal) {
    this.dead = new Promise<never>((_, reject) => {
      void coordinator.failure.promise.then((failed) =>
        reject(
          new PeakgateError(
            'PG_ERR_LOAD_SHARD',
            `load shard ${failed.shard} (node ${failed.node}) gave up: ${failed.message}`,
          ),
        ),
      );
      void (async () => {
        while (!signal.aborted) {
          const states = await service.tasks(AbortSignal.timeout(5000)).catch(() => undefined);
          for (const state of states ?? []) {
            this.tasks.set(state.index, state);
            if (state.ended && !coordinator.hasFinished(state.index)) {
              reject(
                new PeakgateError(
                  'PG_ERR_LOAD_SHARD',
                  `load shard ${state.index} (node ${state.node}) ended before it finished: task ${state.detail}${state.exitCode !== null ? `, exit code ${state.exitCode}` : ''}; no verdict on fewer requests than asked`,
                ),
              );
              return;
            }
          }
          await new Promise((resolve) => setTimeout(resolve, TASK_POLL_MS).unref());
        }
      })();
    });
    // Nobody may be listening once the run is over.
    this.dead.catch(() => undefined);
  }

  task(shard: number): ShardTaskState | undefined {
    return this.tasks.get(shard);
  }
}

/** Each shard's part of the measured phases, merged like a whole run. */
function shardFigures(
  measured: readonly LoadPhase[],
  byShard: ReadonlyMap<number, ShardPhaseFigures[]>,
  coordinator: ShardCoordinator,
  watch: ShardWatch,
): LoadShardFigures[] {
  return [...byShard.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, figures]) => {
      const phases = figures.map((part, at) => mergePhase(measured[at] as LoadPhase, part.results as ShardResult[]));
      const run = mergeRun(phases, { target: '', startedAt: '', interrupted: false, workers: 0, series: [] });
      return {
        index,
        node: watch.task(index)?.node ?? coordinator.nodes.get(index) ?? 'unknown',
        requests: run.requests.total,
        errors: run.requests.errors,
        achievedRate: Math.round(run.rate.achieved * 10) / 10,
        startLagMs: Math.round(Math.max(0, ...figures.map((part) => part.startLagMs)) * 10) / 10,
      };
    });
}
