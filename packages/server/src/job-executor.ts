/**
 * The real executor: runs a queued job through the controller, as the CLI does. A comparison is
 * runJudgedComparison (the same run, judge and report files as `peakgate compare`); a one-sided
 * run is runSingle on a fresh build (as `peakgate run --service`). Both are wired to the server's
 * registry so /metrics shows their requests, latency, CPU and memory live.
 */
import { type ComparisonMetrics, runJudgedComparison, runSeams, runSingle } from '@peakgate/controller';
import { maskSecretsDeep, PeakgateError } from '@peakgate/core';
import type { RunExecutor, RunOutcome } from './run-queue.js';

export function comparisonExecutor(metrics: ComparisonMetrics): RunExecutor {
  return async (job, signal, onProgress): Promise<RunOutcome> => {
    if (job.kind === 'run') {
      if (job.service === undefined) throw new PeakgateError('PG_ERR_INTERNAL', 'run without a build');
      const seams = runSeams({ driver: job.driver, runtime: job.runtime, metrics, onProgress });
      const { trial } = await runSingle({
        scenario: job.scenario,
        build: job.service,
        ...seams,
        outDir: job.runDir,
        runId: job.id.slice(0, 8),
        signal,
      });
      return {
        verdict: null,
        reasons: trial.exit.message ? [trial.exit.message] : [],
        // Masked field by field (histograms left whole): the file writer masks only non-JSON text.
        files: { 'result.json': `${JSON.stringify(maskSecretsDeep(trial), null, 2)}\n` },
      };
    }
    if (job.baseline === undefined || job.candidate === undefined) {
      throw new PeakgateError('PG_ERR_INTERNAL', 'comparison without builds');
    }
    const { outcome, files } = await runJudgedComparison({
      scenario: job.scenario,
      driver: job.driver,
      runtime: job.runtime,
      baseline: job.baseline,
      candidate: job.candidate,
      outDir: job.runDir,
      runId: job.id.slice(0, 8),
      ...(job.seed !== undefined ? { seed: job.seed } : {}),
      signal,
      onProgress,
      metrics,
    });
    // Cancelled through the API or by shutdown: the queue records it as cancelled, not as a verdict.
    if (outcome.interrupted !== undefined) {
      throw new PeakgateError('PG_ERR_INTERRUPTED', `cancelled before a verdict (${outcome.interrupted.reason})`);
    }
    const { judgement } = outcome;
    return {
      verdict: judgement.verdict,
      reasons: judgement.reasons,
      // Like the CLI's exit 3: the report is written, but it is not a verdict on the candidate.
      ...(judgement.infrastructureError !== undefined
        ? { error: { code: 'PG_ERR_INFRA_BASELINE' as const, message: judgement.infrastructureError } }
        : {}),
      files: { ...files },
    };
  };
}
