/**
 * `--seed N` (compare, demo): the run's seed. Every random draw of the load (the weighted request
 * choice and every template value) derives from it, the same on both sides of each round (common
 * random numbers, docs/load-engine.md); report.json records it as `seed`, so giving it back replays
 * the run's requests exactly. The value is checked by the one run request resolver (controller's
 * run-request.ts, parseSeed); this module holds the help text.
 */
/** The largest seed (seeds are unsigned 32-bit integers; loadgen's MAX_SEED). */
const MAX_SEED = 0xffff_ffff;

export const SEED_OPTION = [
  '--seed <n>',
  `the run's seed (0 to ${MAX_SEED}): both sides of every round are sent the same requests drawn from it; report.json records it, and the same seed replays a run's requests (default: a fresh one per run)`,
] as const;
