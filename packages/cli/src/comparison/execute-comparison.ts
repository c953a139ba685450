/**
 * Runs one comparison end to end for `compare` and `demo`: drivers, controller, judge, report
 * files, terminal verdict. Returns the exit code: 0 pass, 1 fail, 3 when the sandbox could not
 * judge (the baseline broke too). Errors (bad flags, no engine, missing image) are thrown as
 * PeakgateErrors for main to map.
 */
import { availableParallelism, cpus, hostname } from 'node:os';
import type { ComparisonMetrics } from '@peakgate/controller';
import {
  type BuildSpec,
  buildReport,
  type Judgement,
  judge,
  PeakgateError,
  type ReportEnvironment,
  renderHtml,
  renderJUnit,
  renderMarkdown,
  type Scenario,
} from '@peakgate/core';
import { onInterrupt } from '../interrupt.js';
import type { Output } from '../output.js';
import { writeReportFiles } from '../report-files.js';
import { runDirectory } from '../run-dir.js';
import { progressPrinter } from './progress-printer.js';
import type { DriverName } from './resolve-builds.js';
import { renderVerdict } from './verdict-table.js';

const PEAKGATE_VERSION = '0.1.0';

export interface ExecuteComparisonOptions {
  scenario: Scenario;
  driver: DriverName;
  baseline: BuildSpec;
  candidate: BuildSpec;
  /** Where report files go; when absent, files go to a temporary run folder (logs) and no report is written. */
  outDir?: string;
  json: boolean;
  output: Output;
  /** Live Prometheus metrics (--metrics-port, --pushgateway): fed with progress events and resource readings. */
  metrics?: ComparisonMetrics;
}

export interface ExecutedComparison {
  exitCode: 0 | 1 | 3;
  judgement: Judgement;
  reportJson: string;
}

export async function executeComparison(options: ExecuteComparisonOptions): Promise<ExecutedComparison> {
  const { output, scenario } = options;
  const [{ driverLauncher, engineLoadRunner, runComparison }, { createDriver }] = await Promise.all([
    import('@peakgate/controller'),
    import('@peakgate/runtime'),
  ]);
  const outDir = runDirectory(options.outDir);
  const interrupt = onInterrupt((signal) =>
    output.info(`peakgate: ${signal}: stopping; removing what this run started`),
  );
  const perSecond = !options.json && process.stderr.isTTY === true;
  const printer = progressPrinter(output, { perSecond });
  const seams = { launcher: driverLauncher(createDriver(options.driver)), loadRunner: engineLoadRunner() };
  const { metrics } = options;
  try {
    const outcome = await runComparison({
      scenario,
      baseline: options.baseline,
      candidate: options.candidate,
      ...(metrics !== undefined ? metrics.instrument(seams) : seams),
      judge: (trials) => judge(trials, scenario.compare),
      outDir,
      signal: interrupt.signal,
      onProgress:
        metrics === undefined
          ? printer
          : (event) => {
              printer(event);
              metrics.listener(event);
            },
    });
    if (interrupt.signal.aborted) {
      throw new PeakgateError('PG_ERR_INTERRUPTED', 'comparison interrupted before a verdict');
    }
    const { judgement } = outcome;
    const environment: ReportEnvironment = {
      peakgateVersion: PEAKGATE_VERSION,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cores: availableParallelism(),
      ...(cpus()[0]?.model !== undefined ? { cpuModel: cpus()[0]?.model } : {}),
      driver: options.driver,
      cpusets: {
        ...(outcome.cpu.serviceCpuset !== undefined ? { service: outcome.cpu.serviceCpuset } : {}),
        ...(outcome.cpu.pinned && outcome.cpu.loadCpuset !== undefined ? { load: outcome.cpu.loadCpuset } : {}),
      },
      hostname: hostname(),
    };
    const built = buildReport({
      // The builds actually compared (flags override the file), so the report names them.
      scenario: { ...scenario, baseline: options.baseline, candidate: options.candidate },
      trials: outcome.trials,
      judgement,
      environment,
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
    });
    const reportJson = `${JSON.stringify(built, null, 2)}\n`;
    if (options.outDir !== undefined) {
      await writeReportFiles(outDir, {
        'report.json': reportJson,
        'summary.md': renderMarkdown(built),
        'junit.xml': renderJUnit(built),
        'report.html': renderHtml(built),
        // The raw trials (histograms included), so a verdict can be re-derived or audited later.
        'trials.json': `${JSON.stringify(outcome.trials)}\n`,
      });
    }
    if (options.json) output.result(reportJson);
    else
      output.result(
        renderVerdict(judgement, {
          driver: options.driver,
          rounds: outcome.rounds,
          color: process.stdout.isTTY === true,
        }),
      );
    if (options.outDir !== undefined) output.info(`reports: ${outDir}/{report.json,summary.md,junit.xml,report.html}`);
    const exitCode = judgement.infrastructureError !== undefined ? 3 : judgement.verdict === 'pass' ? 0 : 1;
    return { exitCode, judgement, reportJson };
  } catch (error) {
    if (interrupt.signal.aborted && !(error instanceof PeakgateError && error.code === 'PG_ERR_INTERRUPTED')) {
      throw new PeakgateError('PG_ERR_INTERRUPTED', 'comparison interrupted before a verdict', { cause: error });
    }
    throw error;
  } finally {
    interrupt.dispose();
  }
}
