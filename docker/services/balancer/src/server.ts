/**
 * @peakgate/sample-balancer: a request router / load balancer used as peakgate's sample service.
 *
 * MODE (env, baked into the images as build arg):
 *   good       the reference build
 *   regressed  a redundant re-scoring loop on the balancing path: ~30% more CPU per request
 *   crashy     exits with code 1 after CRASH_AFTER requests (default 500)
 *   leaky      retains LEAK_BYTES (default 256 KiB) per request until the memory limit kills it
 * Injected regressions of known size for calibration: BURN_PCT, SLOW_PCT, SLOW_MS, KIND_PATH with
 * KIND_X (injected-cost.ts).
 * Listens on PORT (default 8080) at HOST (default 0.0.0.0).
 */
import Fastify from 'fastify';
import { createBackends } from './backends.js';
import { type BalanceItem, balance, buildRing, lookup, redundantRouteCheck } from './balancing.js';
import { injectedCost, kindCost } from './injected-cost.js';

type Mode = 'good' | 'regressed' | 'crashy' | 'leaky';
const MODES: readonly Mode[] = ['good', 'regressed', 'crashy', 'leaky'];

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`balancer: ${name}=${raw} is not a non-negative number`);
    process.exit(2);
  }
  return value;
}

const mode = (process.env.MODE ?? 'good') as Mode;
if (!MODES.includes(mode)) {
  console.error(`balancer: MODE=${mode} is not one of ${MODES.join(', ')}`);
  process.exit(2);
}
const port = envNumber('PORT', 8080);
const host = process.env.HOST ?? '0.0.0.0';
const crashAfter = envNumber('CRASH_AFTER', 500);
const leakBytes = envNumber('LEAK_BYTES', 256 * 1024);
// Calibrated so that regressed/good CPU per request was ~1.3 (docs/benchmarks.md "## Runtimes"); on
// the 2-core CI VM it measures ~1.35-1.38 since the fast warm-up and de-phased arrivals (the README
// demo: +35.1% and +37.5%, 2026-12-07); it was ~1.17-1.20 before, while the JIT was still warming.
const redundantShare = mode === 'regressed' ? envNumber('REGRESSION_SHARE', 0.6) : 0;
const redundantRouteRounds = mode === 'regressed' ? envNumber('REGRESSION_ROUTE_ROUNDS', 1) : 0;

const injected = injectedCost({
  burnPct: envNumber('BURN_PCT', 0),
  slowPct: envNumber('SLOW_PCT', 0),
  slowMs: envNumber('SLOW_MS', 0),
});
const costlierKind = kindCost({ path: process.env.KIND_PATH ?? '', factor: envNumber('KIND_X', 1) });
// When each costlier-kind request started (CPU reading), until its response is serialised.
const kindStarted = new WeakMap<object, NodeJS.CpuUsage>();
const backends = createBackends();
const ring = buildRing(backends);
const retained: Buffer[] = [];
let served = 0;

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, keepAliveTimeout: 10_000 });

app.addHook('onRequest', async (request) => {
  if (request.url === '/healthz') return;
  served++;
  if (mode === 'crashy' && served > crashAfter) {
    console.error(`balancer: crashing after ${crashAfter} requests (MODE=crashy)`);
    process.exit(1);
  }
  if (mode === 'leaky') {
    // allocUnsafe + fill touches every page, so the leak shows up in RSS and the cgroup at once.
    retained.push(Buffer.allocUnsafe(leakBytes).fill(served & 0xff));
  }
  injected.burn();
  const delay = injected.delayMs();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  // After the other knobs' burn and wait, so the span is this request's own work alone.
  if (costlierKind?.matches(request.url)) kindStarted.set(request, costlierKind.start());
});

if (costlierKind) {
  app.addHook('onSend', async (request, _reply, payload) => {
    const started = kindStarted.get(request);
    if (started) costlierKind.finish(started);
    return payload;
  });
}

app.get('/healthz', async () => ({ status: 'ok', mode }));

app.get('/backends', async () => ({ count: backends.length, backends }));

app.get<{ Querystring: { key?: string } }>('/route', async (request, reply) => {
  const key = request.query.key;
  if (key === undefined || key === '') return reply.code(400).send({ error: 'query parameter key is required' });
  const { index, hash } = lookup(ring, key);
  if (redundantRouteRounds > 0) redundantRouteCheck(backends, key, redundantRouteRounds);
  const backend = backends[index];
  return { key, hash, backend: backend?.id, host: backend?.host, port: backend?.port, zone: backend?.zone };
});

app.post<{ Body: { items?: unknown } }>('/balance', async (request, reply) => {
  const items = request.body?.items;
  if (!Array.isArray(items) || items.length === 0 || items.length > 1000)
    return reply.code(400).send({ error: 'body.items must be an array of 1..1000 items' });
  const parsed: BalanceItem[] = [];
  for (const raw of items) {
    if (typeof raw === 'string' || typeof raw === 'number') parsed.push({ key: String(raw) });
    else if (raw !== null && typeof raw === 'object' && 'key' in raw) parsed.push(raw as BalanceItem);
    else return reply.code(400).send({ error: 'each item must be a key or an object with a key' });
  }
  const assignments = balance(backends, parsed, redundantShare);
  const perBackend: Record<string, number> = {};
  for (const a of assignments) perBackend[a.backend] = (perBackend[a.backend] ?? 0) + 1;
  return { count: assignments.length, assignments, perBackend };
});

function shutdown(signal: string): void {
  // PID 1 in a container gets no default signal handling: without this `docker stop` waits 10 s.
  console.log(`balancer: ${signal}, closing`);
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  await app.listen({ port, host });
  console.log(`balancer listening on http://${host}:${port} mode=${mode} pid=${process.pid}`);
} catch (error) {
  console.error(`balancer: cannot listen on ${host}:${port}: ${(error as Error).message}`);
  process.exit(1);
}
