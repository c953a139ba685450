/**
 * `peakgate run <scenario> --target URL [--workers N] [--json] [--allow-target HOST]`: drives one
 * side only (no verdict) for replays and capacity checks. The "load + summarise + print" part is
 * {@link runLoadAndReport}, so a later `--service REF` (start a build via @peakgate/runtime, then
 * load it) only has to supply a target URL.
 *
 * Exit codes: 0 when the run completed (errors in the target are figures, not failures), 2 for bad
 * flags, a bad scenario or a refused target, 3 if the load engine failed, 130 after Ctrl-C/SIGTERM
 * (the partial figures are printed first, marked interrupted).
 */
import { type LoadPlan, type LoadResult, loadScenarioFile, PeakgateError, type SecondSample } from '@peakgate/core';
import type { Command } from 'commander';
import { onInterrupt } from '../interrupt.js';
import type { Output } from '../output.js';
import type { SetExitCode } from './index.js';
import { renderLoadSummary } from './run-summary.js';

interface RunFlags {
  target?: string;
  workers?: string;
  json?: boolean;
  allowTarget: string[];
}

/** Exit code of an interrupted run (128 + SIGINT), after the partial figures are printed. */
export const INTERRUPTED_EXIT_CODE = 130;

export function registerRun(program: Command, output: Output, setExitCode: SetExitCode): void {
  program
    .command('run')
    .description('drive a scenario against one running target (no baseline, no verdict)')
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .option('--target <url>', 'base URL of the running service, e.g. http://127.0.0.1:8080 (loopback only by default)')
    .option('--workers <n>', 'load worker threads (default: available cores minus one, at least 1)')
    .option('--json', 'print only the LoadResult JSON on stdout')
    .option(
      '--allow-target <host>',
      'allow this non-loopback target host (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (file: string, flags: RunFlags) => {
      if (flags.target === undefined) {
        throw new PeakgateError('PG_ERR_OPTS_INVALID', 'run: --target URL is required');
      }
      const workers = parseWorkers(flags.workers);
      // Check the target before reading the scenario's load: a refusal sends nothing and starts nothing.
      const { assertTargetAllowed } = await import('@peakgate/loadgen');
      assertTargetAllowed(flags.target, flags.allowTarget);
      const scenario = await loadScenarioFile(file);
      const result = await runLoadAndReport({
        target: flags.target,
        plan: scenario.load,
        workers,
        allowHosts: flags.allowTarget,
        json: flags.json === true,
        output,
      });
      setExitCode(result.interrupted ? INTERRUPTED_EXIT_CODE : 0);
    });
}

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 256) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--workers: expected an integer from 1 to 256, got "${value}"`);
  }
  return n;
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
}

/** Runs the load, streams progress, prints the summary (or JSON) and returns the result. */
export async function runLoadAndReport(options: LoadAndReportOptions): Promise<LoadResult> {
  const { output, json } = options;
  const { runLoad } = await import('@peakgate/loadgen');
  const interrupt = options.signal
    ? undefined
    : onInterrupt((signal) => output.info(`peakgate: ${signal}: stopping the load, printing what was measured`));
  const progress = options.progress ?? (!json && process.stderr.isTTY === true);
  try {
    const result = await runLoad({
      target: options.target,
      plan: options.plan,
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      allowHosts: options.allowHosts ?? [],
      signal: options.signal ?? interrupt?.signal,
      onSample: progress ? (sample) => output.info(progressLine(sample)) : undefined,
      onPhase: progress
        ? (event) => {
            if (event.type === 'start')
              output.info(`${event.warmup ? 'warm-up' : 'phase'} ${event.phase} (${event.durationMs / 1000}s)`);
          }
        : undefined,
    });
    output.result(json ? `${JSON.stringify(result, null, 2)}\n` : renderLoadSummary(result));
    return result;
  } finally {
    interrupt?.dispose();
  }
}

function progressLine(sample: SecondSample): string {
  const label = sample.warmup ? 'warm-up' : `${String(sample.second + 1).padStart(3)}s`;
  return `${label} ${sample.phase.padEnd(10)} ${String(sample.requests).padStart(7)} req ${String(sample.errors).padStart(6)} err  p50 ${sample.p50Ms.toFixed(2)} ms  p99 ${sample.p99Ms.toFixed(2)} ms`;
}
