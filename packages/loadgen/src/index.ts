// The load engine's public surface: what the controller, the CLI and the benchmarks use.
export type { PhaseEvent, RunLoadOptions } from './run-load.js';
export { runLoad } from './run-load.js';
export { assertTargetAllowed } from './target-guard.js';
