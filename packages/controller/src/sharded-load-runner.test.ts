/**
 * The sharded load runner with shards of the test's own (startShards seam) that speak the real
 * wire to the real coordinator over loopback HTTP: no Swarm, no load image. A shard that never
 * reaches a phase's start, never reports a phase, or whose task ends early must make the trial
 * PG_ERR_LOAD_SHARD naming it, within the (shortened) deadlines, with the service removed.
 */
import { createLatencyHistogram, encodeHistogram, type LoadPlan, PeakgateError, recordLatencyMs } from '@peakgate/core';
import type { WorkerResult } from '@peakgate/loadgen';
import type { LoadShardsSpec, RunningLoadShards, ShardTaskState } from '@peakgate/runtime';
import { describe, expect, it } from 'vitest';
import { shardedLoadRunner } from './sharded-load-runner.js';

const plan: LoadPlan = {
  phases: [{ name: 'peak', durationMs: 50, load: { model: 'open', rate: { from: 100, to: 100 }, maxConnections: 8 } }],
  requests: [{ weight: 1, method: 'GET', path: '/', headers: {} }],
  expectStatus: [200],
  timeoutMs: 50,
};

/** How a fake shard behaves: runs the whole protocol, or stops at one step (never calls again). */
type ShardScript = 'whole' | 'no-start' | 'no-report';

function phaseResult(requests: number, startLagMs: number): WorkerResult {
  const histogram = createLatencyHistogram();
  for (let i = 0; i < requests; i++) recordLatencyMs(histogram, 2);
  return {
    counts: { ok: requests, status: 0, timeout: 0, refused: 0, reset: 0, other: 0, dropped: 0 },
    statuses: { '200': requests },
    sent: requests,
    arrivals: requests,
    histogram: encodeHistogram(histogram),
    elapsedMs: 50,
    stoppedEarly: false,
    startLagMs,
  };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

/** One fake shard: the calls the load image's shard makes (shard-wire.ts), as far as its script goes. */
async function runShard(base: string, shard: number, script: ShardScript, startLagMs: number): Promise<void> {
  const node = `node-${shard}`;
  await fetch(`${base}/task?shard=${shard}`);
  if (script === 'no-start') return;
  const reply = (await post(`${base}/barrier`, { shard, node, position: 0 })) as { stop?: string };
  if (reply.stop !== undefined || script === 'no-report') return;
  await post(`${base}/phase`, { shard, position: 0, results: [phaseResult(100, startLagMs)] });
  await post(`${base}/done`, { shard, node });
}

function fakeShards(scripts: ShardScript[], tasks: (index: number) => Partial<ShardTaskState> = () => ({})) {
  const state = { removed: 0, specs: [] as LoadShardsSpec[], running: [] as Promise<void>[] };
  const startShards = async (spec: LoadShardsSpec): Promise<RunningLoadShards> => {
    state.specs.push(spec);
    const base = spec.env.PEAKGATE_SHARD_URL as string;
    state.running = scripts.map((script, shard) => runShard(base, shard, script, shard * 3).catch(() => undefined));
    return {
      name: 'fake-load',
      serviceId: 'fake',
      tasks: async () =>
        scripts.map((_, index) => ({
          index,
          nodeId: `id-${index}`,
          node: `node-${index}`,
          state: 'running',
          detail: 'running',
          ended: false,
          exitCode: null,
          ...tasks(index),
        })),
      remove: async () => {
        state.removed += 1;
      },
    };
  };
  return { state, startShards };
}

const owner = { runId: 'fake', role: 'candidate' as const };

async function shardError(promise: Promise<unknown>): Promise<PeakgateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PeakgateError)) throw new Error(`expected a PeakgateError, got ${String(error)}`);
  return error;
}

describe('shardedLoadRunner with fake shards', () => {
  it('merges every shard’s phase report: requests summed, start skew from their lags', async () => {
    const { state, startShards } = fakeShards(['whole', 'whole', 'whole']);
    const runner = shardedLoadRunner({ shards: 3, callbackHost: '127.0.0.1', startShards });
    const phases: string[] = [];
    const result = await runner.run({
      target: 'http://127.0.0.1:9',
      plan,
      workers: 1,
      owner,
      onPhase: (event) => phases.push(`${event.type} ${event.phase}`),
    });
    expect(result.requests.total).toBe(300);
    expect(result.interrupted).toBe(false);
    expect(phases).toEqual(['start peak', 'end peak']);
    // Lags 0, 3 and 6 ms: the shards began 6 ms apart.
    expect(result.sharding?.startSkewMs).toBe(6);
    expect(result.sharding?.shards.map((s) => [s.index, s.node, s.requests, s.startLagMs])).toEqual([
      [0, 'node-0', 100, 0],
      [1, 'node-1', 100, 3],
      [2, 'node-2', 100, 6],
    ]);
    // Nodes of one machine share a host name: the swarm node id is in every shard's figures.
    expect(result.sharding?.shards.map((s) => s.nodeId)).toEqual(['id-0', 'id-1', 'id-2']);
    expect(state.specs[0]).toMatchObject({ runId: 'fake', role: 'candidate', shards: 3 });
    expect(state.removed).toBe(1);
  });

  it('a shard that never reaches the first phase’s start: PG_ERR_LOAD_SHARD naming it, service removed', async () => {
    const { state, startShards } = fakeShards(['whole', 'no-start']);
    const runner = shardedLoadRunner({ shards: 2, callbackHost: '127.0.0.1', startShards, startTimeoutMs: 100 });
    const started = performance.now();
    const error = await shardError(runner.run({ target: 'http://127.0.0.1:9', plan, workers: 1, owner }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('PG_ERR_LOAD_SHARD');
    expect(error.message).toMatch(
      /^load shard 1 \(node node-1, id id-1, task running\) never reached the start of phase peak/,
    );
    expect(state.removed).toBe(1);
    // The shard left waiting at the barrier was told to stop, not left hanging.
    await Promise.all(state.running);
  });

  it('a shard that never reports its phase: PG_ERR_LOAD_SHARD naming it after duration + timeout + grace', async () => {
    const { state, startShards } = fakeShards(['whole', 'no-report', 'whole']);
    const runner = shardedLoadRunner({ shards: 3, callbackHost: '127.0.0.1', startShards, reportGraceMs: 100 });
    const started = performance.now();
    const error = await shardError(runner.run({ target: 'http://127.0.0.1:9', plan, workers: 1, owner }));
    const tookMs = performance.now() - started;
    expect(error.code).toBe('PG_ERR_LOAD_SHARD');
    expect(error.message).toMatch(/^load shard 1 \(node node-1, id id-1, task running\) never reported phase peak/);
    expect(error.message).toContain('no verdict on fewer requests than asked');
    // 50 ms phase + 50 ms request timeout + 100 ms grace, then no longer.
    expect(tookMs).toBeGreaterThanOrEqual(190);
    expect(tookMs).toBeLessThan(2000);
    expect(state.removed).toBe(1);
  });

  it('a shard whose task ends before it finished fails the trial at once, naming its node and exit', async () => {
    const { state, startShards } = fakeShards(['whole', 'no-start'], (index) =>
      index === 1 ? { state: 'failed', detail: 'failed: task: non-zero exit (137)', ended: true, exitCode: 137 } : {},
    );
    // The start deadline is long: only the task watch can end this quickly.
    const runner = shardedLoadRunner({ shards: 2, callbackHost: '127.0.0.1', startShards, startTimeoutMs: 60_000 });
    const started = performance.now();
    const error = await shardError(runner.run({ target: 'http://127.0.0.1:9', plan, workers: 1, owner }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('PG_ERR_LOAD_SHARD');
    expect(error.message).toMatch(
      /^load shard 1 \(node node-1, id id-1\) ended before it finished: task failed: task: non-zero exit \(137\), exit code 137/,
    );
    expect(state.removed).toBe(1);
  });

  it('a shard whose node the manager reports down fails the trial at once, naming the node by name and id', async () => {
    // The task still reads running (its node cannot say otherwise); the node list says down.
    const { state, startShards } = fakeShards(['whole', 'no-start'], (index) =>
      index === 1 ? { nodeDown: 'down: heartbeat failure' } : {},
    );
    const runner = shardedLoadRunner({ shards: 2, callbackHost: '127.0.0.1', startShards, startTimeoutMs: 60_000 });
    const started = performance.now();
    const error = await shardError(runner.run({ target: 'http://127.0.0.1:9', plan, workers: 1, owner }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('PG_ERR_LOAD_SHARD');
    expect(error.message).toMatch(
      /^load shard 1 lost its node: the swarm manager reports node node-1, id id-1 down: heartbeat failure; no verdict/,
    );
    expect(state.removed).toBe(1);
  });

  it('a shard that says it gave up fails the trial at once', async () => {
    let base = '';
    const { startShards: inner } = fakeShards(['no-start', 'no-start']);
    const startShards = async (spec: LoadShardsSpec) => {
      base = spec.env.PEAKGATE_SHARD_URL as string;
      const running = await inner(spec);
      await post(`${base}/failed`, { shard: 0, node: 'node-0', message: 'target refused every connection' });
      return running;
    };
    const runner = shardedLoadRunner({ shards: 2, callbackHost: '127.0.0.1', startShards, startTimeoutMs: 60_000 });
    const error = await shardError(runner.run({ target: 'http://127.0.0.1:9', plan, workers: 1, owner }));
    expect(error.code).toBe('PG_ERR_LOAD_SHARD');
    expect(error.message).toBe('load shard 0 (node node-0) gave up: target refused every connection');
  });
});
