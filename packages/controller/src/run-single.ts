/**
 * One build on its own, no baseline and no verdict: `peakgate run --service` and the HTTP API's
 * replays. Plans the cores like a comparison (service on its cores, this process and the load
 * engine's threads on the others), runs one trial (runTrial: start, warm-up, measured load,
 * sampler at the window's edges, crash detection, stop) and restores the affinity.
 */
import { randomUUID } from 'node:crypto';
import { type BuildSpec, handedInEnvValues, type Scenario, type TrialResult } from '@peakgate/core';
import { type CpuPlan, planCpusFor } from './cpu-plan.js';
import { pinProcess } from './pin-process.js';
import type { LoadRunner, ServiceLauncher } from './ports.js';
import { checkBuildDirectories, prepareOutputDirectory } from './preflight.js';
import type { ProgressListener } from './progress.js';
import { runTrial } from './run-trial.js';

export interface SingleRunOptions {
  scenario: Scenario;
  build: BuildSpec;
  launcher: ServiceLauncher;
  loadRunner: LoadRunner;
  /** Where the service log goes. */
  outDir: string;
  runId?: string;
  /** Load worker threads; default one per load core. */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Overrides the machine's core count (tests). */
  totalCores?: number;
}

export interface SingleRunOutcome {
  runId: string;
  /**
   * The trial, role `candidate`: `exit.ready` false when the build never got ready, `exit.crashed`
   * when it ended on its own, `service` null when nothing was measured, `load.interrupted` after
   * the signal.
   */
  trial: TrialResult;
  cpu: CpuPlan & { pinned: boolean };
}

export async function runSingle(options: SingleRunOptions): Promise<SingleRunOutcome> {
  const runId = options.runId ?? randomUUID().slice(0, 8);
  await prepareOutputDirectory(options.outDir);
  await checkBuildDirectories([['candidate', options.build]]);
  // A scenario reads only variables handed in with --env: refused (exit 2) before anything starts.
  handedInEnvValues(options.scenario.load.requests);
  const cpu = planCpusFor(options.scenario.service.resources, options.totalCores);
  const pinning = pinProcess(cpu.loadCpuset);
  try {
    const trial = await runTrial({
      runId,
      role: 'candidate',
      round: 1,
      order: 0,
      build: options.build,
      scenario: options.scenario,
      launcher: options.launcher,
      loadRunner: options.loadRunner,
      outDir: options.outDir,
      loadWorkers: options.workers ?? cpu.loadWorkers,
      ...(cpu.serviceCpuset !== undefined ? { serviceCpuset: cpu.serviceCpuset } : {}),
      ...(pinning.applied && cpu.loadCpuset !== undefined ? { loadCpuset: cpu.loadCpuset } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    });
    return { runId, trial, cpu: { ...cpu, pinned: pinning.applied } };
  } finally {
    pinning.restore();
  }
}
