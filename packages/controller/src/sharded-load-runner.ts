/**
 * The load of one trial spread over N load shards (`--driver swarm --shards N`), in one module: the
 * runner and the controller's endpoint its shards talk to.
 *
 * The runner: a replicated Swarm service of the load image, one task per shard, each running the
 * ordinary engine on its share of the schedule (arrival k goes to shard k mod N, then to that
 * shard's workers), so the N shards together send exactly the single-host schedule. Every phase
 * starts at one barrier time; each shard sends back its raw worker results and the controller
 * merges them with the same code a single host uses (mergePhase, mergeRun), so the figures are
 * exact, not averaged. Never a verdict on fewer requests than asked: a shard whose task ends before
 * it reported, that says it gave up, that never reaches a phase's start or never reports a phase in
 * time makes the trial PG_ERR_LOAD_SHARD (exit 3), naming the shard and its node.
 *
 * The endpoint (ShardCoordinator): a small HTTP server the shards call (routes in @peakgate/loadgen's
 * shard-wire.ts), a barrier per phase that gives every shard the same start once all N are ready,
 * the live per-second merge of their samples, and the collection of each phase's raw worker
 * results. It only collects: deciding that a shard is missing (and naming it) is the runner's job,
 * from these facts and the Swarm task states. Its base URL carries a random token: a request
 * without it is a 404, so nothing but this run's shards can feed its figures.
 */
import { randomBytes } from 'node:crypto';
import {
  handedInEnvValues,
  type LoadPhase,
  type LoadPlan,
  type LoadResult,
  type LoadShardFigures,
  PeakgateError,
  type PhaseResult,
  requestNames,
  type SecondSample,
  SHARD_ENV,
} from '@peakgate/core';
import {
  mergePhase,
  mergeRun,
  SecondMerger,
  type ShardAssignment,
  type ShardBarrierReply,
  type ShardBarrierRequest,
  type ShardDoneReport,
  type ShardFailedReport,
  type ShardPhaseReport,
  type ShardSampleReport,
  type WorkerResult,
} from '@peakgate/loadgen';
import { type LoadShardsSpec, type RunningLoadShards, type ShardTaskState, startLoadShards } from '@peakgate/runtime';
import type { FastifyInstance } from 'fastify';
import type { LoadRunner, LoadRunOptions } from './ports.js';

export interface ShardedLoadOptions {
  shards: number;
  /** Worker threads per shard (default 1: a shard is one generator core, docs/scale.md). */
  workersPerShard?: number;
  /** The load image (run-request.ts: PEAKGATE_LOAD_IMAGE, else peakgate/load:local; absent here: the runtime's default). */
  image?: string;
  /** Placement constraints of the shards (default: none, Swarm spreads them). */
  constraints?: string[];
  /**
   * Address the controller's endpoint listens on and the shards call back to (default
   * 127.0.0.1: shards on this node, on the host network; run-request.ts fills it from
   * PEAKGATE_SHARD_CALLBACK_HOST).
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
    host: options.callbackHost ?? '127.0.0.1',
    shards,
    assignment: {
      target: run.target,
      allowHosts: [...(run.allowHosts ?? [])],
      plan,
      workers: workersPerShard,
      env: handedInEnvValues(plan.requests),
      // Common random numbers: shard s of each side draws from the same streams.
      ...(run.seed !== undefined ? { seed: run.seed } : {}),
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
      env: { [SHARD_ENV.url]: coordinator.url },
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
  return `${shard} (node ${node}${task?.nodeId ? `, id ${task.nodeId.slice(0, 12)}` : ''}, task ${task?.detail ?? 'not created'})`;
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
            if (!state.ended && state.nodeDown !== undefined && !coordinator.hasFinished(state.index)) {
              // The task still reads running, but its node no longer answers the manager: the
              // shard's figures will never come, so say so now rather than at the report timeout.
              reject(
                new PeakgateError(
                  'PG_ERR_LOAD_SHARD',
                  `load shard ${state.index} lost its node: the swarm manager reports node ${state.node}, id ${state.nodeId.slice(0, 12)} ${state.nodeDown}; no verdict on fewer requests than asked`,
                ),
              );
              return;
            }
            if (state.ended && !coordinator.hasFinished(state.index)) {
              reject(
                new PeakgateError(
                  'PG_ERR_LOAD_SHARD',
                  `load shard ${state.index} (node ${state.node}, id ${state.nodeId.slice(0, 12)}) ended before it finished: task ${state.detail}${state.exitCode !== null ? `, exit code ${state.exitCode}` : ''}; no verdict on fewer requests than asked`,
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
      const nodeId = watch.task(index)?.nodeId;
      const phases = figures.map((part, at) => mergePhase(measured[at] as LoadPhase, part.results as WorkerResult[]));
      const run = mergeRun(phases, { target: '', startedAt: '', interrupted: false, workers: 0, series: [] });
      return {
        index,
        node: watch.task(index)?.node ?? coordinator.nodes.get(index) ?? 'unknown',
        ...(nodeId ? { nodeId } : {}),
        requests: run.requests.total,
        errors: run.requests.errors,
        achievedRate: Math.round(run.rate.achieved * 10) / 10,
        startLagMs: Math.round(Math.max(0, ...figures.map((part) => part.startLagMs)) * 10) / 10,
      };
    });
}

// The endpoint the shards call.

/** Between "the last shard is ready" and the common start: enough for the replies to reach every node. */
const START_LEAD_MS = 250;
/** Phase results carry encoded histograms per worker and per kind of request: small, but not tiny. */
const BODY_LIMIT_BYTES = 64 * 2 ** 20;

export interface ShardCoordinatorOptions {
  /** Address the endpoint listens on, and that the shards reach it by. */
  host: string;
  shards: number;
  assignment: Omit<ShardAssignment, 'shardCount'>;
  /** Phases in run order (warm-up first when there is one), for the live merge of seconds. */
  phases: ReadonlyArray<{ name: string; warmup: boolean }>;
  /** Request names in mix order (per-name parts of each second). */
  names: readonly string[];
  /** Each second of every phase, merged over the shards (warm-up seconds carry `warmup: true`). */
  onSample: (sample: SecondSample) => void;
}

export interface ShardPhaseFigures {
  /** One per worker thread of the shard. */
  results: WorkerResult[];
  /** How late the shard's latest worker began against the common start, ms. */
  startLagMs: number;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export class ShardCoordinator {
  private base = '';
  /** Node of each shard, as the shard reported it (Swarm's `{{.Node.Hostname}}`). */
  readonly nodes = new Map<number, string>();
  /** The first shard that reported it gave up. */
  readonly failure = deferred<ShardFailedReport>();
  private readonly waiting: Array<Map<number, (reply: ShardBarrierReply) => void>> = [];
  private readonly starts: Array<Deferred<number>> = [];
  private readonly reports: Array<Map<number, ShardPhaseFigures>> = [];
  private readonly complete: Array<Deferred<Map<number, ShardPhaseFigures>>> = [];
  private readonly mergers: SecondMerger[] = [];
  private readonly finished = new Set<number>();
  private stopped: string | undefined;

  private constructor(
    private readonly app: FastifyInstance,
    private readonly options: ShardCoordinatorOptions,
    private readonly token: string,
  ) {
    options.phases.forEach((phase) => {
      this.waiting.push(new Map());
      this.starts.push(deferred());
      this.reports.push(new Map());
      this.complete.push(deferred());
      this.mergers.push(new SecondMerger(options.shards, phase.name, 0, phase.warmup, options.onSample, options.names));
    });
  }

  static async start(options: ShardCoordinatorOptions): Promise<ShardCoordinator> {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, logger: false });
    const coordinator = new ShardCoordinator(app, options, randomBytes(18).toString('base64url'));
    coordinator.routes(`/shards/${coordinator.token}`);
    await app.listen({ host: options.host, port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    coordinator.base = `http://${host}:${port}/shards/${coordinator.token}`;
    return coordinator;
  }

  /** The base URL the shards are given (PEAKGATE_SHARD_URL): this endpoint, with the run's token. */
  get url(): string {
    return this.base;
  }

  /** The common start of phase `position`, once every shard has asked for it. */
  startOf(position: number): Promise<number> {
    return this.at(this.starts, position).promise;
  }

  /** Every shard's raw results of phase `position`, once all have reported it. */
  resultsOf(position: number): Promise<Map<number, ShardPhaseFigures>> {
    return this.at(this.complete, position).promise;
  }

  /** Shards waiting at phase `position`'s barrier (to name the ones that are not). */
  arrivedAt(position: number): number[] {
    return [...this.at(this.waiting, position).keys()].sort((a, b) => a - b);
  }

  /** Shards that reported phase `position`. */
  reportedAt(position: number): number[] {
    return [...this.at(this.reports, position).keys()].sort((a, b) => a - b);
  }

  get shardCount(): number {
    return this.options.shards;
  }

  hasFinished(shard: number): boolean {
    return this.finished.has(shard);
  }

  /** Emits the seconds still pending for a phase (called once all its results are in). */
  flushSeconds(position: number): void {
    this.at(this.mergers, position).flush();
  }

  /** Answers every shard still waiting at a barrier with `stop`, and any that arrives later. */
  stop(reason: string): void {
    this.stopped ??= reason;
    for (const waiting of this.waiting) {
      for (const reply of waiting.values()) reply({ stop: reason });
      waiting.clear();
    }
  }

  async close(): Promise<void> {
    this.stop('the run ended');
    await this.app.close();
  }

  private at<T>(list: T[], position: number): T {
    const item = list[position];
    if (item === undefined) throw new RangeError(`no phase at position ${position}`);
    return item;
  }

  private routes(prefix: string): void {
    const { app, options } = this;
    const shardIndex = (value: unknown): number | undefined => {
      const n = Number(value);
      return Number.isSafeInteger(n) && n >= 0 && n < options.shards ? n : undefined;
    };
    const position = (value: unknown): number | undefined => {
      const n = Number(value);
      return Number.isSafeInteger(n) && n >= 0 && n < options.phases.length ? n : undefined;
    };
    app.get<{ Querystring: { shard?: string } }>(`${prefix}/task`, async (request, reply) => {
      if (shardIndex(request.query.shard) === undefined) return reply.code(400).send({ error: 'shard out of range' });
      const assignment: ShardAssignment = { ...options.assignment, shardCount: options.shards };
      return assignment;
    });
    // Long poll: the reply goes out when the last shard arrives (or the run stops).
    app.post<{ Body: ShardBarrierRequest }>(`${prefix}/barrier`, async (request, reply) => {
      const shard = shardIndex(request.body?.shard);
      const at = position(request.body?.position);
      if (shard === undefined || at === undefined)
        return reply.code(400).send({ error: 'shard or position out of range' });
      this.nodes.set(shard, String(request.body.node));
      if (this.stopped !== undefined) return reply.send({ stop: this.stopped } satisfies ShardBarrierReply);
      const waiting = this.at(this.waiting, at);
      waiting.set(shard, (answer) => reply.send(answer));
      if (waiting.size === options.shards) {
        const startAtEpochMs = performance.timeOrigin + performance.now() + START_LEAD_MS;
        for (const answer of waiting.values()) answer({ startAtEpochMs });
        waiting.clear();
        this.at(this.starts, at).resolve(startAtEpochMs);
      }
      return reply;
    });
    app.post<{ Body: ShardSampleReport }>(`${prefix}/sample`, async (request, reply) => {
      const at = position(request.body?.position);
      const sample = request.body?.sample;
      if (shardIndex(request.body?.shard) === undefined || at === undefined || typeof sample !== 'object')
        return reply.code(400).send({ error: 'bad sample' });
      const kinds = options.names.length > 1 ? options.names.map((name) => sample.byName?.[name]) : undefined;
      this.at(this.mergers, at).add(
        sample.second,
        sample.requests,
        sample.errors,
        sample.histogram,
        kinds?.map((part) => part ?? { requests: 0, errors: 0, histogram: '' }),
      );
      return {};
    });
    app.post<{ Body: ShardPhaseReport }>(`${prefix}/phase`, async (request, reply) => {
      const shard = shardIndex(request.body?.shard);
      const at = position(request.body?.position);
      if (shard === undefined || at === undefined || !Array.isArray(request.body.results))
        return reply.code(400).send({ error: 'bad phase report' });
      const reports = this.at(this.reports, at);
      const results = request.body.results;
      reports.set(shard, { results, startLagMs: Math.max(0, ...results.map((result) => result.startLagMs ?? 0)) });
      if (reports.size === options.shards) this.at(this.complete, at).resolve(reports);
      return {};
    });
    app.post<{ Body: ShardDoneReport }>(`${prefix}/done`, async (request, reply) => {
      const shard = shardIndex(request.body?.shard);
      if (shard === undefined) return reply.code(400).send({ error: 'shard out of range' });
      this.finished.add(shard);
      return {};
    });
    app.post<{ Body: ShardFailedReport }>(`${prefix}/failed`, async (request, reply) => {
      const shard = shardIndex(request.body?.shard);
      if (shard === undefined) return reply.code(400).send({ error: 'shard out of range' });
      this.failure.resolve({ shard, node: String(request.body.node), message: String(request.body.message) });
      return {};
    });
  }
}

/** The plan a shard can run: its timeline file (`load.timeline`) would be on the controller's disk only. */
export function shardablePlan(plan: LoadPlan): string | undefined {
  const phases = [...(plan.warmup ? [plan.warmup] : []), ...plan.phases];
  const timed = phases.find((phase) => phase.load.model === 'open' && phase.load.timeline !== undefined);
  return timed === undefined ? undefined : `phase ${timed.name} replays a timeline (load.timeline)`;
}
