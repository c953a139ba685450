/**
 * `peakgate run <scenario> --service REF`: starts one build with a @peakgate/runtime driver, waits
 * for it to be ready, runs the scenario's warm-up and then its measured load at it, and adds the
 * service's own figures (CPU over the measured load, memory peak, time to ready) to the result.
 * The service is stopped and removed on every path: success, error, Ctrl-C/SIGTERM.
 *
 * Driver without --driver: process when --service-cwd is given, else docker when a Docker engine
 * is reachable, else process. On a machine with two or more cores the service runs on the last
 * core(s) and this process (the load engine's threads included) on the others.
 *
 * Returns the exit code: 0 done, 1 the build is bad (never ready, crashed during the load),
 * 130 interrupted during the measured load (partial figures printed). Infrastructure errors
 * (no engine, image missing, port taken) are thrown as PeakgateErrors for main to map (exit 3).
 */
import { randomUUID } from 'node:crypto';
import type { ComparisonMetrics, MeasuredWindow, Pinning, ResourceSampler } from '@peakgate/controller';
import { type BuildSpec, type LoadResult, loadScenarioFile, PeakgateError, type ServiceExit } from '@peakgate/core';
import type { StartedService } from '@peakgate/runtime';
import { parseDriver } from '../comparison/resolve-builds.js';
import { onInterrupt } from '../interrupt.js';
import type { Output } from '../output.js';
import { runDirectory } from '../run-dir.js';
import { driveLoad, INTERRUPTED_EXIT_CODE, printRunResult } from './run.js';
import type { ServiceRunFigures } from './run-summary.js';

/** Exit code of a run whose build is bad (never ready, crashed): the same meaning as a fail verdict. */
const BAD_BUILD_EXIT_CODE = 1;
/** Resource sampling period during the measured load; the design asks for about one second. */
const SAMPLE_EVERY_MS = 1000;

export interface RunServiceOptions {
  /** Scenario file. */
  file: string;
  /** Image (docker driver) or shell command (process driver). */
  ref: string;
  /** `--driver` as typed, if given. */
  driver?: string | undefined;
  /** Working directory of the command (process driver). */
  cwd?: string | undefined;
  /** Where the service log goes; default a fresh .peakgate/runs/<time> directory. */
  outDir?: string | undefined;
  workers?: number | undefined;
  json: boolean;
  output: Output;
  /** Live Prometheus metrics (--metrics-port, --pushgateway), role `target`. */
  metrics?: ComparisonMetrics | undefined;
}

export async function runService(options: RunServiceOptions): Promise<number> {
  const { output, ref } = options;
  const requested = parseDriver(options.driver);
  if (options.cwd !== undefined && requested === 'docker') {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', '--service-cwd applies to the process driver, not --driver docker');
  }
  const scenario = await loadScenarioFile(options.file);
  const [runtime, { pinProcess, planCpus, ResourceSampler }] = await Promise.all([
    import('@peakgate/runtime'),
    import('@peakgate/controller'),
  ]);
  const driver =
    requested ?? (options.cwd !== undefined ? 'process' : (await runtime.dockerAvailable()) ? 'docker' : 'process');
  const build: BuildSpec =
    driver === 'docker'
      ? { kind: 'image', image: ref }
      : {
          kind: 'command',
          command: ref,
          ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
          env: scenario.candidate?.kind === 'command' ? scenario.candidate.env : {},
        };
  const { cpus, cpuset } = scenario.service.resources;
  const cpu = planCpus({ ...(cpus !== undefined ? { cpus } : {}), ...(cpuset !== undefined ? { cpuset } : {}) });
  const runId = randomUUID().slice(0, 8);
  const outDir = runDirectory(options.outDir);
  const progress = !options.json && process.stderr.isTTY === true;
  const interrupt = onInterrupt((signal) =>
    output.info(`peakgate: ${signal}: stopping the load and removing the service`),
  );
  const { signal } = interrupt;
  output.info(`peakgate: starting ${driver} service ${ref} (run ${runId}); logs in ${outDir}`);

  let service: StartedService | undefined;
  let pinning: Pinning | undefined;
  try {
    try {
      service = await runtime.createDriver(driver).start(build, scenario.service, {
        runId,
        role: 'candidate',
        outDir,
        trial: 0,
        ...(cpu.serviceCpuset !== undefined ? { cpuset: cpu.serviceCpuset } : {}),
        signal,
      });
    } catch (error) {
      if (runtime.isServiceNotReadyError(error)) {
        reportBadBuild(output, `${error.message} [${error.code}]`, error.exit, `${outDir}/candidate-0.log`);
        return BAD_BUILD_EXIT_CODE;
      }
      throw interrupted(error, signal, 'interrupted while the service was starting');
    }
    output.info(`peakgate: service ready at ${service.url} in ${service.readyMs} ms; log ${service.logPath}`);
    // Pin the load apart only when the service really is pinned (taskset may be missing).
    if (service.cpuset !== undefined && cpu.loadCpuset !== undefined) pinning = pinProcess(cpu.loadCpuset);
    const loadCpuset = pinning?.applied === true ? (cpu.loadCpuset ?? null) : null;
    const workers = options.workers ?? (loadCpuset !== null ? cpu.loadWorkers : undefined);

    // One load run for warm-up and measured phases, as a comparison's trials do: the generator's
    // threads and (open model) connections stay warm into the measured window, and the service's
    // CPU is read at that window's edges from the phase events.
    const plan = scenario.load;
    const lastMeasured = plan.phases.length - 1;
    const started = service;
    let lastCpuNanos: number | undefined;
    const source = {
      read: async () => {
        const reading = await started.sample();
        const delta = lastCpuNanos === undefined ? 0 : reading.cpuNanos - lastCpuNanos;
        lastCpuNanos = reading.cpuNanos;
        options.metrics?.observeReading('target', Math.max(0, delta) / 1e9, reading.memoryBytes);
        return reading;
      },
    };
    let sampler: Promise<ResourceSampler> | undefined;
    let window: Promise<MeasuredWindow> | undefined;
    // A build that dies during the warm-up is bad; stop the load at once rather than aim it at nothing.
    const stopLoad = new AbortController();
    let endedInWarmup = false;
    void started.exited.then(() => {
      if (sampler === undefined && !signal.aborted) {
        endedInWarmup = true;
        stopLoad.abort();
      }
    });
    let result: LoadResult;
    try {
      result = await driveLoad({
        target: started.url,
        plan,
        workers,
        progress,
        output,
        signal: AbortSignal.any([signal, stopLoad.signal]),
        onSample: (sample) => options.metrics?.observeSample('target', sample),
        onPhase: (event) => {
          if (event.warmup) return;
          if (event.type === 'start' && event.index === 0) sampler = ResourceSampler.start(source, SAMPLE_EVERY_MS);
          if (event.type === 'end' && event.index === lastMeasured && sampler !== undefined) {
            window = sampler.then((running) => running.finish());
          }
        },
      });
    } catch (error) {
      (await sampler?.catch(() => undefined))?.cancel();
      throw error;
    }
    if (endedInWarmup) {
      reportBadBuild(output, 'the service ended during the warm-up', await started.exited, started.logPath);
      return BAD_BUILD_EXIT_CODE;
    }
    if (sampler === undefined) {
      throw new PeakgateError('PG_ERR_INTERRUPTED', 'interrupted during the warm-up; nothing was measured');
    }
    // Interrupted inside the measured window: close it where the load stopped.
    window ??= sampler.then((running) => running.finish());
    const measured = await window;
    // Ended on its own before we stopped it: a crash or an OOM kill during the load. After Ctrl-C
    // the runtime's cleanup registry may have stopped it already; that is no crash.
    const crash = service.hasExited && !signal.aborted ? await service.exited : undefined;
    const stopped = await service.stop();
    const cpuSeconds = measured.cpuNanos / 1e9;
    const figures: ServiceRunFigures = {
      run_id: runId,
      driver,
      ref,
      ready_ms: service.readyMs,
      cpu_seconds: cpuSeconds,
      cpu_per_request_ms: result.requests.total > 0 ? (cpuSeconds * 1000) / result.requests.total : 0,
      memory_peak_bytes: measured.memoryPeakBytes,
      cpuset: service.cpuset ?? null,
      load_cpuset: loadCpuset,
      log_path: stopped.logPath,
      crashed: crash !== undefined,
    };
    printRunResult(result, { json: options.json, output, service: figures });
    if (crash !== undefined) {
      reportBadBuild(output, 'the service ended during the measured load', crash, stopped.logPath);
      return BAD_BUILD_EXIT_CODE;
    }
    return result.interrupted ? INTERRUPTED_EXIT_CODE : 0;
  } catch (error) {
    throw interrupted(error, signal, 'interrupted before the load finished');
  } finally {
    pinning?.restore();
    // Idempotent in the drivers; on an error path its own failure must not hide the first one.
    await service?.stop().catch(() => {});
    // After Ctrl-C our handler stays: the runtime's cleanup registry re-raises the signal when no
    // one else listens, which would kill the process before main prints and exits 130.
    if (!signal.aborted) interrupt.dispose();
  }
}

/** After Ctrl-C every failure is reported as the interruption it follows from (exit 130). */
function interrupted(error: unknown, signal: AbortSignal, message: string): unknown {
  if (!signal.aborted || (error instanceof PeakgateError && error.code === 'PG_ERR_INTERRUPTED')) return error;
  return new PeakgateError('PG_ERR_INTERRUPTED', message, { cause: error });
}

function reportBadBuild(output: Output, headline: string, exit: ServiceExit, logPath: string): void {
  output.error(`peakgate: ${headline}`);
  if (exit.message !== undefined && !headline.includes(exit.message)) output.error(`  ${exit.message}`);
  if (exit.logTail.length > 0) {
    output.error(`last log lines (${logPath}):`);
    for (const line of exit.logTail.slice(-20)) output.error(`  ${line}`);
  }
  output.error('peakgate: the build is bad (exit 1)');
}
