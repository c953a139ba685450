/**
 * `--shards N` (compare, demo, run --service): the load runs as N load shards, the tasks of a
 * replicated Swarm service of the load image, instead of this process's worker pool. Only the swarm
 * driver has a Swarm to run them on; elsewhere it is refused, never ignored (checked by the one run
 * request resolver, controller's run-request.ts). This module holds only the help text.
 */
export const SHARDS_OPTION = [
  '--shards <n>',
  'swarm driver: run the load as N shards, one Swarm task each of the load image (PEAKGATE_LOAD_IMAGE, default peakgate/load:local), merged exactly (docs/scale.md)',
] as const;
