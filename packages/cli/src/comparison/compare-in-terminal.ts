/**
 * Runs one comparison end to end for `compare` and `demo`: drivers, controller, judge, report
 * files, terminal verdict. Returns the judgement. When the sandbox could not judge (the baseline
 * broke too) the verdict and reports are still printed and written, then PG_ERR_INFRA_BASELINE is
 * thrown. After Ctrl-C or SIGTERM mid-run the report files are written marked `aborted` (what was
 * measured, no verdict), then PG_ERR_INTERRUPTED is thrown. Other errors (no engine, missing
 * image) are thrown as PeakgateErrors too, for main to map to exit codes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ComparisonMetrics, DeployedBuilds, RuntimeSettings } from '@peakgate/controller';
import { type BuildSpec, type ComparisonDriver, type Judgement, PeakgateError, type Scenario } from '@peakgate/core';
import { onInterrupt } from '../interrupt.js';
import { colorEnabled, colorsFor, type Output, processOutput } from '../output.js';
import { writeReportFiles } from '../report-files.js';
import { runDirectory } from '../run-dir.js';
import { appendStepSummary } from '../step-summary.js';
import { progressDisplay, progressMode } from './progress-printer.js';
import { renderVerdict } from './verdict-table.js';

export interface ExecuteComparisonOptions {
  scenario: Scenario;
  /** `url` with `deployed`: builds already running (`--baseline-url`). */
  driver: ComparisonDriver;
  baseline: BuildSpec;
  candidate: BuildSpec;
  deployed?: DeployedBuilds;
  /** The run request's runtime settings (`--service-host`, PEAKGATE_*: controller's run-request.ts). */
  runtime?: RuntimeSettings;
  /** Where report files go; when absent, files go to a temporary run folder (logs) and no report is written. */
  outDir?: string;
  /** `--force`: use an --out that holds files and no marker of an earlier run (never through a link). */
  force?: boolean;
  json: boolean;
  /** --quiet: no progress; the verdict (or --json document) and errors still print. */
  quiet?: boolean;
  output: Output;
  /** Live Prometheus metrics (--metrics-port, --pushgateway): fed with progress events and resource readings. */
  metrics?: ComparisonMetrics;
  /** `--shards N` (swarm driver): each trial's load as N Swarm tasks. */
  shards?: number;
  /** `--seed N`: the run's seed (common random numbers; replays a run's requests). */
  seed?: number;
}

export interface ExecutedComparison {
  /** A judgement with a verdict: one without (infrastructureError) is thrown as PG_ERR_INFRA_BASELINE. */
  judgement: Judgement;
  reportJson: string;
}

export async function executeComparison(options: ExecuteComparisonOptions): Promise<ExecutedComparison> {
  const { output, scenario } = options;
  const { claimOutputDirectory, runJudgedComparison } = await import('@peakgate/controller');
  const outDir = runDirectory(options.outDir);
  // Before anything starts: no link on the way, not someone else's folder, one run at a time (issue 23).
  const claim = await claimOutputDirectory(outDir, { force: options.force === true });
  const interrupt = onInterrupt((signal) =>
    output.info(`peakgate: ${signal}: stopping; removing what this run started`),
  );
  const progress = progressDisplay(output, {
    // Live bars only when stderr is the process's own terminal: an in-process caller's Output
    // (tests, the server) gets plain lines.
    mode: progressMode({ quiet: options.quiet === true, stream: output === processOutput ? process.stderr : {} }),
    warmupSeconds: (scenario.load.warmup?.durationMs ?? 0) / 1000,
    measuredSeconds: scenario.load.phases.reduce((sum, phase) => sum + phase.durationMs, 0) / 1000,
    colors: colorsFor(process.stderr),
  });
  try {
    const { outcome, report, files } = await runJudgedComparison({
      scenario,
      driver: options.driver,
      baseline: options.baseline,
      candidate: options.candidate,
      ...(options.deployed !== undefined ? { deployed: options.deployed } : {}),
      ...(options.runtime !== undefined ? { runtime: options.runtime } : {}),
      outDir,
      signal: interrupt.signal,
      onProgress: progress.onProgress,
      ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
      ...(options.shards !== undefined ? { shards: options.shards } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    progress.stop();
    if (outcome.interrupted !== undefined) {
      await writeAbortedReport(outDir, options, { ...files }, report.warnings);
      throw new PeakgateError('PG_ERR_INTERRUPTED', 'comparison interrupted before a verdict');
    }
    if (interrupt.signal.aborted) {
      throw new PeakgateError('PG_ERR_INTERRUPTED', 'comparison interrupted before a verdict');
    }
    const { judgement } = outcome;
    const reportJson = files['report.json'];
    if (options.outDir !== undefined) await writeReportFiles(outDir, { ...files });
    if (options.json) output.result(reportJson);
    else
      output.result(
        renderVerdict(judgement, {
          driver: options.driver,
          rounds: outcome.rounds,
          color: colorEnabled(process.stdout),
          requestKinds: report.requestKinds,
          metrics: report.metrics,
          trialLog: (role, round) => {
            const trial = outcome.trials.find((t) => t.role === role && t.round === round);
            if (trial === undefined) return undefined;
            // A build that never got ready has no logPath on its trial; its log is still written
            // under the run folder by the same name (runtime: `<role>-<order>.log`).
            const written = trial.logPath ?? path.join(outDir, `${role}-${trial.order}.log`);
            return { tail: trial.exit.logTail, ...(existsSync(written) ? { path: shownPath(written) } : {}) };
          },
        }),
      );
    await appendStepSummary(files['summary.md'], output);
    if (options.outDir !== undefined && options.quiet !== true)
      output.info(`reports: ${outDir}/{report.json,summary.md,junit.xml,report.html}`);
    if (judgement.infrastructureError !== undefined) {
      throw new PeakgateError('PG_ERR_INFRA_BASELINE', judgement.infrastructureError);
    }
    return { judgement, reportJson };
  } catch (error) {
    if (interrupt.signal.aborted && !(error instanceof PeakgateError && error.code === 'PG_ERR_INTERRUPTED')) {
      throw new PeakgateError('PG_ERR_INTERRUPTED', 'comparison interrupted before a verdict', { cause: error });
    }
    throw error;
  } finally {
    progress.stop();
    interrupt.dispose();
    await claim.release();
  }
}

/** A path under the current folder as `./…` (shorter, and what a person can paste); others as they are. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? `./${relative}` : file;
}

/**
 * An interrupted comparison's files, marked aborted: written atomically like any report (a second
 * signal during the write leaves the old set or none), printed with --json, and said on stderr.
 */
async function writeAbortedReport(
  outDir: string,
  options: ExecuteComparisonOptions,
  files: Record<string, string>,
  warnings: readonly string[],
): Promise<void> {
  const { output } = options;
  for (const warning of warnings) output.info(`peakgate: ${warning}`);
  if (options.outDir !== undefined) {
    await writeReportFiles(outDir, { ...files });
    output.info(`partial reports (aborted, no verdict): ${outDir}/{report.json,summary.md,junit.xml,report.html}`);
  }
  if (options.json) output.result(files['report.json'] ?? '');
  await appendStepSummary(files['summary.md'] ?? '', output);
}
