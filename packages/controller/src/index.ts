/** The write every output file goes through (issue 23), for callers that reach the runtime only through here. */
export { replaceFile } from '@peakgate/runtime';
export { engineLoadRunner } from './adapters.js';
export type { JudgedComparison, JudgedComparisonOptions, ReportFiles } from './compare-and-report.js';
export { runJudgedComparison } from './compare-and-report.js';
export type { CpuSource, DeployedBuilds, DeployedSide } from './deployed-launcher.js';
export { deployedLauncher, openCgroupCpuSource } from './deployed-launcher.js';
export type { LauncherOptions } from './launcher-for.js';
export { cleanupServices, ensureEngine, launcherFor } from './launcher-for.js';
export type { ComparisonMetricsOptions, MetricsRole, VerdictLabel } from './metrics.js';
export { ComparisonMetrics } from './metrics.js';
export type { PushMetricsOptions } from './metrics-push.js';
export { pushMetrics } from './metrics-push.js';
export type { OutputClaim, OutputClaimOptions } from './output-claim.js';
export { assertNoLinkOnPath, claimOutputDirectory } from './output-claim.js';
export type {
  LoadRunner,
  LoadRunOptions,
  ResourceReading,
  RunningService,
  ServiceLauncher,
  ServiceStartOptions,
  StartOutcome,
} from './ports.js';
export { prepareOutputDirectory, reportWriteError } from './preflight.js';
export type { ProgressEvent, ProgressListener } from './progress.js';
export type {
  MetricsOptions,
  RunEnv,
  RunFlags,
  RunRequest,
  RunRequestInput,
  RuntimeSettings,
} from './run-request.js';
export {
  MAX_SEED,
  parseDriver,
  parseHost,
  parseSeed,
  parseShards,
  RUN_ENV,
  resolveMetricsOptions,
  resolveRunRequest,
} from './run-request.js';
export type { RunSeams, RunSeamsOptions } from './run-seams.js';
export { runSeams } from './run-seams.js';
export type { SingleRunOptions, SingleRunOutcome } from './run-single.js';
export { runSingle } from './run-single.js';
export type { ComparisonOutcome } from './sequential-rounds.js';
export type { ShardCoordinatorOptions, ShardedLoadOptions, ShardPhaseFigures } from './sharded-load-runner.js';
export { ShardCoordinator, shardedLoadRunner } from './sharded-load-runner.js';
