#!/usr/bin/env node
// Scale bench (not a timed test): how many requests per second ONE load-engine worker on ONE core
// sends, for (a) the sample balancer service with the balancer-peak request mix (templated JSON
// bodies) and (b) a trivial node:http server returning 1 KiB; then what merging N shards'
// histograms costs. docs/scale.md turns the figures into shards and nodes for a given peak.
//
//   pnpm build && node bench/scale/run.mjs [--seconds 8] [--connections 32] [--open-fraction 0.5 | --open-rate N]
//                                          [--targets balancer,kib] [--repeat 3] [--no-merge]
//
// Per target and repeat: a closed-model run (N connections, as fast as responses come) gives the
// most the pair sends; then an open-model run at --open-fraction of that rate gives the
// generator's CPU per request at a fixed arrival rate, the way the gate loads a build. Capacity per
// generator core = requests ÷ generator CPU-seconds (whole generator process: main thread and the
// worker). With taskset and ≥ 2 cores the service is pinned to CPU 0 and the generator to CPU 1.
// All load goes to 127.0.0.1; every run is bounded by --seconds. Re-run on a quiet machine: the
// figures move with whatever else the cores are doing (the load average is printed before and after).
import { execFile, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pin, pinned } from '../cpu-pinning.mjs';

const here = import.meta.dirname;
const root = join(here, '..', '..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    'open-fraction': { type: 'string', default: '0.5' },
    // A fixed open-model rate instead of a fraction of the closed rate (e.g. near a full core on a quiet machine).
    'open-rate': { type: 'string' },
    targets: { type: 'string', default: 'balancer,kib' },
    repeat: { type: 'string', default: '3' },
    'no-merge': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const repeat = Number(values.repeat);
const openFraction = Number(values['open-fraction']);
const loadBefore = loadavg();

const TARGETS = {
  balancer: {
    what: 'sample balancer (MODE=good), balancer-peak mix',
    argv: ['node', join(root, 'docker/services/balancer/dist/server.js')],
    env: { MODE: 'good', HOST: '127.0.0.1' },
    port: 'env',
    scenario: join(root, 'scenarios/balancer-peak.yaml'),
    ready: '/healthz',
  },
  kib: {
    what: 'node:http, 1 KiB response, GET /',
    argv: ['node', join(here, 'kib-server.mjs')],
    env: {},
    port: 'stdout',
    ready: '/',
  },
};

/** Starts a target pinned to CPU 0 on 127.0.0.1; resolves with its URL once it answers. */
async function startTarget(spec) {
  const port = spec.port === 'env' ? 20_000 + Math.floor(Math.random() * 20_000) : undefined;
  const env = { ...process.env, ...spec.env, ...(port === undefined ? {} : { PORT: String(port) }) };
  delete env.NODE_OPTIONS;
  const [cmd, ...args] = pinned(0, spec.argv);
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const listening =
    port !== undefined
      ? Promise.resolve(port)
      : new Promise((resolve, reject) => {
          child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())));
          child.once('exit', (code) => reject(new Error(`target exited ${code}`)));
        });
  const url = `http://127.0.0.1:${await listening}`;
  for (let tries = 0; tries < 100; tries++) {
    try {
      if ((await fetch(url + spec.ready)).ok) return { url, stop: () => child.kill('SIGTERM') };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`${spec.what} never answered on ${url}`);
}

function generate(job) {
  const [cmd, ...args] = pinned(1, ['node', join(here, 'engine-child.mjs'), JSON.stringify(job)]);
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd: root, encoding: 'utf8', timeout: (job.seconds + 60) * 1000 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout)),
    ),
  );
}

function mergeBench() {
  return new Promise((resolve, reject) =>
    execFile(...pinnedExec(['node', join(here, 'merge-bench.mjs')]), { encoding: 'utf8' }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout)),
    ),
  );
}
const pinnedExec = (argv) => {
  const [cmd, ...args] = pinned(1, argv);
  return [cmd, args];
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rows = [];
for (const name of values.targets.split(',')) {
  const spec = TARGETS[name];
  if (spec === undefined) throw new Error(`unknown target ${name} (balancer, kib)`);
  const target = await startTarget(spec);
  try {
    const base = { target: target.url, ...(spec.scenario ? { scenario: spec.scenario } : {}), seconds };
    // Warm the service's JIT so the first measured run is not its slowest.
    await generate({ ...base, model: 'closed', amount: Number(values.connections), seconds: 2 });
    // The engine's fixed cost (node, modules, worker-pool start-up, 1 s nearly idle), taken off
    // each run's CPU for the steady-state figure: what one more second of load costs.
    const idle = await generate({ ...base, model: 'open', amount: 1, seconds: 1 });
    const fixedCpu = idle.cpuSeconds;
    const closed = [];
    const open = [];
    for (let i = 0; i < repeat; i++) {
      const c = await generate({ ...base, model: 'closed', amount: Number(values.connections) });
      const closedRps = c.requests.total / (c.durationMs / 1000);
      closed.push({
        rps: closedRps,
        cpuShare: c.cpuSeconds / (c.durationMs / 1000),
        perCpuSecond: c.requests.total / c.cpuSeconds,
        steadyPerCpuSecond: c.requests.total / Math.max(1e-3, c.cpuSeconds - fixedCpu),
        errors: c.requests.errors,
      });
      const rate =
        values['open-rate'] !== undefined
          ? Number(values['open-rate'])
          : Math.max(100, Math.round((closedRps * openFraction) / 100) * 100);
      const o = await generate({ ...base, model: 'open', amount: rate });
      open.push({
        asked: rate,
        achievedRatio: o.rate.achieved / rate,
        cpuShare: o.cpuSeconds / (o.durationMs / 1000),
        perCpuSecond: o.requests.total / o.cpuSeconds,
        steadyPerCpuSecond: o.requests.total / Math.max(1e-3, o.cpuSeconds - fixedCpu),
        errors: o.requests.errors + o.dropped,
        p99Ms: o.p99Ms,
      });
      process.stderr.write(
        `${name} #${i + 1}: closed ${fmt(closedRps)} req/s (generator ${(closed.at(-1).cpuShare * 100).toFixed(0)}% of a core, ${fmt(closed.at(-1).perCpuSecond)} req per CPU-s); ` +
          `open ${fmt(rate)} req/s achieved ${(o.rate.achieved / rate).toFixed(3)} (generator ${(open.at(-1).cpuShare * 100).toFixed(0)}%, ${fmt(open.at(-1).perCpuSecond)} req per CPU-s)\n`,
      );
    }
    rows.push({ name, what: spec.what, fixedCpu, closed, open });
  } finally {
    target.stop();
  }
}

const lines = [
  `Conditions: ${availableParallelism()} cores, ${pin ? 'service pinned to CPU 0, generator (1 worker) to CPU 1 (taskset)' : 'NOT pinned (no taskset or one core)'}; ` +
    `${seconds} s per run, ${repeat} repeats, closed model ${values.connections} connections, open model at ${values['open-rate'] !== undefined ? `${values['open-rate']} req/s` : `${openFraction} × the closed rate`}; ` +
    `load average (1 min) ${loadBefore[0].toFixed(2)} before, ${loadavg()[0].toFixed(2)} after.`,
  '',
  '| service | closed: req/s | closed: generator CPU | closed: req per generator CPU-s (steady) | open: asked req/s | open: achieved ÷ asked | open: generator CPU | open: req per generator CPU-s (steady) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    const m = (xs, key) => median(xs.map((x) => x[key]));
    return `| ${r.what} | ${fmt(m(r.closed, 'rps'))} | ${(m(r.closed, 'cpuShare') * 100).toFixed(0)}% | ${fmt(m(r.closed, 'perCpuSecond'))} (${fmt(m(r.closed, 'steadyPerCpuSecond'))}) | ${fmt(m(r.open, 'asked'))} | ${m(r.open, 'achievedRatio').toFixed(3)} | ${(m(r.open, 'cpuShare') * 100).toFixed(0)}% | ${fmt(m(r.open, 'perCpuSecond'))} (${fmt(m(r.open, 'steadyPerCpuSecond'))}) |`;
  }),
  '',
  `Fixed cost of one generator (node, modules, pool start-up, 1 s idle), taken off for "steady": ${rows.map((r) => `${r.name} ${r.fixedCpu.toFixed(2)} CPU-s`).join(', ')}.`,
  'Medians over the repeats. "req per generator CPU-s" (whole run, and steady state in brackets) is what one fully used generator core',
  'would send at that mix: the per-core capacity docs/scale.md sizes shards with.',
  'Errors (closed; open incl. dropped arrivals): ' +
    rows
      .map(
        (r) => `${r.name} ${r.closed.reduce((s, x) => s + x.errors, 0)}, ${r.open.reduce((s, x) => s + x.errors, 0)}`,
      )
      .join('; ') +
    '.',
];
if (!values['no-merge']) {
  const merge = await mergeBench();
  lines.push(
    '',
    `Histogram merge (${fmt(merge.valuesPerHistogram)} latencies per shard histogram, median of ${merge.repeat}, on CPU 1):`,
    '',
    '| shards N | encoded size | core mergeEncodedHistograms (packed) | loadgen mergeWorkerHistograms (32-bit) |',
    '| --- | --- | --- | --- |',
    ...merge.rows.map(
      (r) =>
        `| ${r.n} | ${(r.encodedBytes / 1024).toFixed(1)} KiB | ${r.coreMs.toFixed(1)} ms | ${r.shardMs.toFixed(1)} ms |`,
    ),
  );
}
lines.push(
  '',
  `Load average (1, 5, 15 min) at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}.`,
);
process.stdout.write(`${lines.join('\n')}\n`);
