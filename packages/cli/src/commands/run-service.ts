/**
 * `peakgate run <scenario> --service REF`: the controller runs one trial of the build (runSingle:
 * start, warm-up, measured load, CPU and memory over the measured window, stop); this module picks
 * the driver, prints progress and the figures, and says how it ended. The service is stopped and
 * removed on every path: success, error, Ctrl-C/SIGTERM.
 *
 * The driver, the build and the runtime settings come from the one run request (controller's
 * run-request.ts): without --driver, process when --service-cwd is given, else docker (REF is an
 * image), and an engine that does not answer is PG_ERR_RUNTIME_UNREACHABLE, as for compare.
 *
 * Outcome: `done`, `bad-build` (never ready, or ended during the warm-up or the measured load:
 * the message and the log tail are printed), `interrupted` (Ctrl-C during the measured load,
 * partial figures printed). Infrastructure errors (no engine, image missing, port taken) and an
 * interruption before anything was measured are thrown as PeakgateErrors for main to map.
 */
import { randomUUID } from 'node:crypto';
import type { ProgressListener } from '@peakgate/controller';
import { loadScenarioFile, PeakgateError, type ServiceExit } from '@peakgate/core';
import { onInterrupt } from '../interrupt.js';
import { type MetricsFlags, startMetricsExport } from '../metrics-export.js';
import type { Output } from '../output.js';
import { runDirectory } from '../run-dir.js';
import type { Outcome } from './command.js';
import { checkRun, reportSloBreach, runSloSpec } from './run-slo-gate.js';
import { printRunResult, progressLine } from './run-summary.js';

export interface RunServiceOptions {
  /** Scenario file. */
  file: string;
  /** Image (docker driver) or shell command (process driver). */
  ref: string;
  /** `--driver` as typed, if given. */
  driver?: string | undefined;
  /** Working directory of the command (process driver). */
  cwd?: string | undefined;
  /** Docker: `--service-host`, where load reaches the published port. */
  serviceHost?: string | undefined;
  /** `--shards N` as typed (swarm driver only). */
  shards?: string | undefined;
  /** Where the service log goes; default a fresh .peakgate/runs/<time> directory. */
  outDir?: string | undefined;
  /** `--force`: use an --out that holds files and no marker of an earlier run (never through a link). */
  force?: boolean | undefined;
  workers?: number | undefined;
  json: boolean;
  output: Output;
  /** --metrics-port, --metrics-host, --pushgateway: live metrics of the build under role `candidate`. */
  metricsFlags?: MetricsFlags;
  /** `--slo KEY=VALUE` flags; empty: the scenario's compare.slo. */
  slo?: readonly string[];
}

export async function runService(options: RunServiceOptions): Promise<Outcome> {
  const { output, ref } = options;
  const scenario = await loadScenarioFile(options.file);
  // Bad --slo flags are usage errors: refused before a service is started.
  const sloSpec = runSloSpec(scenario, options.slo ?? []);
  const controller = await import('@peakgate/controller');
  // One run request (controller's run-request.ts), as for compare; an unreachable engine is an error, never a fall back.
  const request = controller.resolveRunRequest({
    kind: 'run',
    origin: 'cli',
    scenario,
    flags: {
      service: ref,
      driver: options.driver,
      serviceCwd: options.cwd,
      serviceHost: options.serviceHost,
      shards: options.shards,
      ...options.metricsFlags,
    },
    env: process.env,
  });
  const { driver, service: build } = request;
  if (build === undefined) throw new PeakgateError('PG_ERR_INTERNAL', 'a run request without its build');
  await controller.ensureEngine(driver);
  const runId = randomUUID().slice(0, 8);
  const outDir = runDirectory(options.outDir);
  // Before anything starts: no link on the way, not someone else's folder, one run at a time (issue 23).
  const claim = await controller.claimOutputDirectory(outDir, { force: options.force === true });
  const interrupt = onInterrupt((signal) =>
    output.info(`peakgate: ${signal}: stopping the load and removing the service`),
  );
  const { signal } = interrupt;
  output.info(`peakgate: starting ${driver} service ${ref} (run ${runId}); logs in ${outDir}`);
  const exported = await startMetricsExport(options.metricsFlags ?? {}, scenario.name, output).catch(
    async (error: unknown) => {
      await claim.release();
      throw error;
    },
  );
  const seams = controller.runSeams({
    driver,
    runtime: request.runtime,
    ...(request.shards !== undefined ? { shards: request.shards } : {}),
    ...(exported !== undefined ? { metrics: exported.metrics } : {}),
    onProgress: progressPrinter(output, !options.json && process.stderr.isTTY === true),
  });
  try {
    const { trial, cpu } = await controller.runSingle({
      scenario,
      build,
      ...seams,
      outDir,
      runId,
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      signal,
    });
    const { exit, load, service } = trial;
    if (!exit.ready) {
      if (signal.aborted) throw new PeakgateError('PG_ERR_INTERRUPTED', 'interrupted while the service was starting');
      const code = exit.exitCode !== null ? ` with exit code ${exit.exitCode}` : '';
      reportBadBuild(output, `${exit.message ?? 'never ready'}${code} [PG_ERR_RUNTIME_NOT_READY]`, exit, outDir);
      return 'bad-build';
    }
    const ended = exit.crashed || exit.oomKilled;
    if (load === null || service === null) {
      if (ended) {
        reportBadBuild(output, 'the service ended during the warm-up', exit, trial.logPath ?? outDir);
        return 'bad-build';
      }
      if (signal.aborted) {
        throw new PeakgateError('PG_ERR_INTERRUPTED', 'interrupted during the warm-up; nothing was measured');
      }
      throw new PeakgateError('PG_ERR_LOAD_FAILED', 'the measured phases completed no request');
    }
    const slo = load.interrupted || ended ? undefined : checkRun(sloSpec, load, service);
    printRunResult(load, {
      json: options.json,
      output,
      ...(slo === undefined ? {} : { slo }),
      service: {
        runId,
        driver,
        ref,
        readyMs: service.readyMs,
        cpuSeconds: service.cpuSeconds,
        cpuPerRequestMs: service.cpuPerRequestMs,
        memoryPeakBytes: service.memoryPeakBytes,
        cpuset: service.cpuset ?? null,
        loadCpuset: cpu.pinned ? (cpu.loadCpuset ?? null) : null,
        logPath: trial.logPath ?? outDir,
        crashed: ended,
      },
    });
    if (ended) {
      reportBadBuild(output, 'the service ended during the measured load', exit, trial.logPath ?? outDir);
      return 'bad-build';
    }
    if (load.interrupted) return 'interrupted';
    reportSloBreach(output, slo);
    return slo?.verdict === 'fail' ? 'fail' : 'done';
  } catch (error) {
    // After Ctrl-C every failure is reported as the interruption it follows from (exit 130).
    if (!signal.aborted || (error instanceof PeakgateError && error.code === 'PG_ERR_INTERRUPTED')) throw error;
    throw new PeakgateError('PG_ERR_INTERRUPTED', 'interrupted before the load finished', { cause: error });
  } finally {
    // After Ctrl-C our handler stays until the process ends, so that a second signal still leaves
    // at once (a synchronous kill of what is left, exit 130) instead of the default death by signal.
    if (!signal.aborted) interrupt.dispose();
    await exported?.finish();
    await claim.release();
  }
}

/** Readiness always; the phases and per-second lines only for a person at a terminal. */
function progressPrinter(output: Output, perSecond: boolean): ProgressListener {
  return (event) => {
    if (event.type === 'service-ready') {
      output.info(`peakgate: service ready at ${event.url} in ${Math.round(event.readyMs)} ms`);
    } else if (event.type === 'phase' && perSecond) {
      output.info(event.stage === 'warmup' ? 'warm-up' : 'measured load');
    } else if (event.type === 'sample' && perSecond) {
      output.info(progressLine(event.sample));
    }
  };
}

function reportBadBuild(output: Output, headline: string, exit: ServiceExit, logs: string): void {
  output.error(`peakgate: ${headline}`);
  if (exit.message !== undefined && !headline.includes(exit.message)) output.error(`  ${exit.message}`);
  if (exit.logTail.length > 0) {
    output.error(`last log lines (${logs}):`);
    for (const line of exit.logTail.slice(-20)) output.error(`  ${line}`);
  }
  output.error('peakgate: the build is bad');
}
