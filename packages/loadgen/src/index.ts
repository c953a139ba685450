// The load engine's public surface: what the controller, the CLI and the benchmarks use.
export type { PhaseEvent, RunLoadOptions } from './run-load.js';
export { runLoad } from './run-load.js';
export type { LookupAll, ResolvedTarget } from './target-guard.js';
export { assertTargetAllowed, isLoopbackAddress, resolveTarget } from './target-guard.js';
