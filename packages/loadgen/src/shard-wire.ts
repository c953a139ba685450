/**
 * What a load shard on another machine (`--shards N`, one Swarm task each) and the controller say
 * to each other, as JSON over HTTP. The controller serves these routes under a base URL that holds
 * a random token (`http://HOST:PORT/shards/TOKEN`), given to every shard in PEAKGATE_SHARD_URL:
 *
 *   GET  /task?shard=I  → ShardAssignment          what to load, how it is split
 *   POST /barrier       ShardBarrierRequest → ShardBarrierReply   one per phase: the common start
 *   POST /sample        ShardSampleReport           each second, for live progress and abort rules
 *   POST /phase         ShardPhaseReport            the phase's raw worker results, merged exactly
 *   POST /done          ShardDoneReport             the shard finished every phase
 *   POST /failed        ShardFailedReport           the shard gave up (the controller names it)
 *
 * Positions count the phases in run order, the warm-up (when there is one) first.
 */
import type { LoadPlan, SecondSample } from '@peakgate/core';
import type { WorkerResult } from './worker-protocol.js';

export interface ShardAssignment {
  /** The build's base URL, as the shard must reach it from its node. */
  target: string;
  /** Non-loopback hosts the shard may load: only the builds this run started. */
  allowHosts: string[];
  plan: LoadPlan;
  /** Worker threads in each shard. */
  workers: number;
  shardCount: number;
  /** `{{env NAME}}` values, read once by the controller so every shard sends the same. */
  env: Record<string, string>;
  /**
   * The round's seed (common random numbers): shard s of either side draws from the same streams.
   * Absent from an older controller: the shard then draws its own.
   */
  seed?: number;
}

export interface ShardBarrierRequest {
  shard: number;
  node: string;
  position: number;
}

export type ShardBarrierReply = { startAtEpochMs: number } | { stop: string };

export interface ShardSampleReport {
  shard: number;
  position: number;
  sample: SecondSample;
}

export interface ShardPhaseReport {
  shard: number;
  position: number;
  /** One per worker thread of the shard; each carries how late it began (`startLagMs`). */
  results: WorkerResult[];
}

export interface ShardDoneReport {
  shard: number;
  node: string;
}

export interface ShardFailedReport {
  shard: number;
  node: string;
  message: string;
}
