/**
 * A comparison from builds to reports: runs it (runComparison on the named driver), judges each
 * look with core's judge, and hands the trials, the last judgement and the judge options to core's
 * `judgeAndRender` (the path `peakgate report` takes too) for every report file. The CLI's `compare` and
 * `demo` and the HTTP API's queue all call this one function, so a report means the same thing
 * wherever it was made; each caller only decides where the files go and what to print. A
 * comparison stopped by its signal gets a report marked aborted (what was measured, no verdict).
 */
import { availableParallelism, cpus, hostname } from 'node:os';
import {
  type BuildSpec,
  buildAbortedReport,
  type ComparisonDriver,
  type Judgement,
  type JudgeOptions,
  judge,
  judgeAndRender,
  lookRecord,
  maskSecretsDeep,
  PeakgateError,
  peakgateVersion,
  type Report,
  type ReportEnvironment,
  type ReportFiles,
  renderReportFiles,
  reportScenario,
  type Scenario,
  savedTrialsJson,
} from '@peakgate/core';
import { type DeployedBuilds, deployedLauncher } from './deployed-launcher.js';
import { launcherFor } from './launcher-for.js';
import type { ComparisonMetrics } from './metrics.js';
import type { ServiceLauncher } from './ports.js';
import type { ProgressListener } from './progress.js';
import type { RuntimeSettings } from './run-request.js';
import { runSeams } from './run-seams.js';
import { type ComparisonOutcome, runComparison } from './sequential-rounds.js';

export interface JudgedComparisonOptions {
  scenario: Scenario;
  /** `url` with `deployed`: two builds already running, nothing started. */
  driver: ComparisonDriver;
  /** Builds already deployed (`compare --baseline-url --candidate-url`): loaded where they run. */
  deployed?: DeployedBuilds;
  /** The run request's runtime settings (service host, pull, swarm placement, load image: run-request.ts). */
  runtime?: Readonly<RuntimeSettings>;
  baseline: BuildSpec;
  candidate: BuildSpec;
  /** Logs and raw files of the run go here. */
  outDir: string;
  runId?: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Live Prometheus metrics: fed with the progress events and each resource reading. */
  metrics?: ComparisonMetrics;
  /** `--shards N`: each trial's load runs as N Swarm tasks (swarm driver). */
  shards?: number;
  /** `--seed N`: the run's seed, to replay a run's requests exactly; default drawn per run. */
  seed?: number;
}

export type { ReportFiles } from '@peakgate/core';

export interface JudgedComparison {
  outcome: ComparisonOutcome<Judgement>;
  report: Report;
  files: ReportFiles;
}

export async function runJudgedComparison(options: JudgedComparisonOptions): Promise<JudgedComparison> {
  const { scenario, metrics } = options;
  const launcher = chooseLauncher(options);
  // Saved with the trials (trials.json), so `peakgate report` judges them the same way later.
  const judgeOptions = judgeOptionsFor(options.deployed);
  const seams = runSeams({
    driver: options.driver,
    launcher,
    ...(options.runtime !== undefined ? { runtime: options.runtime } : {}),
    ...(options.shards !== undefined ? { shards: options.shards } : {}),
    ...(metrics !== undefined ? { metrics } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  });
  const outcome = await runComparison({
    scenario,
    baseline: options.baseline,
    candidate: options.candidate,
    launcher: seams.launcher,
    loadRunner: seams.loadRunner,
    judge: (trials) => judge(trials, scenario.compare, judgeOptions),
    outDir: options.outDir,
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(seams.onProgress !== undefined ? { onProgress: seams.onProgress } : {}),
  });
  const reportInput = {
    // The builds actually compared (flags override the file), so the report names them.
    scenario: { ...scenario, baseline: options.baseline, candidate: options.candidate },
    trials: outcome.trials,
    environment: reportEnvironment(options.driver, outcome, launcher),
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    seed: outcome.seed,
  };
  if (outcome.interrupted !== undefined) {
    // Nothing judged: the measured figures only (the same files, written the same way).
    const report = maskSecretsDeep(buildAbortedReport({ ...reportInput, interruption: outcome.interrupted }));
    return { outcome, report, files: renderReportFiles(report, savedTrialsJson(outcome.trials, judgeOptions)) };
  }
  // The last look's judgement is these trials judged with these options: core's one judge-and-render
  // path (the one `peakgate report` takes) builds, masks and renders the report from it.
  const { report, files } = judgeAndRender({
    ...reportInput,
    scenario: reportScenario(reportInput.scenario),
    judgeOptions,
    judgement: outcome.judgement,
    stop: {
      reason: outcome.stoppedBy,
      ...(scenario.compare.budgetMs !== undefined ? { budgetMs: scenario.compare.budgetMs } : {}),
      looks: outcome.looks.map((look) => lookRecord(look.judgement, look.atMs)),
    },
  });
  return { outcome, report, files };
}

function chooseLauncher(options: JudgedComparisonOptions): ServiceLauncher {
  if (options.deployed !== undefined) return deployedLauncher(options.deployed);
  if (options.driver === 'url') throw new PeakgateError('PG_ERR_INTERNAL', 'driver url needs the deployed builds');
  return launcherFor(options.driver, options.runtime ?? {});
}

/**
 * Deployed builds without a CPU source (or a cgroup without the memory controller) have no such
 * figures at all: the judge says why it did not judge them rather than "no figures for one side".
 */
function judgeOptionsFor(deployed: DeployedBuilds | undefined): JudgeOptions {
  if (deployed === undefined) return {};
  const roles = (['baseline', 'candidate'] as const).filter((role) => deployed[role].cpu === undefined);
  const noMemory = (['baseline', 'candidate'] as const).filter((role) => deployed[role].cpu?.hasMemory !== true);
  const unmeasured: NonNullable<JudgeOptions['unmeasured']> = {};
  if (roles.length > 0)
    unmeasured['cpu.per_request'] =
      `no CPU source for the ${roles.join(' and ')} (builds already deployed: give --baseline-cpu-cgroup and --candidate-cpu-cgroup to measure it)`;
  if (noMemory.length > 0)
    unmeasured['memory.peak'] =
      `no memory source for the ${noMemory.join(' and ')} (builds already deployed: a cgroup v2 directory with memory.current measures it)`;
  return { unmeasured };
}

function reportEnvironment(
  driver: ComparisonDriver,
  outcome: ComparisonOutcome<Judgement>,
  launcher: ServiceLauncher,
): ReportEnvironment {
  const location = launcher.location;
  const cpuModel = cpus()[0]?.model;
  return {
    peakgateVersion,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cores: availableParallelism(),
    ...(cpuModel !== undefined ? { cpuModel } : {}),
    driver,
    cpusets: {
      ...(outcome.cpu.serviceCpuset !== undefined ? { service: outcome.cpu.serviceCpuset } : {}),
      ...(outcome.cpu.pinned && outcome.cpu.loadCpuset !== undefined ? { load: outcome.cpu.loadCpuset } : {}),
    },
    hostname: hostname(),
    // Both sides ran there: a remote engine (DOCKER_HOST) or this machine.
    ...(location !== undefined ? { engine: location.engine, serviceHost: location.serviceHost } : {}),
    ...(launcher.sides !== undefined ? { sides: launcher.sides } : {}),
  };
}
