/**
 * The load engine's entry point: runs a LoadPlan against one target in a piscina pool of worker
 * threads (one long task per worker per phase), streams per-second samples and merges the workers'
 * histograms and counts exactly. The pool lives only for the duration of the call, also on error
 * and abort.
 */
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  handedInEnvValues,
  type LoadPhase,
  type LoadPlan,
  type LoadResult,
  PeakgateError,
  type PhaseResult,
  readTimelineFile,
  requestNames,
  type SecondSample,
} from '@peakgate/core';
import { Piscina } from 'piscina';
import { assertRequestsSendable } from './request-guard.js';
import { mergePhase, mergeRun } from './result-merge.js';
import { SecondMerger } from './second-merger.js';
import { MAX_SEED } from './seeded-stream.js';
import { type LookupAll, resolveTarget } from './target-guard.js';
import type { ControlMessage, WorkerMessage, WorkerResult, WorkerTask, WorkerTimeline } from './worker-protocol.js';

export type PhaseEvent =
  | { type: 'start'; phase: string; index: number; warmup: boolean; durationMs: number }
  | { type: 'end'; phase: string; index: number; warmup: boolean; result: PhaseResult };

export interface RunLoadOptions {
  /** Base URL (http or https); the path, if any, prefixes every template path. */
  target: string;
  /**
   * A validated plan, as the scenario loader resolves it (positive durations and rates, connections
   * of at least 1, at least one phase and request, placeholders that parse). runLoad does not check
   * it again, except that every request must be sendable as exactly one request (request-guard.ts).
   */
  plan: LoadPlan;
  /** Worker threads; default {@link defaultWorkerCount}(reservedCores). */
  workers?: number;
  /** Cores left to the service when `workers` is not given (default 1). */
  reservedCores?: number;
  /** Non-loopback hostnames the caller explicitly allowed (`--allow-target`). */
  allowHosts?: readonly string[];
  /** Resolver for a target given by name (default the system's); resolved once, the address checked is used. */
  lookup?: LookupAll;
  /** Stops the load within about a second; the result then covers what was measured, `interrupted: true`. */
  signal?: AbortSignal;
  /** Each second of every phase, merged over workers, while the load runs (warm-up samples carry `warmup: true`). */
  onSample?: (sample: SecondSample) => void;
  onPhase?: (event: PhaseEvent) => void;
  /**
   * This run is one load shard of several (`--shards`): its workers send the arrivals (and open the
   * connections) of global worker indexes `index + count × w` of `count × workers`, so the shards
   * together send exactly the single-host schedule. Default: the whole schedule.
   */
  shard?: { index: number; count: number };
  /**
   * The common start of each phase when it is not this process's own to choose: called once the
   * local workers are ready for phase `position` (0-based over warm-up and measured phases); resolves
   * to the start in epoch ms. A rejection stops the run with that error. Default: ready + 20 ms.
   */
  phaseStart?: (position: number) => Promise<number>;
  /** `{{env NAME}}` values read elsewhere (a shard gets the controller's); default: the variables handed in with --env (core's handedInEnvValues). */
  env?: Record<string, string>;
  /**
   * Common random numbers: every random draw of the load (the weighted request choice, every
   * template value) is derived from this seed, per phase and per arrival (open model) or connection
   * (closed model), so two runs with the same seed and plan send the same requests
   * (seeded-stream.ts). An unsigned 32-bit integer; default: drawn from the system's generator.
   */
  seed?: number;
  /** The raw per-worker results of each phase, before they are merged (shards send them on to be merged exactly). */
  onPhaseResults?: (position: number, results: readonly WorkerResult[]) => void;
}

/** Cores given to load generation: available cores minus those reserved for the service, at least 1. */
export function defaultWorkerCount(reservedCores = 1): number {
  return Math.max(1, availableParallelism() - Math.max(0, Math.floor(reservedCores)));
}

/** After an abort, workers get this long to return their figures before their threads are terminated. */
const ABORT_GRACE_MS = 1500;
/** Lead time between "all workers ready" and the common start, so every worker starts on time. */
const START_LEAD_MS = 20;
/**
 * Most connections one load worker opens. 65,535 connections in one worker against a refusing port
 * took 12-27 s for a 2 s phase, 900 MB, and reported nothing at all: the event loop drowned in
 * connect errors. Past this, add workers or lower the connections.
 */
export const MAX_CONNECTIONS_PER_WORKER = 4096;
/** A phase that has not returned this long after its end (plus the request timeout) is stopped. */
const OVERRUN_GRACE_MS = 5000;

export async function runLoad(options: RunLoadOptions): Promise<LoadResult> {
  const resolved = await resolveTarget(options.target, options.allowHosts ?? [], options.lookup);
  // `{{env NAME}}` values come only through core's door (variables handed in with --env), once,
  // here, so every worker sends the same value and a refused or missing one stops the run before
  // anything is sent.
  const env = options.env ?? handedInEnvValues(options.plan.requests);
  assertRequestsSendable(options.plan.requests, env);
  const workers = options.workers ?? defaultWorkerCount(options.reservedCores);
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > 256) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--workers: expected an integer from 1 to 256, got ${workers}`);
  }
  const shard = options.shard ?? { index: 0, count: 1 };
  if (!Number.isSafeInteger(shard.count) || shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `shard ${shard.index} of ${shard.count}: not a shard of that many`);
  }
  assertConnectionsPerWorker(options.plan, workers * shard.count);
  const seed = options.seed ?? randomInt(MAX_SEED + 1);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `seed: expected an integer from 0 to ${MAX_SEED}, got ${seed}`);
  }
  // Workers connect to the address checked above, never to the name: no second lookup can move them.
  const target = resolved.connectUrl.href;
  const { signal } = options;
  const plan = withHostHeader(options.plan, resolved.hostHeader);
  // Timelines are read before any thread starts: a changed or broken file sends nothing.
  const timelines = await readTimelines(plan);
  const pool = new Piscina<WorkerTask, WorkerResult>({
    filename: new URL('./load-worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  // A worker that dies emits 'error' on the pool (unhandled, it would crash the caller); the task
  // itself rejects and runPhase turns that into PG_ERR_LOAD_FAILED.
  pool.on('error', () => {});
  // A throwing callback must not crash the process from inside a port's message handler: the first
  // error is kept and rethrown once the pool is gone.
  let callbackError: { error: unknown } | undefined;
  const guard =
    <T>(callback: ((value: T) => void) | undefined) =>
    (value: T): void => {
      if (!callback || callbackError) return;
      try {
        callback(value);
      } catch (error) {
        callbackError = { error };
      }
    };
  const onSample = guard(options.onSample);
  const onPhase = guard(options.onPhase);
  const onPhaseResults = guard<{ position: number; results: readonly WorkerResult[] }>(
    options.onPhaseResults === undefined
      ? undefined
      : ({ position, results }) => options.onPhaseResults?.(position, results),
  );
  const series: SecondSample[] = [];
  const phases: PhaseResult[] = [];
  let startedAt = new Date().toISOString();
  let secondBase = 0;
  // Per-name results are keyed by these (load.requests[].name, or method and path when a hand-built plan has none).
  const names = requestNames(plan.requests);
  try {
    const all: Array<{ phase: LoadPhase; warmup: boolean }> = [
      ...(plan.warmup ? [{ phase: plan.warmup, warmup: true }] : []),
      ...plan.phases.map((phase) => ({ phase, warmup: false })),
    ];
    let measuredIndex = 0;
    for (const [position, { phase, warmup }] of all.entries()) {
      if (signal?.aborted) break;
      const index = warmup ? -1 : measuredIndex++;
      if (!warmup && index === 0) startedAt = new Date().toISOString();
      onPhase({ type: 'start', phase: phase.name, index, warmup, durationMs: phase.durationMs });
      const merger = new SecondMerger(
        workers,
        phase.name,
        warmup ? 0 : secondBase,
        warmup,
        (sample) => {
          if (!warmup) series.push(sample);
          onSample(sample);
        },
        names,
      );
      const results = await runPhase(pool, {
        target,
        servername: resolved.servername,
        plan,
        phase,
        workers,
        merger,
        signal,
        env,
        seed,
        phasePosition: position,
        timeline: timelines.get(phase),
        shard,
        start: options.phaseStart === undefined ? undefined : () => (options.phaseStart as PhaseStart)(position),
      });
      onPhaseResults({ position, results });
      const result = mergePhase(phase, results, names);
      onPhase({ type: 'end', phase: phase.name, index, warmup, result });
      if (!warmup) {
        phases.push(result);
        secondBase += Math.ceil(phase.durationMs / 1000);
      }
    }
  } finally {
    // Terminates every thread at once; tasks are all settled (or abandoned after an abort) here.
    await pool.destroy();
  }
  if (callbackError) throw callbackError.error;
  // Errors lost at scale must not read as a clean run: measured phases with nothing sent, answered
  // or failed mean the engine did not work, whatever the target did.
  const outcomes = phases.reduce((sum, phase) => sum + phase.requests.total + phase.errors.dropped, 0);
  if (phases.length > 0 && outcomes === 0 && signal?.aborted !== true)
    throw new PeakgateError(
      'PG_ERR_LOAD_FAILED',
      'the load engine recorded no request, response or error in the measured phases; nothing can be judged',
    );
  return mergeRun(phases, {
    target: resolved.url.href,
    startedAt,
    interrupted: signal?.aborted === true,
    workers,
    series,
  });
}

/** Requests sent to an address in place of a name still carry the name in Host (unless they set one). */
function withHostHeader(plan: LoadPlan, hostHeader: string | undefined): LoadPlan {
  if (hostHeader === undefined) return plan;
  return {
    ...plan,
    requests: plan.requests.map((request) =>
      Object.keys(request.headers ?? {}).some((name) => name.toLowerCase() === 'host')
        ? request
        : { ...request, headers: { host: hostHeader, ...request.headers } },
    ),
  };
}

type PhaseStart = (position: number) => Promise<number>;

interface PhaseRun {
  target: string;
  /** https to a name: the name for TLS, while `target` holds the checked address. */
  servername: string | undefined;
  plan: LoadPlan;
  phase: LoadPhase;
  workers: number;
  merger: SecondMerger;
  signal: AbortSignal | undefined;
  env: Record<string, string>;
  seed: number;
  phasePosition: number;
  timeline: WorkerTimeline | undefined;
  /** This process's part of a sharded run (global shard indexes). */
  shard: { index: number; count: number };
  /** The common start from elsewhere (sharded runs); undefined: ready + START_LEAD_MS. */
  start: (() => Promise<number>) | undefined;
}

async function runPhase(pool: Piscina<WorkerTask, WorkerResult>, run: PhaseRun): Promise<WorkerResult[]> {
  const { workers, merger, signal } = run;
  const ports: MessagePort[] = [];
  const done: Array<Promise<void>> = [];
  const tasks: Array<Promise<WorkerResult>> = [];
  let ready = 0;
  let startError: { error: unknown } | undefined;
  const send = (message: ControlMessage): void => {
    for (const port of ports) port.postMessage(message);
  };
  const onAbort = (): void => send({ type: 'stop' });
  // Bounds the overrun: workers told to stop return what they measured. Counted from the phase's
  // start: at once for a local start, from the common start for a sharded one (whose barrier may
  // wait for other machines' shards).
  let overrun: NodeJS.Timeout | undefined;
  const armOverrun = (untilStartMs: number): void => {
    overrun = setTimeout(
      onAbort,
      Math.max(0, untilStartMs) + run.phase.durationMs + run.plan.timeoutMs + OVERRUN_GRACE_MS,
    );
    overrun.unref();
  };
  const go = (): void => {
    if (run.start === undefined) {
      send({ type: 'go', startAtEpochMs: performance.timeOrigin + performance.now() + START_LEAD_MS });
      return;
    }
    run.start().then(
      (startAtEpochMs) => {
        if (signal?.aborted) return;
        armOverrun(startAtEpochMs - (performance.timeOrigin + performance.now()));
        send({ type: 'go', startAtEpochMs });
      },
      (error: unknown) => {
        startError = { error };
        onAbort();
      },
    );
  };
  for (let worker = 0; worker < workers; worker++) {
    const channel = new MessageChannel();
    const port = channel.port1;
    ports.push(port);
    done.push(
      new Promise<void>((resolve) => {
        port.on('message', (message: WorkerMessage) => {
          if (message.type === 'sample') {
            merger.add(message.second, message.requests, message.errors, message.histogram, message.kinds);
          } else if (message.type === 'ready') {
            ready++;
            if (ready === workers && !signal?.aborted) go();
          } else if (message.type === 'done') {
            resolve();
          }
        });
        port.on('close', () => resolve());
      }),
    );
    const task: WorkerTask = {
      target: run.target,
      phase: run.phase,
      requests: run.plan.requests,
      expectStatus: run.plan.expectStatus,
      timeoutMs: run.plan.timeoutMs,
      // Worker w of shard s of S sends global share s + S·w of S·W: arrival k goes to shard k mod S,
      // then to that shard's workers in turn (arrival-schedule.ts).
      workerIndex: run.shard.index + run.shard.count * worker,
      workerCount: run.shard.count * workers,
      env: run.env,
      seed: run.seed,
      phasePosition: run.phasePosition,
      port: channel.port2,
    };
    if (run.timeline !== undefined) task.timeline = run.timeline;
    if (run.servername !== undefined) task.servername = run.servername;
    tasks.push(pool.run(task, { transferList: [channel.port2] }));
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  if (run.start === undefined) armOverrun(0);
  try {
    const settled = await settleWorkers(tasks, signal);
    // Samples travel on the workers' ports, results on piscina's: wait for each worker's `done` so
    // the last second is merged before the phase is.
    await Promise.race([Promise.all(done), delay(1000)]);
    if (startError !== undefined) throw startError.error;
    return settled;
  } finally {
    clearTimeout(overrun);
    signal?.removeEventListener('abort', onAbort);
    merger.flush();
    for (const port of ports) port.close();
  }
}

/**
 * The arrivals of each timeline phase, copied once onto shared memory so every worker reads the same
 * arrays (worker i sends arrivals k ≡ i mod N) without a copy per thread.
 */
async function readTimelines(plan: LoadPlan): Promise<Map<LoadPhase, WorkerTimeline>> {
  const timelines = new Map<LoadPhase, WorkerTimeline>();
  for (const phase of [...(plan.warmup ? [plan.warmup] : []), ...plan.phases]) {
    const spec = phase.load.model === 'open' ? phase.load.timeline : undefined;
    if (spec === undefined) continue;
    const arrivals = await readTimelineFile(spec, plan.requests.length);
    const offsetsMs = new Float64Array(new SharedArrayBuffer(arrivals.offsetsMs.byteLength));
    offsetsMs.set(arrivals.offsetsMs);
    const requestIndex = new Uint32Array(new SharedArrayBuffer(arrivals.requestIndex.byteLength));
    requestIndex.set(arrivals.requestIndex);
    timelines.set(phase, { offsetsMs, requestIndex, speed: spec.speed });
  }
  return timelines;
}

/** Waits for every worker; after an abort, workers that do not return within the grace time count as empty. */
async function settleWorkers(
  tasks: Array<Promise<WorkerResult>>,
  signal: AbortSignal | undefined,
): Promise<WorkerResult[]> {
  const all = Promise.all(tasks).catch((error: unknown) => {
    throw new PeakgateError('PG_ERR_LOAD_FAILED', `a load worker failed: ${describe(error)}`, { cause: error });
  });
  if (!signal) return all;
  let arm = (): void => {};
  const graceAfterAbort = new Promise<WorkerResult[] | undefined>((resolve) => {
    arm = (): void => {
      setTimeout(() => resolve(undefined), ABORT_GRACE_MS).unref();
    };
  });
  if (signal.aborted) arm();
  else signal.addEventListener('abort', arm, { once: true });
  // The caller's signal outlives this phase (a comparison runs many): leave no listener on it.
  const first = await Promise.race([all, graceAfterAbort]).finally(() => signal.removeEventListener('abort', arm));
  if (first) return first;
  // Keep whatever workers did return in time.
  const partial = await Promise.all(
    tasks.map((task) => Promise.race([task, Promise.resolve(undefined)]).catch(() => undefined)),
  );
  all.catch(() => {});
  return partial.filter((result): result is WorkerResult => result !== undefined);
}

function assertConnectionsPerWorker(plan: LoadPlan, workers: number): void {
  for (const phase of [...(plan.warmup ? [plan.warmup] : []), ...plan.phases]) {
    const load = phase.load as { connections?: number; maxConnections?: number };
    const connections = Math.max(load.connections ?? 0, load.maxConnections ?? 0);
    if (connections > MAX_CONNECTIONS_PER_WORKER * workers)
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `phase ${phase.name}: ${connections} connections over ${workers} load worker${workers === 1 ? '' : 's'} is more than ${MAX_CONNECTIONS_PER_WORKER} per worker; lower connections (or max_connections) or run more workers`,
      );
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
