/**
 * `peakgate run <scenario> --target URL`: loads a service that is already running (loopback, or a
 * host allowed with --allow-target) and prints the LoadResult. No service is started, so there
 * are no CPU or memory figures and no trial: the load engine alone.
 */
import { loadScenarioFile } from '@peakgate/core';
import { onInterrupt } from '../interrupt.js';
import { type MetricsFlags, startMetricsExport } from '../metrics-export.js';
import type { Output } from '../output.js';
import { oneLine } from '../terminal-text.js';
import type { Outcome } from './command.js';
import { checkRun, reportSloBreach, runSloSpec } from './run-slo-gate.js';
import { printRunResult, progressLine } from './run-summary.js';

export interface RunTargetOptions {
  file: string;
  target: string;
  workers?: number | undefined;
  allowHosts: readonly string[];
  /** Print only the LoadResult JSON on stdout (no table, no progress). */
  json: boolean;
  output: Output;
  /** --metrics-port, --metrics-host, --pushgateway: live metrics under role `target`. */
  metricsFlags?: MetricsFlags;
  /** `--slo KEY=VALUE` flags; empty: the scenario's compare.slo. */
  slo?: readonly string[];
}

export async function runTarget(options: RunTargetOptions): Promise<Outcome> {
  const { output, json } = options;
  const { resolveTarget, runLoad } = await import('@peakgate/loadgen');
  // Check the target before reading the scenario's load: a refusal sends nothing and starts nothing.
  // (A name is resolved and every address checked; runLoad does it again and connects to what it checked.)
  await resolveTarget(options.target, options.allowHosts);
  const scenario = await loadScenarioFile(options.file);
  // Bad --slo flags are usage errors: refused before any load is sent.
  const sloSpec = runSloSpec(scenario, options.slo ?? []);
  const progress = !json && process.stderr.isTTY === true;
  const exported = await startMetricsExport(options.metricsFlags ?? {}, scenario.name, output);
  exported?.metrics.begin(scenario.name, scenario.load);
  const interrupt = onInterrupt((signal) =>
    output.info(`peakgate: ${signal}: stopping the load, printing what was measured`),
  );
  try {
    const result = await runLoad({
      target: options.target,
      plan: scenario.load,
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      allowHosts: options.allowHosts,
      signal: interrupt.signal,
      onSample: (sample) => {
        if (progress) output.info(progressLine(sample));
        exported?.metrics.observeSample('target', sample);
      },
      onPhase: (event) => {
        if (progress && event.type === 'start') {
          output.info(`${event.warmup ? 'warm-up' : 'phase'} ${oneLine(event.phase)} (${event.durationMs / 1000}s)`);
        }
      },
    });
    // An interrupted run's partial figures are not a verdict on the SLOs.
    const slo = result.interrupted ? undefined : checkRun(sloSpec, result);
    printRunResult(result, { json, output, ...(slo === undefined ? {} : { slo }) });
    if (result.interrupted) return 'interrupted';
    reportSloBreach(output, slo);
    return slo?.verdict === 'fail' ? 'fail' : 'done';
  } finally {
    interrupt.dispose();
    await exported?.finish();
  }
}
