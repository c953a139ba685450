/**
 * `--shards N` (compare, demo, run --service): the load runs as N load shards, the tasks of a
 * replicated Swarm service of the load image, instead of this process's worker pool. Only the swarm
 * driver has a Swarm to run them on; elsewhere it is refused, never ignored.
 */
import { MAX_LOAD_SHARDS, PeakgateError } from '@peakgate/core';

export const SHARDS_OPTION = [
  '--shards <n>',
  'swarm driver: run the load as N shards, one Swarm task each of the load image (PEAKGATE_LOAD_IMAGE, default peakgate/load:local), merged exactly (docs/scale.md)',
] as const;

/** The flag's value as a shard count, or undefined when not given; refused off the swarm driver. */
export function parseShards(value: string | undefined, driver: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_LOAD_SHARDS)
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `--shards: expected a whole number from 1 to ${MAX_LOAD_SHARDS}, got "${value}"`,
    );
  if (driver !== 'swarm')
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `--shards runs the load as Swarm tasks: it needs --driver swarm, not --driver ${driver}`,
    );
  return n;
}
