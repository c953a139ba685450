#!/usr/bin/env node
/**
 * Runtime benchmark for docs/benchmarks.md "## Runtimes": time from start to ready per driver,
 * and CPU time per request that each driver measures for the sample balancer's good and
 * regressed builds under the same fixed-rate (open model) load from @peakgate/loadgen.
 *
 *   node packages/runtime/bench/runtime-bench.mjs [--rate 300] [--seconds 10] [--rounds 2]
 *        [--drivers docker,process] [--cpuset 1]
 * Needs a build (`pnpm build`) and the images (`pnpm images`). Load goes to 127.0.0.1 only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from '../../loadgen/dist/index.js';
import { createDriver, dockerAvailable } from '../dist/index.js';

const root = path.resolve(import.meta.dirname, '../../..');
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    drivers: { type: 'string', default: 'docker,process' },
    cpuset: { type: 'string', default: availableParallelism() > 1 ? String(availableParallelism() - 1) : '' },
    starts: { type: 'string', default: '5' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const cpuset = values.cpuset === '' ? undefined : values.cpuset;
const outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-bench-'));

const body = {
  items: Array.from({ length: 20 }, (_, i) => ({
    key: `user-${i}`,
    zone: i % 2 ? 'eu-west-1a' : 'us-east-1b',
    size: 1 + (i % 3),
  })),
};
const phase = (name, s) => ({
  name,
  durationMs: s * 1000,
  load: { model: 'open', rate: { from: rate, to: rate }, maxConnections: 64 },
});
const plan = {
  warmup: phase('warmup', Number(values.warmup)),
  phases: [phase('hold', seconds)],
  requests: [{ weight: 1, method: 'POST', path: '/balance', headers: {}, json: body }],
  expectStatus: [200],
  timeoutMs: 5000,
};
const service = {
  port: 8080,
  ready: { kind: 'http', path: '/healthz', timeoutMs: 30_000 },
  env: {},
  resources: {},
  network: 'host',
};
const build = (driver, mode) =>
  driver === 'docker'
    ? { kind: 'image', image: `peakgate/balancer:${mode}` }
    : { kind: 'command', command: `exec node ${root}/docker/services/balancer/dist/server.js`, env: { MODE: mode } };

const drivers = values.drivers.split(',').filter((d) => d === 'process' || d === 'docker');
if (drivers.includes('docker') && !(await dockerAvailable())) {
  console.error('no Docker engine: benchmarking the process driver only');
  drivers.splice(drivers.indexOf('docker'), 1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 3) => x.toFixed(d);

async function readiness(driverName) {
  const driver = createDriver(driverName);
  const times = [];
  for (let i = 0; i < Number(values.starts); i++) {
    const s = await driver.start(build(driverName, 'good'), service, {
      runId: 'bench-ready',
      role: 'baseline',
      outDir,
      cpuset,
    });
    times.push(s.readyMs);
    await s.stop();
  }
  return times;
}

async function trial(driverName, mode) {
  const driver = createDriver(driverName);
  const s = await driver.start(build(driverName, mode), service, {
    runId: 'bench',
    role: mode === 'good' ? 'baseline' : 'candidate',
    outDir,
    cpuset,
  });
  try {
    const edges = {};
    const result = await runLoad({
      target: s.url,
      plan,
      workers: 1,
      onPhase: (event) => {
        // CPU over the measured window = difference of the cumulative counter at its edges.
        if (!event.warmup) edges[event.type] = s.cpuNanos();
      },
    });
    const cpuStart = await edges.start;
    const cpuEnd = await edges.end;
    const ok = result.requests.ok;
    return {
      readyMs: s.readyMs,
      cpuMsPerRequest: (cpuEnd - cpuStart) / 1e6 / ok,
      p99: result.latency.p99,
      achieved: result.rate.achieved,
      errors: result.requests.errors,
    };
  } finally {
    await s.stop();
  }
}

const report = [];
for (const driverName of drivers) {
  const ready = await readiness(driverName);
  const runs = { good: [], regressed: [] };
  // A B B A order so drift hits both builds alike.
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? ['good', 'regressed'] : ['regressed', 'good'];
    for (const mode of order) {
      const r = await trial(driverName, mode);
      runs[mode].push(r);
      console.error(
        `${driverName} ${mode}: ${fmt(r.cpuMsPerRequest)} ms CPU/req, p99 ${fmt(r.p99, 2)} ms, ${fmt(r.achieved, 0)} req/s, ${r.errors} errors`,
      );
    }
  }
  const good = median(runs.good.map((r) => r.cpuMsPerRequest));
  const regressed = median(runs.regressed.map((r) => r.cpuMsPerRequest));
  report.push({
    driver: driverName,
    readyMs: { median: median(ready), max: Math.max(...ready), samples: ready.length },
    cpuMsPerRequest: { good, regressed, ratio: regressed / good },
    p99Ms: { good: median(runs.good.map((r) => r.p99)), regressed: median(runs.regressed.map((r) => r.p99)) },
    runs,
  });
}
await rm(outDir, { recursive: true, force: true });

console.log(
  `| driver | ready (median / max of ${values.starts}) | CPU ms/req good | CPU ms/req regressed | ratio | p99 good / regressed |`,
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of report)
  console.log(
    `| ${r.driver} | ${r.readyMs.median} / ${r.readyMs.max} ms | ${fmt(r.cpuMsPerRequest.good)} | ${fmt(r.cpuMsPerRequest.regressed)} | ${fmt(r.cpuMsPerRequest.ratio, 2)} | ${fmt(r.p99Ms.good, 2)} / ${fmt(r.p99Ms.regressed, 2)} ms |`,
  );
console.log(
  `\nrate ${rate} req/s POST /balance (20 items), ${seconds} s measured after ${values.warmup} s warm-up, ${values.rounds} rounds A B B A, service cpuset ${cpuset ?? 'none'}, 1 load worker`,
);
