/** Run lifecycle: phases and warm-up, live per-second samples, abort with partial results, thread cleanup. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecondSample } from '../packages/core/dist/index.js';
import { type PhaseEvent, runLoad } from '../packages/loadgen/dist/index.js';
import { startFastify, type TestServer, threadCount } from './fixtures/servers.js';
import { closedPhase, openPhase, plan } from './fixtures/servers-plans.js';

describe('run lifecycle', () => {
  let fastify: TestServer;
  beforeAll(async () => {
    fastify = await startFastify();
  });
  afterAll(() => fastify.close());

  it('runs the warm-up first and discards it, then phases in order, streaming samples while the load runs', async () => {
    const samples: Array<SecondSample & { at: number }> = [];
    const events: PhaseEvent[] = [];
    const started = performance.now();
    const result = await runLoad({
      target: fastify.url,
      workers: 2,
      plan: plan(
        [
          { ...openPhase(200, 2000), name: 'steady' },
          { ...closedPhase(4, 1000), name: 'burst' },
        ],
        {
          warmup: { ...openPhase(50, 1000), name: 'warmup' },
        },
      ),
      onSample: (s) => samples.push({ ...s, at: performance.now() - started }),
      onPhase: (e) => events.push(e),
    });
    const ended = performance.now() - started;
    expect(events.map((e) => `${e.type}:${e.phase}`)).toEqual([
      'start:warmup',
      'end:warmup',
      'start:steady',
      'end:steady',
      'start:burst',
      'end:burst',
    ]);
    expect(result.phases.map((p) => p.name)).toEqual(['steady', 'burst']);
    expect(result.phases[0]?.requests.total).toBe(400);
    // Warm-up requests (50) are not in the totals.
    expect(result.requests.total).toBe(400 + (result.phases[1]?.requests.total ?? 0));
    expect(result.latencyOrigin).toBe('mixed');
    expect(samples.filter((s) => s.warmup).length).toBe(1);
    expect(result.series.map((s) => `${s.second}:${s.phase}`)).toEqual(['0:steady', '1:steady', '2:burst']);
    expect(result.series.reduce((n, s) => n + s.requests, 0)).toBe(result.requests.total);
    // The first measured sample arrived long before the run ended: samples stream, they are not batched.
    const firstMeasured = samples.find((s) => !s.warmup);
    expect(firstMeasured?.at).toBeLessThan(ended - 1500);
    expect(firstMeasured?.histogram).toMatch(/^HISTF/);
  });

  it('stops within a second of an abort and returns what was measured, marked interrupted', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const result = await runLoad({
      target: fastify.url,
      workers: 2,
      signal: controller.signal,
      plan: plan([openPhase(300, 30_000), closedPhase(4, 30_000)]),
      // Abort half a second after the first full second was measured (worker start-up varies with load).
      onSample: (s) => {
        if (s.second === 0)
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort();
          }, 500);
      },
    });
    const stoppedIn = performance.now() - abortedAt;
    expect(stoppedIn).toBeLessThan(1000);
    expect(result.interrupted).toBe(true);
    expect(result.phases).toHaveLength(1);
    // 1.5 s at 300 req/s ≈ 450 arrivals; allow for timer slack around the abort.
    expect(result.requests.total).toBeGreaterThan(350);
    expect(result.requests.total).toBeLessThan(560);
    expect(result.durationMs).toBeGreaterThan(1300);
    expect(result.durationMs).toBeLessThan(1900);
    expect(result.series.map((s) => s.second)).toEqual([0, 1]);
  });

  it('leaves no worker threads behind, also after an aborted or rejected run', async () => {
    const before = await threadCount();
    await runLoad({ target: fastify.url, workers: 3, plan: plan([openPhase(50, 300)]) });
    // Aborted while the workers are starting or running.
    const aborted = await runLoad({
      target: fastify.url,
      workers: 2,
      signal: AbortSignal.timeout(300),
      plan: plan([openPhase(50, 10_000)]),
    });
    expect(aborted.interrupted).toBe(true);
    // A throwing callback fails the run (after teardown) instead of crashing the process.
    await expect(
      runLoad({
        target: fastify.url,
        workers: 2,
        plan: plan([openPhase(50, 1200)]),
        onSample: () => {
          throw new Error('callback bug');
        },
      }),
    ).rejects.toThrow('callback bug');
    // Rejected before any thread starts.
    await expect(
      runLoad({ target: fastify.url, workers: 2, plan: plan([openPhase(50, 300)], { requests: [] }) }),
    ).rejects.toThrow(/at least one request/);
    // Thread exit is asynchronous to the 'exit' event; allow a moment.
    let after = await threadCount();
    for (let i = 0; i < 20 && after > before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await threadCount();
    }
    expect(after).toBeLessThanOrEqual(before);
  });

  it("leaves no listener on the caller's abort signal, which a comparison shares over many runs", async () => {
    const { EventEmitter } = await import('node:events');
    const controller = new AbortController();
    for (let run = 0; run < 2; run++) {
      await runLoad({
        target: fastify.url,
        workers: 1,
        signal: controller.signal,
        plan: plan([openPhase(50, 200), closedPhase(2, 200)], { warmup: openPhase(50, 200) }),
      });
    }
    expect(EventEmitter.getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
