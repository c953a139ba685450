// The load engine's public surface: what the controller, the CLI and the benchmarks use.

export type { RemoteShardOptions } from './remote-shard.js';
export { runRemoteShard } from './remote-shard.js';
export { mergePhase, mergeRun } from './result-merge.js';
export type { PhaseEvent, RunLoadOptions } from './run-load.js';
export { runLoad } from './run-load.js';
export { SecondMerger } from './second-merger.js';
export { MAX_SEED, roundSeed } from './seeded-stream.js';
export type {
  ShardAssignment,
  ShardBarrierReply,
  ShardBarrierRequest,
  ShardDoneReport,
  ShardFailedReport,
  ShardPhaseReport,
  ShardSampleReport,
} from './shard-wire.js';
export type { LookupAll, ResolvedTarget } from './target-guard.js';
export { assertTargetAllowed, isLoopbackAddress, resolveTarget } from './target-guard.js';
export type { WorkerResult } from './worker-protocol.js';
