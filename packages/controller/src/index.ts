/** The write every output file goes through (issue 23), for callers that reach the runtime only through here. */
export { replaceFile } from '@peakgate/runtime';
export { driverLauncher, engineLoadRunner } from './adapters.js';
export { BulkHistogram } from './bulk-histogram.js';
export type { ComparisonOptions, ComparisonOutcome } from './comparison.js';
export { runComparison } from './comparison.js';
export type { CpuPlan } from './cpu-plan.js';
export { parseCpuset, planCpus, planCpusFor } from './cpu-plan.js';
export type { CpuSource, DeployedBuilds, DeployedSide } from './deployed-launcher.js';
export { deployedLauncher, openCgroupCpuSource } from './deployed-launcher.js';
export type { JudgedComparison, JudgedComparisonOptions, ReportFiles } from './judged-comparison.js';
export { runJudgedComparison } from './judged-comparison.js';
export type { LauncherOptions } from './launcher-for.js';
export { cleanupServices, launcherFor } from './launcher-for.js';
export type { ComparisonMetricsOptions, MetricsRole, VerdictLabel } from './metrics.js';
export { ComparisonMetrics, LATENCY_BUCKETS_SECONDS } from './metrics.js';
export type { PushMetricsOptions } from './metrics-push.js';
export { pushMetrics } from './metrics-push.js';
export type { OutputClaim, OutputClaimOptions } from './output-claim.js';
export { assertNoLinkOnPath, claimOutputDirectory, OUTPUT_MARKER } from './output-claim.js';
export { OUTPUT_LOCK } from './output-lock.js';
export type { Pinning } from './pin-process.js';
export { pinProcess } from './pin-process.js';
export type {
  LoadRunner,
  LoadRunOptions,
  ResourceReading,
  RunningService,
  ServiceLauncher,
  ServiceStartOptions,
  StartOutcome,
} from './ports.js';
export { checkBuildDirectories, MIN_FREE_BYTES, prepareOutputDirectory, reportWriteError } from './preflight.js';
export type { ProgressEvent, ProgressListener } from './progress.js';
export type { SingleRunOptions, SingleRunOutcome } from './run-single.js';
export { runSingle } from './run-single.js';
export type { TrialContext } from './run-trial.js';
export { runTrial } from './run-trial.js';
export type { ShardCoordinatorOptions, ShardPhaseFigures } from './shard-coordinator.js';
export { ShardCoordinator } from './shard-coordinator.js';
export type { ShardedLoadOptions } from './sharded-load-runner.js';
export { shardedLoadRunner } from './sharded-load-runner.js';
export { roundOrder } from './trial-order.js';
