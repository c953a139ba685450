#!/usr/bin/env node
/**
 * Entry point of the load image (`peakgate/load:local`): one load shard of a `--shards N` run. The
 * controller that created the Swarm service gives its URL, and Swarm the task's slot and node, in
 * the environment (core's SHARD_ENV). Exit 0 when every phase was sent and reported, 1 when
 * the shard gave up (it has told the controller why, if it could), 2 when started without them.
 */
import { SHARD_ENV } from '@peakgate/core';
import { runRemoteShard } from './remote-shard.js';

const url = process.env[SHARD_ENV.url];
const slot = Number(process.env[SHARD_ENV.slot]);
const node = process.env[SHARD_ENV.node] || 'unknown';

if (!url || !Number.isSafeInteger(slot) || slot < 1) {
  process.stderr.write(
    `peakgate shard: needs ${SHARD_ENV.url} and ${SHARD_ENV.slot} (1-based); it is started by \`peakgate compare --driver swarm --shards N\`, not by hand\n`,
  );
  process.exit(2);
}

try {
  await runRemoteShard({ url, index: slot - 1, node });
  process.stderr.write(`peakgate shard ${slot - 1} on ${node}: done\n`);
} catch (error) {
  process.stderr.write(
    `peakgate shard ${slot - 1} on ${node}: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
