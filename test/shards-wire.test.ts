/**
 * The load-shard protocol without Swarm: the controller's ShardCoordinator and three shard
 * clients (runRemoteShard, what the load image runs) in this process, talking real HTTP, sending
 * real load to a real server on 127.0.0.1. The shards' arrivals add up to exactly the single-host
 * schedule (arrival k to shard k mod 3), every phase starts at one barrier time, seconds merge live,
 * and nothing but the run's token reaches the endpoint. test/swarm-shards.test.ts runs the same
 * through Swarm tasks of the load image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardCoordinator } from '../packages/controller/dist/index.js';
import type { SecondSample } from '../packages/core/dist/index.js';
import { mergePhase, runRemoteShard } from '../packages/loadgen/dist/index.js';
import { startHttpServer, type TestServer } from './fixtures/servers.js';
import { closedPhase, openPhase, plan } from './fixtures/servers-plans.js';

describe('load shards over HTTP (coordinator and shard clients in one process)', () => {
  let server: TestServer;
  let hits = 0;
  beforeAll(async () => {
    server = await startHttpServer((_req, res) => {
      hits++;
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  it('three shards send exactly the single-host schedule, start together and merge exactly', async () => {
    const warmup = { ...openPhase(300, 1000), name: 'warm' };
    const peak = { ...openPhase(600, 2000), name: 'peak' };
    const closed = { ...closedPhase(3, 1000), name: 'steady' };
    const loadPlan = plan([peak, closed], { warmup });
    const samples: SecondSample[] = [];
    const coordinator = await ShardCoordinator.start({
      host: '127.0.0.1',
      shards: 3,
      assignment: { target: server.url, allowHosts: [], plan: loadPlan, workers: 2, env: {} },
      phases: [
        { name: 'warm', warmup: true },
        { name: 'peak', warmup: false },
        { name: 'steady', warmup: false },
      ],
      names: ['GET /'],
      onSample: (sample) => samples.push(sample),
    });
    try {
      const before = hits;
      const shards = [0, 1, 2].map((index) => runRemoteShard({ url: coordinator.url, index, node: `node-${index}` }));
      await Promise.all(shards);
      const [warm, open, steady] = await Promise.all([0, 1, 2].map((at) => coordinator.resultsOf(at)));
      // One common start per phase, handed to every shard; each shard began within a few ms of it.
      const starts = await Promise.all([0, 1, 2].map((at) => coordinator.startOf(at)));
      expect(new Set(starts).size).toBe(3);
      for (const reports of [warm, open, steady]) {
        expect([...(reports?.keys() ?? [])].sort()).toEqual([0, 1, 2]);
        for (const report of reports?.values() ?? []) {
          expect(report.results).toHaveLength(2);
          expect(report.startLagMs).toBeLessThan(100);
        }
      }
      // Open phase: 600 req/s for 2 s is arrivals 0..1199; shard s has those with k mod 3 = s.
      for (const report of open?.values() ?? []) {
        expect(report.results.reduce((sum, worker) => sum + worker.arrivals, 0)).toBe(400);
      }
      const merged = mergePhase(
        peak,
        [...(open?.values() ?? [])].flatMap((report) => report.results),
        ['GET /'],
      );
      expect(merged.requests.total).toBe(1200);
      expect(merged.requests.errors).toBe(0);
      expect(merged.latency.count).toBe(1200);
      // Closed phase: 3 connections split one per shard, none idle.
      const steadyMerged = mergePhase(
        closed,
        [...(steady?.values() ?? [])].flatMap((report) => report.results),
      );
      expect(steadyMerged.requests.total).toBeGreaterThan(0);
      // Everything the shards sent reached the server: warm-up 300 + 1200 + the closed phase, whose
      // last request on each of its 3 connections may be cut at the phase end, uncounted.
      const extra = hits - before - (300 + 1200 + steadyMerged.requests.total);
      expect(extra).toBeGreaterThanOrEqual(0);
      expect(extra).toBeLessThanOrEqual(3);
      // Seconds merged live over the shards: the measured open phase's seconds add up to its count.
      const peakSeconds = samples.filter((s) => s.phase === 'peak' && s.warmup !== true);
      expect(peakSeconds.reduce((sum, s) => sum + s.requests, 0)).toBe(1200);
      expect(samples.some((s) => s.warmup === true)).toBe(true);
      expect(coordinator.nodes.get(2)).toBe('node-2');
      for (const shard of [0, 1, 2]) expect(coordinator.hasFinished(shard)).toBe(true);
    } finally {
      await coordinator.close();
    }
  }, 60_000);

  it('answers only under its token, and refuses shards and phases out of range', async () => {
    const coordinator = await ShardCoordinator.start({
      host: '127.0.0.1',
      shards: 2,
      assignment: { target: server.url, allowHosts: [], plan: plan([openPhase(10, 1000)]), workers: 1, env: {} },
      phases: [{ name: 'open', warmup: false }],
      names: ['GET /'],
      onSample: () => {},
    });
    try {
      const other = coordinator.url.replace(/\/shards\/[^/]+$/, '/shards/not-the-token');
      expect((await fetch(`${other}/task?shard=0`)).status).toBe(404);
      expect((await fetch(`${coordinator.url}/task?shard=0`)).status).toBe(200);
      expect((await fetch(`${coordinator.url}/task?shard=2`)).status).toBe(400);
      const barrier = await fetch(`${coordinator.url}/barrier`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ shard: 0, node: 'n', position: 5 }),
      });
      expect(barrier.status).toBe(400);
      // A shard waiting at a barrier when the run stops is told to stop, not left hanging.
      const waiting = fetch(`${coordinator.url}/barrier`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ shard: 0, node: 'n', position: 0 }),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      coordinator.stop('the trial was interrupted');
      expect(await (await waiting).json()).toEqual({ stop: 'the trial was interrupted' });
    } finally {
      await coordinator.close();
    }
  });
});
