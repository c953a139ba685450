/**
 * One trial, the only place peakgate runs and measures a build: a fresh service, a discarded
 * warm-up, the measured phases, and the service's CPU and memory over exactly the measured window
 * (cumulative CPU read at the window's edges). Comparisons run it per side and round; `peakgate
 * run --service` and the HTTP API run it once through runSingle.
 *
 * A build that ends on its own during the warm-up stops the load at once (there is nothing left to
 * warm); one that ends during the measured phases is recorded as crashed when the load is done.
 */
import {
  type BuildSpec,
  cpuPerRequestMs,
  type DependencyFigures,
  type Role,
  type Scenario,
  type ServiceExit,
  type TrialResult,
} from '@peakgate/core';
import { AbortWatch } from './abort-watch.js';
import type { Barrier } from './barrier.js';
import type { LoadRunner, ResourceReading, RunningService, ServiceLauncher } from './ports.js';
import type { ProgressListener } from './progress.js';
import { type MeasuredWindow, ResourceSampler } from './resource-sampler.js';
import type { RoundStop } from './round-stop.js';

export interface TrialContext {
  runId: string;
  role: Role;
  round: number;
  order: number;
  build: BuildSpec;
  scenario: Scenario;
  launcher: ServiceLauncher;
  loadRunner: LoadRunner;
  outDir: string;
  serviceCpuset?: string;
  loadCpuset?: string;
  loadWorkers: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Resource sampling period; the design asks for about one second. */
  sampleEveryMs?: number;
  /**
   * The round's seed, the same for both sides (common random numbers): the load's every random draw
   * derives from it, and the trial records it.
   */
  seed?: number;
  /** Duet rounds: both sides meet here before the warm-up and before the measured window. */
  barrier?: Barrier;
  /**
   * Comparisons: stops the round at once when the candidate fails mid-trial (crash, OOM kill,
   * error burst, compare.abort_on); the candidate's trial triggers it, every trial of the round
   * stops its load on it.
   */
  roundStop?: RoundStop;
}

export async function runTrial(ctx: TrialContext): Promise<TrialResult> {
  const emit = ctx.onProgress ?? (() => {});
  emit({ type: 'trial-started', runId: ctx.runId, role: ctx.role, round: ctx.round, order: ctx.order });
  try {
    const trial = await measureTrial(ctx);
    emit({ type: 'trial-finished', runId: ctx.runId, trial });
    return trial;
  } finally {
    // Whatever path this side took, the other side of a duet must not wait for it any longer.
    ctx.barrier?.leave();
  }
}

async function measureTrial(ctx: TrialContext): Promise<TrialResult> {
  const { role, round, order, runId } = ctx;
  const emit = ctx.onProgress ?? (() => {});
  const base = {
    role,
    round,
    order,
    ...(ctx.seed !== undefined ? { seed: ctx.seed } : {}),
    ...(ctx.loadCpuset !== undefined ? { loadCpuset: ctx.loadCpuset } : {}),
  };

  const started = await ctx.launcher.start(ctx.build, ctx.scenario.service, {
    runId,
    role,
    trial: order,
    outDir: ctx.outDir,
    ...(ctx.serviceCpuset !== undefined ? { cpuset: ctx.serviceCpuset } : {}),
    ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}),
  });
  if (!started.ok) {
    // An engine that stopped fails every start: the sandbox, not the build.
    if (ctx.signal?.aborted !== true) await ctx.launcher.assertEngine?.();
    // A candidate that never got ready has failed: the other side of a duet need not be loaded.
    if (role === 'candidate')
      ctx.roundStop?.stop({ by: role, kind: 'not-ready', detail: started.exit.message ?? 'never ready', afterMs: 0 });
    return { ...base, load: null, service: null, exit: started.exit };
  }
  const service = started.service;
  const withLog = { ...base, logPath: service.logPath };
  emit({ type: 'service-ready', runId, role, round, readyMs: service.readyMs, url: service.url });

  let sampler: Promise<ResourceSampler> | undefined;
  // Dependencies' CPU and memory at the measured window's edges (reported, not judged).
  let dependencyStart: Promise<(ResourceReading | undefined)[]> | undefined;
  let dependencyEnd: Promise<(ResourceReading | undefined)[]> | undefined;
  // A build that dies in the warm-up is bad; stop its load at once rather than aim it at nothing.
  const endedInWarmup = new AbortController();
  let loadStartedAt = performance.now();
  const roundStop = ctx.roundStop;
  const watch =
    role === 'candidate' && roundStop !== undefined ? new AbortWatch(ctx.scenario.compare.abortOn) : undefined;
  // A killed engine leaves its containers running under their shims, so nothing ends the load:
  // ping it during the load too, and stop at once when it is gone.
  const engine = new EngineWatch(ctx.launcher);
  void service.exited.then((exit) => {
    if (sampler === undefined) endedInWarmup.abort();
    // The candidate died on its own: stop the round now, not when its phases would have ended.
    if (watch !== undefined && exit.crashed && ctx.signal?.aborted !== true)
      roundStop?.stop({
        by: role,
        kind: exit.oomKilled ? 'oom-killed' : 'crashed',
        detail: exit.message ?? 'exited while serving',
        afterMs: Math.round(performance.now() - loadStartedAt),
      });
  });
  try {
    const plan = ctx.scenario.load;
    const lastMeasured = plan.phases.length - 1;
    let window: Promise<MeasuredWindow> | undefined;
    await ctx.barrier?.arrive();
    loadStartedAt = performance.now();
    if (plan.warmup !== undefined) emit({ type: 'phase', runId, role, round, stage: 'warmup' });
    // One load run for warm-up and measured phases: the generator's worker threads stay warm (a
    // fresh thread runs cold code for its first second and would send late), and the service's
    // CPU is read at the measured window's edges from the phase events.
    const load = await ctx.loadRunner.run({
      target: service.url,
      ...(service.allowHosts !== undefined ? { allowHosts: service.allowHosts } : {}),
      plan,
      workers: ctx.loadWorkers,
      owner: { runId, role },
      ...(ctx.seed !== undefined ? { seed: ctx.seed } : {}),
      ...(ctx.loadCpuset !== undefined ? { cpuset: ctx.loadCpuset } : {}),
      signal: AbortSignal.any(
        [ctx.signal, endedInWarmup.signal, roundStop?.signal, engine.lost].filter(
          (s): s is AbortSignal => s !== undefined,
        ),
      ),
      onSample: (sample) => {
        if (sample.warmup === true) return;
        emit({ type: 'sample', runId, role, round, sample });
        const cause = watch?.add(sample);
        if (cause !== undefined)
          roundStop?.stop({ by: role, ...cause, afterMs: Math.round(performance.now() - loadStartedAt) });
      },
      onPhase: (event) => {
        if (event.warmup) return;
        if (event.type === 'start' && event.index === 0) {
          emit({ type: 'phase', runId, role, round, stage: 'measured' });
          // A build with nothing to read (already deployed, no CPU source) has load figures only.
          const read = service.read?.bind(service);
          if (read !== undefined) sampler = ResourceSampler.start({ read }, ctx.sampleEveryMs ?? 1000);
          dependencyStart = readDependencies(service);
        }
        if (event.type === 'end' && event.index === lastMeasured && sampler !== undefined) {
          window = sampler.then((running) => running.finish());
          dependencyEnd = readDependencies(service);
        }
      },
    });
    // An engine that stops ends every container it runs: that is the sandbox failing (exit 3), not
    // the build crashing. Asked before the exit is read as a crash.
    engine.stop();
    if (ctx.signal?.aborted !== true) {
      // Lost during the load (even if it answers again now, the load was cut): the sandbox failed.
      if (engine.error !== undefined) throw engine.error;
      await ctx.launcher.assertEngine?.();
    }
    // Interrupted inside the measured window: close it where the load stopped.
    if (window === undefined && sampler !== undefined) window = sampler.then((running) => running.finish());
    // Ended on its own before we stopped it: a crash or an OOM kill. After Ctrl-C whatever ended
    // the service was the interruption, not the build.
    const crashed = ctx.signal?.aborted === true ? undefined : await settledNow(service.exited);
    const abort = roundStop?.abort;
    const withAbort = abort === undefined ? withLog : { ...withLog, abort };
    if (window === undefined || load.requests.total === 0) {
      // Stopped before the measured window (a crash in the warm-up, or Ctrl-C): no figures to judge.
      // Or a build with no CPU source: its load figures stand, `service: null` says CPU was not read.
      // A crash keeps its load (what was sent): `load: null` means the build never got ready.
      const exit = await stopQuietly(service, crashed);
      return {
        ...withAbort,
        load: crashed !== undefined || load.requests.total > 0 ? load : null,
        service: null,
        exit,
      };
    }
    const measured = await window;
    dependencyEnd ??= readDependencies(service);
    const dependencies = await dependencyFigures(service, dependencyStart, dependencyEnd);
    const exit = await stopQuietly(service, crashed);
    const cpuSeconds = measured.cpuNanos / 1e9;
    return {
      ...withAbort,
      load,
      service: {
        cpuSeconds,
        cpuPerRequestMs: cpuPerRequestMs(cpuSeconds, load.requests.total),
        memoryPeakBytes: measured.memoryPeakBytes,
        readyMs: service.readyMs,
        // Where it really ran: a driver that could not pin (no taskset) reports none.
        ...(service.cpuset !== undefined ? { cpuset: service.cpuset } : {}),
        samples: measured.samples,
      },
      ...(dependencies.length > 0 ? { dependencies } : {}),
      exit,
    };
  } finally {
    engine.stop();
    (await sampler?.catch(() => undefined))?.cancel();
    await stopQuietly(service, undefined);
  }
}

/** How often the engine is pinged during a load; two failures in a row mean it is gone. */
const ENGINE_PING_EVERY_MS = 2000;

/**
 * Pings the launcher's engine (docker) while a load runs; `lost` aborts after two failed pings in a
 * row (one slow answer on a busy machine is not a lost engine). The trial's own check after the
 * load then throws PG_ERR_RUNTIME_UNREACHABLE. Does nothing for a launcher without an engine.
 */
class EngineWatch {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private pending = false;
  /** The last failed ping's error (PG_ERR_RUNTIME_UNREACHABLE) once the engine counts as lost. */
  error: unknown;

  constructor(launcher: ServiceLauncher) {
    const assertEngine = launcher.assertEngine?.bind(launcher);
    if (assertEngine === undefined) return;
    this.timer = setInterval(() => {
      if (this.pending) return;
      this.pending = true;
      assertEngine().then(
        () => {
          this.failures = 0;
          this.pending = false;
        },
        (error: unknown) => {
          this.failures += 1;
          this.pending = false;
          if (this.failures < 2 || this.controller.signal.aborted) return;
          this.error = error;
          this.controller.abort(error);
        },
      );
    }, ENGINE_PING_EVERY_MS);
    this.timer.unref();
  }

  get lost(): AbortSignal | undefined {
    return this.timer === undefined ? undefined : this.controller.signal;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function readDependencies(service: RunningService): Promise<(ResourceReading | undefined)[]> {
  return Promise.all((service.dependencies ?? []).map((d) => d.read().catch(() => undefined)));
}

async function dependencyFigures(
  service: RunningService,
  start: Promise<(ResourceReading | undefined)[]> | undefined,
  end: Promise<(ResourceReading | undefined)[]> | undefined,
): Promise<DependencyFigures[]> {
  const [first, last] = await Promise.all([start ?? [], end ?? []]);
  return (service.dependencies ?? []).map((dependency, index) => {
    const a = first[index];
    const b = last[index];
    return {
      name: dependency.name,
      cpuSeconds: a !== undefined && b !== undefined ? Math.max(0, b.cpuNanos - a.cpuNanos) / 1e9 : null,
      memoryPeakBytes: a !== undefined || b !== undefined ? Math.max(a?.memoryBytes ?? 0, b?.memoryBytes ?? 0) : null,
      readyMs: dependency.readyMs,
      address: dependency.address,
    };
  });
}

/** The value of a promise if it has already settled, else undefined, without waiting. */
async function settledNow<T>(promise: Promise<T>): Promise<T | undefined> {
  const pending = Symbol('pending');
  const value = await Promise.race([promise, new Promise<typeof pending>((resolve) => setImmediate(resolve, pending))]);
  return value === pending ? undefined : (value as T);
}

/** Stops once (later calls are no-ops in the drivers) and prefers the crash record over the stop record. */
async function stopQuietly(service: RunningService, crash: ServiceExit | undefined): Promise<ServiceExit> {
  const stopped = await service.stop();
  if (crash === undefined) return stopped;
  return { ...crash, logTail: crash.logTail.length > 0 ? crash.logTail : stopped.logTail };
}
