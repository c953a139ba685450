/**
 * Per-request-kind figures of the load engine: each outcome is attributed to the request that was
 * sent (closed model through autocannon's per-connection context, open model directly), in every
 * worker, and merged exactly, so per-name counts and histograms add up to the whole mix's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram, type LoadResult, type PhaseResult } from '../packages/core/dist/index.js';
import { runLoad } from '../packages/loadgen/dist/index.js';
import { startHttpServer, type TestServer } from './fixtures/servers.js';
import { closedPhase, openPhase, plan } from './fixtures/servers-plans.js';

/** /fast answers at once, /slow after 20 ms with a 503, so latency and errors tell the kinds apart. */
function startKindServer(): Promise<TestServer & { hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  return startHttpServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/slow') {
      setTimeout(() => {
        res.statusCode = 503;
        res.end('slow');
      }, 20);
    } else res.end('ok');
  }).then((server) => Object.assign(server, { hits }));
}

const MIX = [
  { name: 'fast', weight: 4, method: 'GET' as const, path: '/fast?i={{int 1 9}}', headers: {} },
  { weight: 1, method: 'GET' as const, path: '/slow', headers: {} },
];

function expectExactSplit(phase: PhaseResult | LoadResult): void {
  const byName = phase.byName ?? {};
  expect(Object.keys(byName)).toEqual(['fast', 'GET /slow']);
  const fast = byName.fast;
  const slow = byName['GET /slow'];
  if (!fast || !slow) throw new Error('missing per-name results');
  expect(fast.requests.total + slow.requests.total).toBe(phase.requests.total);
  expect(fast.requests.ok + slow.requests.ok).toBe(phase.requests.ok);
  expect(fast.errors.status).toBe(0);
  expect(slow.requests.ok).toBe(0);
  // Every /slow response is a 503 (transport errors have no latency).
  expect(slow.errors.status).toBe(slow.latency.count);
  // Histograms add up to the whole mix's, and each kind's latencies are its own.
  expect(decodeHistogram(fast.histogram).totalCount + decodeHistogram(slow.histogram).totalCount).toBe(
    decodeHistogram(phase.histogram).totalCount,
  );
  // No /fast response was counted as /slow: every /slow latency is near its 20 ms delay, far from
  // /fast's ~1 ms (and no 503 was counted as /fast, above). Node's timers may fire up to ~1 ms
  // early (libuv's cached loop time), so the bound leaves room for that.
  expect(decodeHistogram(slow.histogram).minNonZeroValue).toBeGreaterThanOrEqual(15_000);
  expect(fast.latency.p50).toBeLessThan(slow.latency.p50);
}

describe('per-name figures of the load engine', () => {
  let server: TestServer & { hits: Map<string, number> };
  beforeAll(async () => {
    server = await startKindServer();
  });
  afterAll(() => server.close());

  it('closed model, two workers: every response is counted under the request that was sent', async () => {
    server.hits.clear();
    const result = await runLoad({
      target: server.url,
      workers: 2,
      plan: plan([closedPhase(6, 1500)], { requests: MIX, expectStatus: [200] }),
    });
    const phase = result.phases[0] as PhaseResult;
    expectExactSplit(phase);
    expectExactSplit(result);
    // What the server saw of each path matches what the engine counted (in-flight at the end aside).
    const slow = phase.byName?.['GET /slow']?.requests.total ?? 0;
    expect(Math.abs((server.hits.get('/slow') ?? 0) - slow)).toBeLessThanOrEqual(6);
    // Per-second parts add up too.
    for (const sample of result.series) {
      const parts = Object.values(sample.byName ?? {});
      expect(parts.reduce((sum, part) => sum + part.requests, 0)).toBe(sample.requests);
    }
  });

  it('open model, two workers: per-name counts, errors and per-second histograms', async () => {
    server.hits.clear();
    const result = await runLoad({
      target: server.url,
      workers: 2,
      plan: plan([openPhase(300, 2000)], { requests: MIX, expectStatus: [200] }),
    });
    const phase = result.phases[0] as PhaseResult;
    expectExactSplit(phase);
    // Requests sent (dropped arrivals were never sent) are exactly what the server saw of each path.
    const sent = (name: string): number => {
      const kind = phase.byName?.[name];
      return kind ? kind.requests.total - kind.errors.dropped : -1;
    };
    expect(sent('GET /slow')).toBe(server.hits.get('/slow'));
    expect(sent('fast')).toBe(server.hits.get('/fast'));
    let counted = 0;
    for (const sample of result.series) {
      const part = sample.byName?.['GET /slow'];
      if (part && part.histogram !== '') counted += decodeHistogram(part.histogram).totalCount;
    }
    expect(counted).toBe(phase.byName?.['GET /slow']?.latency.count);
  });

  it('a one-kind mix carries its one name with the whole figures and no per-second copies', async () => {
    const result = await runLoad({
      target: server.url,
      workers: 1,
      plan: plan([openPhase(100, 1000)], {
        requests: [{ weight: 1, method: 'GET', path: '/fast', headers: {} }],
        expectStatus: [200],
      }),
    });
    expect(Object.keys(result.byName ?? {})).toEqual(['GET /fast']);
    expect(result.byName?.['GET /fast']?.requests).toEqual(result.requests);
    expect(result.series.every((sample) => sample.byName === undefined)).toBe(true);
  });
});
