/**
 * One load shard in its own process (a Swarm task started by `--shards N`): asks the controller
 * what to load, runs its share of the schedule with the ordinary engine (runLoad with a shard
 * index), meets the other shards at the controller's barrier before every phase, and sends back
 * each second and each phase's raw worker results, so the controller merges exactly what a single
 * host would have measured. Reports go out in order on one chain: a phase's results always follow
 * its last second.
 */
import { PeakgateError } from '@peakgate/core';
import { runLoad } from './run-load.js';
import type {
  ShardAssignment,
  ShardBarrierReply,
  ShardBarrierRequest,
  ShardDoneReport,
  ShardFailedReport,
  ShardPhaseReport,
  ShardSampleReport,
} from './shard-wire.js';

export interface RemoteShardOptions {
  /** The controller's base URL for this run (PEAKGATE_SHARD_URL). */
  url: string;
  /** 0-based shard index. */
  index: number;
  /** Node name, for the controller's report. */
  node: string;
}

/** The barrier waits for every shard: the slowest task start on any node, so it may take a while. */
const BARRIER_TIMEOUT_MS = 180_000;
const REPORT_TIMEOUT_MS = 30_000;

export async function runRemoteShard(options: RemoteShardOptions): Promise<void> {
  const base = options.url.replace(/\/+$/, '');
  const { index: shard, node } = options;
  try {
    const assignment = await call<ShardAssignment>(`${base}/task?shard=${shard}`, undefined, REPORT_TIMEOUT_MS);
    let outbox: Promise<void> = Promise.resolve();
    let reportError: unknown;
    const post = (route: string, body: object): void => {
      outbox = outbox.then(async () => {
        if (reportError !== undefined) return;
        try {
          await call<unknown>(`${base}/${route}`, body, REPORT_TIMEOUT_MS);
        } catch (error) {
          reportError = error;
        }
      });
    };
    let position = -1;
    await runLoad({
      target: assignment.target,
      plan: assignment.plan,
      workers: assignment.workers,
      allowHosts: assignment.allowHosts,
      env: assignment.env,
      ...(assignment.seed !== undefined ? { seed: assignment.seed } : {}),
      shard: { index: shard, count: assignment.shardCount },
      phaseStart: async (at) => {
        position = at;
        const request: ShardBarrierRequest = { shard, node, position: at };
        const reply = await call<ShardBarrierReply>(`${base}/barrier`, request, BARRIER_TIMEOUT_MS);
        if ('stop' in reply)
          throw new PeakgateError('PG_ERR_LOAD_FAILED', `the controller stopped the run: ${reply.stop}`);
        return reply.startAtEpochMs;
      },
      onSample: (sample) => {
        const report: ShardSampleReport = { shard, position, sample };
        post('sample', report);
      },
      onPhaseResults: (at, results) => {
        const report: ShardPhaseReport = { shard, position: at, results: [...results] };
        post('phase', report);
      },
    });
    await outbox;
    if (reportError !== undefined) throw reportError;
    const done: ShardDoneReport = { shard, node };
    await call(`${base}/done`, done, REPORT_TIMEOUT_MS);
  } catch (error) {
    const failed: ShardFailedReport = { shard, node, message: describe(error) };
    await call(`${base}/failed`, failed, 5000).catch(() => undefined);
    throw error;
  }
}

async function call<T>(url: string, body: object | undefined, timeoutMs: number): Promise<T> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url.replace(/\/shards\/[^/]+/, '/shards/…')}: HTTP ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
