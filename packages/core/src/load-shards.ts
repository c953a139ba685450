/**
 * Load shards (`--shards N`): the load spread over N tasks of the load image, on Docker Swarm or as
 * a Kubernetes Indexed Job. Declared here, the lowest package, so the CLI, the controller, the
 * Swarm load service, the shard itself and the Kubernetes render read the same names and cap.
 */

/**
 * Most load shards one run may ask for. docs/scale.md sizes a 1M requests/s peak at up to 297
 * shards, so the cap sits well above that and well under the Kubernetes Job limit.
 */
export const MAX_LOAD_SHARDS = 1000;

/** The environment a load shard reads. */
export const SHARD_ENV = {
  /** Swarm: the controller's base URL for this run, with its token (shard-wire.ts). */
  url: 'PEAKGATE_SHARD_URL',
  /** Swarm: the service template's `{{.Task.Slot}}`, 1-based; the shard index is slot − 1. */
  slot: 'PEAKGATE_SHARD_SLOT',
  /** Swarm: the service template's `{{.Node.Hostname}}`. */
  node: 'PEAKGATE_SHARD_NODE',
  /** Kubernetes: the Indexed Job's completion index, 0-based. */
  index: 'PEAKGATE_SHARD_INDEX',
  /** Kubernetes: N. */
  count: 'PEAKGATE_SHARD_COUNT',
} as const;
