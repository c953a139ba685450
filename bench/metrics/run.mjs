#!/usr/bin/env node
// Cost of live metrics (issue 9 asks for under 3%): the load engine's own CPU time per request
// with and without the metrics registry (fed each second, served and scraped each second), in
// paired runs against the trivial fastify target of bench/loadgen. Pairs alternate their order
// (without/with, with/without) so drift hits both alike; the figure is the median of the
// per-pair ratios of CPU per request. Needs a quiet machine: other load skews single runs.
//
//   pnpm build
//   node bench/metrics/run.mjs [--rate 2000] [--seconds 15] [--pairs 7]
//
// With `taskset` present, the target is pinned to CPU 0 and the engine to CPU 1.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pin, pinned } from '../cpu-pinning.mjs';

const here = import.meta.dirname;
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    pairs: { type: 'string', default: '7' },
  },
});

function startTarget() {
  const [cmd, ...args] = pinned(0, [process.execPath, join(here, '..', 'loadgen', 'target.mjs')]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) })));
}

function engine(url, mode) {
  const [cmd, ...args] = pinned(1, [
    process.execPath,
    join(here, 'engine-child.mjs'),
    url,
    values.rate,
    values.seconds,
    mode,
  ]);
  return JSON.parse(execFileSync(cmd, args, { encoding: 'utf8' }));
}

const { child, port } = await startTarget();
const url = `http://127.0.0.1:${port}`;
const ratios = [];
try {
  engine(url, 'without'); // warm the target's JIT and the page cache; not counted
  for (let i = 0; i < Number(values.pairs); i += 1) {
    const order = i % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
    const runs = Object.fromEntries(order.map((mode) => [mode, engine(url, mode)]));
    const perRequest = (r) => (r.cpuSeconds / r.requests) * 1e6;
    const ratio = perRequest(runs.with) / perRequest(runs.without);
    ratios.push(ratio);
    console.log(
      `pair ${i + 1}: without ${perRequest(runs.without).toFixed(2)} µs/req (${runs.without.requests} req), with ${perRequest(runs.with).toFixed(2)} µs/req (${runs.with.requests} req), ratio ${ratio.toFixed(4)}`,
    );
  }
} finally {
  child.kill('SIGTERM');
}
ratios.sort((a, b) => a - b);
const median = ratios[Math.floor(ratios.length / 2)];
console.log(
  `median CPU per request with live metrics: ${((median - 1) * 100).toFixed(2)}% (${ratios.length} pairs, rate ${values.rate}/s, ${values.seconds} s each${pin ? ', pinned' : ''})`,
);
