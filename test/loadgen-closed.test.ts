/** Closed model (autocannon in the worker pool) and the hostile-server error kinds of both models. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../packages/loadgen/dist/index.js';
import {
  refusedUrl,
  startFastify,
  startSlowServer,
  startSocketDestroyer,
  type TestServer,
} from './fixtures/servers.js';
import { closedPhase, openPhase, plan } from './fixtures/servers-plans.js';

describe('closed model', () => {
  let fastify: TestServer & { hits: Map<string, number> };
  beforeAll(async () => {
    fastify = await startFastify();
  });
  afterAll(() => fastify.close());

  it('keeps N connections busy, merges both workers exactly and honours the weighted mix and expect.status', async () => {
    fastify.hits.clear();
    const result = await runLoad({
      target: fastify.url,
      workers: 2,
      plan: plan([closedPhase(8, 1500)], {
        requests: [
          { weight: 3, method: 'GET', path: '/status/200', headers: {} },
          { weight: 1, method: 'GET', path: '/status/{{pick 500 503}}', headers: {} },
        ],
      }),
    });
    expect(result.latencyOrigin).toBe('actual-send');
    expect(result.workers).toBe(2);
    expect(result.requests.total).toBeGreaterThan(300);
    // Counts add up across kinds, statuses and the merged histogram.
    const s200 = result.statuses['200'] ?? 0;
    const s5xx = (result.statuses['500'] ?? 0) + (result.statuses['503'] ?? 0);
    expect(result.requests.ok).toBe(s200);
    expect(result.errors.status).toBe(s5xx);
    expect(result.latency.count).toBe(s200 + s5xx);
    expect(result.requests.total).toBe(result.requests.ok + result.requests.errors);
    expect(s5xx / (s200 + s5xx)).toBeGreaterThan(0.18);
    expect(s5xx / (s200 + s5xx)).toBeLessThan(0.32);
    // Sub-millisecond resolution: a loopback fastify answers well under 1 ms at p50 on an idle box,
    // and never reports whole-ms-truncated 0.
    expect(result.latency.p50).toBeGreaterThan(0);
    expect(result.latency.p50).not.toBe(Math.round(result.latency.p50));
    expect(result.rate.asked).toBeNull();
    expect(result.rate.achieved).toBeCloseTo(result.requests.total / 1.5, -1);
    // Every request the server saw was one of the templates.
    const seen = [...fastify.hits.keys()].sort();
    expect(seen).toEqual(['GET /status/200', 'GET /status/500', 'GET /status/503']);
  });
});

describe('hostile targets give counted errors, never a crash', () => {
  it.each(['open', 'closed'] as const)('%s model: a refused port counts as refused', async (model) => {
    const url = await refusedUrl();
    const phase = model === 'open' ? openPhase(100, 800) : closedPhase(2, 800);
    const result = await runLoad({ target: url, workers: 1, plan: plan([phase]) });
    expect(result.errors.refused).toBeGreaterThan(10);
    expect(result.requests.ok).toBe(0);
    expect(result.errors.reset + result.errors.other + result.errors.timeout).toBe(0);
  });

  it.each(['open', 'closed'] as const)('%s model: a server destroying sockets counts as reset', async (model) => {
    const server = await startSocketDestroyer();
    try {
      const phase = model === 'open' ? openPhase(100, 800) : closedPhase(2, 800);
      const result = await runLoad({ target: server.url, workers: 1, plan: plan([phase]) });
      expect(result.errors.reset).toBeGreaterThan(10);
      expect(result.requests.ok).toBe(0);
      expect(result.errors.other).toBe(0);
    } finally {
      await server.close();
    }
  });

  it.each(['open', 'closed'] as const)(
    '%s model: a server slower than the timeout counts as timeout',
    async (model) => {
      const server = await startSlowServer(5000);
      try {
        const phase = model === 'open' ? openPhase(20, 1500) : closedPhase(2, 2500);
        const started = performance.now();
        const result = await runLoad({ target: server.url, workers: 1, plan: plan([phase], { timeoutMs: 1000 }) });
        expect(result.errors.timeout).toBeGreaterThanOrEqual(2);
        expect(result.requests.ok).toBe(0);
        // The open model waits for in-flight requests, each bounded by the timeout.
        expect(performance.now() - started).toBeLessThan(6000);
      } finally {
        await server.close();
      }
    },
  );
});
