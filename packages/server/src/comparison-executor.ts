/**
 * The real executor: runs a queued job through the controller's public API. A comparison is
 * runComparison + core's judge, buildReport and renderers (the same steps as the CLI's
 * execute-comparison.ts, which the lead will fold into one shared function); a one-sided run is
 * one runTrial on a fresh build. Services are instrumented so the server's /metrics shows their
 * CPU and memory live.
 */
import { availableParallelism, cpus, hostname } from 'node:os';
import {
  type ComparisonMetrics,
  engineLoadRunner,
  launcherFor,
  planCpus,
  runComparison,
  runTrial,
} from '@peakgate/controller';
import {
  buildReport,
  judge,
  PeakgateError,
  type ReportEnvironment,
  renderHtml,
  renderJUnit,
  renderMarkdown,
} from '@peakgate/core';
import type { RunExecutor, RunOutcome } from './run-queue.js';

const PEAKGATE_VERSION = '0.1.0';

export function comparisonExecutor(metrics: ComparisonMetrics): RunExecutor {
  return async (job, signal, onProgress): Promise<RunOutcome> => {
    const seams = metrics.instrument({ launcher: launcherFor(job.driver), loadRunner: engineLoadRunner() });
    if (job.kind === 'run') {
      if (job.service === undefined) throw new PeakgateError('PG_ERR_INTERNAL', 'run without a build');
      const cpu = planCpus({});
      const trial = await runTrial({
        runId: job.id,
        role: 'candidate',
        round: 1,
        order: 0,
        build: job.service,
        scenario: job.scenario,
        launcher: seams.launcher,
        loadRunner: seams.loadRunner,
        outDir: job.runDir,
        loadWorkers: cpu.loadWorkers,
        signal,
        onProgress,
      });
      return {
        verdict: null,
        reasons: trial.exit.message ? [trial.exit.message] : [],
        files: { 'result.json': `${JSON.stringify(trial, null, 2)}\n` },
      };
    }
    if (job.baseline === undefined || job.candidate === undefined) {
      throw new PeakgateError('PG_ERR_INTERNAL', 'comparison without builds');
    }
    const scenario = job.scenario;
    const outcome = await runComparison({
      scenario,
      baseline: job.baseline,
      candidate: job.candidate,
      launcher: seams.launcher,
      loadRunner: seams.loadRunner,
      judge: (trials) => judge(trials, scenario.compare),
      outDir: job.runDir,
      runId: job.id.slice(0, 8),
      signal,
      onProgress,
    });
    const { judgement } = outcome;
    const environment: ReportEnvironment = {
      peakgateVersion: PEAKGATE_VERSION,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cores: availableParallelism(),
      ...(cpus()[0]?.model !== undefined ? { cpuModel: cpus()[0]?.model } : {}),
      driver: job.driver,
      cpusets: {
        ...(outcome.cpu.serviceCpuset !== undefined ? { service: outcome.cpu.serviceCpuset } : {}),
        ...(outcome.cpu.pinned && outcome.cpu.loadCpuset !== undefined ? { load: outcome.cpu.loadCpuset } : {}),
      },
      hostname: hostname(),
    };
    const report = buildReport({
      scenario: { ...scenario, baseline: job.baseline, candidate: job.candidate },
      trials: outcome.trials,
      judgement,
      environment,
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
    });
    return {
      verdict: judgement.verdict,
      reasons: judgement.reasons,
      // Like the CLI's exit 3: the report is written, but it is not a verdict on the candidate.
      ...(judgement.infrastructureError !== undefined
        ? { error: { code: 'PG_ERR_INFRA_BASELINE' as const, message: judgement.infrastructureError } }
        : {}),
      files: {
        'report.json': `${JSON.stringify(report, null, 2)}\n`,
        'summary.md': renderMarkdown(report),
        'junit.xml': renderJUnit(report),
        'report.html': renderHtml(report),
        'trials.json': `${JSON.stringify(outcome.trials)}\n`,
      },
    };
  };
}
