/**
 * `peakgate run <scenario> (--target URL | --service REF) [--driver docker|process] [--service-cwd DIR]
 *  [--workers N] [--out DIR] [--json] [--allow-target HOST]`: drives one side only (no verdict) for
 * replays and capacity checks. With --target the service is already running; with --service
 * peakgate starts the build, loads it and adds its CPU and memory figures (run-service.ts).
 *
 * Exit codes: 0 when the run completed (errors in the target are figures, not failures), 1 when a
 * started service never got ready or crashed during the load (the build is bad), 2 for bad flags,
 * a bad scenario or a refused target, 3 if the load engine or the sandbox failed (no Docker
 * engine, image missing), 130 after Ctrl-C/SIGTERM (the partial figures are printed first, marked
 * interrupted).
 */
import { type LoadPlan, type LoadResult, loadScenarioFile, PeakgateError, type SecondSample } from '@peakgate/core';
import type { PhaseEvent } from '@peakgate/loadgen';
import type { Command } from 'commander';
import { onInterrupt } from '../interrupt.js';
import { METRICS_OPTIONS, type MetricsFlags, startMetricsExport } from '../metrics-export.js';
import type { Output } from '../output.js';
import type { SetExitCode } from './index.js';
import { renderLoadSummary, renderServiceSummary, type ServiceRunFigures } from './run-summary.js';

interface RunFlags extends MetricsFlags {
  target?: string;
  service?: string;
  driver?: string;
  serviceCwd?: string;
  out?: string;
  workers?: string;
  json?: boolean;
  allowTarget: string[];
}

/** Exit code of an interrupted run (128 + SIGINT), after the partial figures are printed. */
export const INTERRUPTED_EXIT_CODE = 130;

export function registerRun(program: Command, output: Output, setExitCode: SetExitCode): void {
  program
    .command('run')
    .description('drive a scenario against one target or one started build (no baseline, no verdict)')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('--target <url>', 'base URL of the running service, e.g. http://127.0.0.1:8080 (loopback only by default)')
    .option(
      '--service <ref>',
      'start this build, load it, report its CPU and memory, then remove it: an image (docker driver) or a shell command that listens on $PORT (process driver)',
    )
    .option(
      '--driver <name>',
      'with --service: docker or process (default: docker when a Docker engine is reachable, else process; --service-cwd implies process)',
    )
    .option('--service-cwd <dir>', 'working directory of the --service command (process driver)')
    .option('--out <dir>', 'with --service: directory for the service log (default: .peakgate/runs/<time>)')
    .option('--workers <n>', 'load worker threads (default: available cores minus one, at least 1)')
    .option('--json', 'print only the LoadResult JSON on stdout (with --service, plus a "service" object)')
    .option(
      '--allow-target <host>',
      'allow this non-loopback target host (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 done; 1 the --service build never got ready or crashed during the load (the build is bad;\nthe readiness message and its last log lines are printed); 2 bad flags or scenario; 3 sandbox failure\n(no Docker engine, image missing, port taken, load engine); 130 interrupted.',
    )
    .option(...METRICS_OPTIONS.port)
    .option(...METRICS_OPTIONS.host)
    .option(...METRICS_OPTIONS.pushgateway)
    .action(async (file: string, flags: RunFlags) => {
      if (flags.target !== undefined && flags.service !== undefined) {
        throw new PeakgateError('PG_ERR_OPTS_INVALID', 'run: --target and --service exclude each other; give one');
      }
      if (flags.target === undefined && flags.service === undefined) {
        throw new PeakgateError('PG_ERR_OPTS_INVALID', 'run: give --target URL (a running service) or --service REF');
      }
      const workers = parseWorkers(flags.workers);
      if (flags.service !== undefined) {
        const { runService } = await import('./run-service.js');
        const exported = await startMetricsExport(flags, (await loadScenarioFile(file)).name, output);
        const exitCode = await runService({
          ...(exported !== undefined ? { metrics: exported.metrics } : {}),
          file,
          ref: flags.service,
          driver: flags.driver,
          cwd: flags.serviceCwd,
          outDir: flags.out,
          workers,
          json: flags.json === true,
          output,
        }).finally(() => exported?.finish());
        setExitCode(exitCode);
        return;
      }
      for (const [flag, value] of [
        ['--driver', flags.driver],
        ['--service-cwd', flags.serviceCwd],
        ['--out', flags.out],
      ] as const) {
        if (value !== undefined) throw new PeakgateError('PG_ERR_OPTS_INVALID', `run: ${flag} needs --service`);
      }
      const target = flags.target as string;
      // Check the target before reading the scenario's load: a refusal sends nothing and starts nothing.
      const { assertTargetAllowed } = await import('@peakgate/loadgen');
      assertTargetAllowed(target, flags.allowTarget);
      const scenario = await loadScenarioFile(file);
      const exported = await startMetricsExport(flags, scenario.name, output);
      exported?.metrics.begin(scenario.name, scenario.load);
      const result = await runLoadAndReport({
        target,
        plan: scenario.load,
        workers,
        allowHosts: flags.allowTarget,
        json: flags.json === true,
        output,
        ...(exported !== undefined ? { onSample: (sample) => exported.metrics.observeSample('target', sample) } : {}),
      }).finally(() => exported?.finish());
      setExitCode(result.interrupted ? INTERRUPTED_EXIT_CODE : 0);
    });
}

export function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 256) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--workers: expected an integer from 1 to 256, got "${value}"`);
  }
  return n;
}

export interface DriveLoadOptions {
  target: string;
  plan: LoadPlan;
  workers?: number | undefined;
  allowHosts?: readonly string[];
  /** Progress lines on stderr. */
  progress: boolean;
  output: Output;
  signal?: AbortSignal | undefined;
  /** Phase starts and ends (warm-up included), e.g. to read the service's CPU at the measured window's edges. */
  onPhase?: ((event: PhaseEvent) => void) | undefined;
  /** Each second of load (live metrics). */
  onSample?: ((sample: SecondSample) => void) | undefined;
}

/** Runs the load with optional progress lines on stderr; prints no result. */
export async function driveLoad(options: DriveLoadOptions): Promise<LoadResult> {
  const { output, progress } = options;
  const { runLoad } = await import('@peakgate/loadgen');
  return runLoad({
    target: options.target,
    plan: options.plan,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    allowHosts: options.allowHosts ?? [],
    signal: options.signal,
    onSample: (sample) => {
      if (progress) output.info(progressLine(sample));
      options.onSample?.(sample);
    },
    onPhase: (event) => {
      if (progress && event.type === 'start') {
        output.info(`${event.warmup ? 'warm-up' : 'phase'} ${event.phase} (${event.durationMs / 1000}s)`);
      }
      options.onPhase?.(event);
    },
  });
}

/** Prints the LoadResult as JSON (with `service` when given) or as the summary table. */
export function printRunResult(
  result: LoadResult,
  options: { json: boolean; output: Output; service?: ServiceRunFigures },
): void {
  const { json, output, service } = options;
  if (json) {
    output.result(`${JSON.stringify(service === undefined ? result : { ...result, service }, null, 2)}\n`);
    return;
  }
  output.result(renderLoadSummary(result) + (service === undefined ? '' : renderServiceSummary(service)));
}

export interface LoadAndReportOptions {
  target: string;
  plan: LoadPlan;
  workers?: number | undefined;
  allowHosts?: readonly string[];
  /** Print only the LoadResult JSON on stdout (no table, no progress). */
  json: boolean;
  output: Output;
  /** Progress lines on stderr; default: when stderr is a TTY and not --json. */
  progress?: boolean;
  /** Defaults to Ctrl-C / SIGTERM of this process. */
  signal?: AbortSignal;
  /** Each second of load (live metrics). */
  onSample?: (sample: SecondSample) => void;
}

/** Runs the load, streams progress, prints the summary (or JSON) and returns the result. */
export async function runLoadAndReport(options: LoadAndReportOptions): Promise<LoadResult> {
  const { output, json } = options;
  const interrupt = options.signal
    ? undefined
    : onInterrupt((signal) => output.info(`peakgate: ${signal}: stopping the load, printing what was measured`));
  try {
    const result = await driveLoad({
      target: options.target,
      plan: options.plan,
      workers: options.workers,
      allowHosts: options.allowHosts ?? [],
      progress: options.progress ?? (!json && process.stderr.isTTY === true),
      output,
      signal: options.signal ?? interrupt?.signal,
      onSample: options.onSample,
    });
    printRunResult(result, { json, output });
    return result;
  } finally {
    interrupt?.dispose();
  }
}

function progressLine(sample: SecondSample): string {
  const label = sample.warmup ? 'warm-up' : `${String(sample.second + 1).padStart(3)}s`;
  return `${label} ${sample.phase.padEnd(10)} ${String(sample.requests).padStart(7)} req ${String(sample.errors).padStart(6)} err  p50 ${sample.p50Ms.toFixed(2)} ms  p99 ${sample.p99Ms.toFixed(2)} ms`;
}
