#!/usr/bin/env node
// Load-engine benchmark (not a timed test): raw autocannon CLI, wrk and peakgate's engine against
// the same trivial fastify target, in one run, at the same connection count; then peakgate's open
// model at a fixed 2,000 req/s. Reports throughput and the generator's own CPU time per request
// and ratios to raw autocannon. CPU: autocannon and wrk = user+sys of the whole process from
// /usr/bin/time (start-up included); peakgate = process.cpuUsage() of a child process running the
// engine, taken around runLoad (worker-pool start-up included, node/module loading excluded).
//
//   pnpm --filter @peakgate/loadgen exec tsc -b   # or: npx tsc -b packages/cli
//   node bench/loadgen/run.mjs [--connections 50] [--seconds 10] [--rate 2000] [--rate-seconds 20] [--repeat 3] [--duets 5]
//
// With `taskset` present, the target is pinned to CPU 0 and every generator to CPU 1.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { has, pin, pinned } from '../cpu-pinning.mjs';

const here = import.meta.dirname;
const root = join(here, '..', '..');
const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2000' },
    'rate-seconds': { type: 'string', default: '20' },
    repeat: { type: 'string', default: '3' },
    duets: { type: 'string', default: '5' },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const repeat = Number(values.repeat);
const shortSeconds = Math.max(1, Math.round(seconds / 3));
const autocannonBin = join(root, 'packages', 'loadgen', 'node_modules', '.bin', 'autocannon');
const tmp = mkdtempSync(join(tmpdir(), 'peakgate-bench-'));

async function run(argv) {
  // /usr/bin/time reports the generator's own user+sys CPU (children included, i.e. its threads and
  // any helper process), independent of the target's.
  const timeFile = join(tmp, `time-${Math.random().toString(36).slice(2)}`);
  const out = await new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/time',
      ['-f', '%U %S %e', '-o', timeFile, ...argv],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end();
  });
  const [user, sys, wall] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
  return { out, cpuSeconds: user + sys, wallSeconds: wall };
}

async function startTarget() {
  const [cmd, ...args] = pinned(0, ['node', join(here, 'target.mjs')]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())));
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill('SIGTERM') };
}

const generators = {
  autocannon: async (url, seconds) => {
    const r = await run(pinned(1, [autocannonBin, '-c', String(connections), '-d', String(seconds), '-j', url]));
    const json = JSON.parse(r.out);
    return { requests: json.requests.total, seconds: json.duration, cpu: r.cpuSeconds };
  },
  wrk: async (url, seconds) => {
    const r = await run(pinned(1, ['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, url]));
    const requests = Number(/(\d+) requests in/.exec(r.out)?.[1]);
    const took = /requests in ([\d.]+)(m?s)/.exec(r.out);
    const secs = took ? Number(took[1]) / (took[2] === 'ms' ? 1000 : 1) : seconds;
    return { requests, seconds: secs, cpu: r.cpuSeconds };
  },
  peakgate: async (url, seconds) => {
    const r = await run(
      pinned(1, ['node', join(here, 'engine-child.mjs'), url, 'closed', String(connections), String(seconds)]),
    );
    const json = JSON.parse(r.out);
    // process.cpuUsage() of the engine's process around runLoad (all threads, pool start-up included).
    return { requests: json.requests.total, seconds: json.durationMs / 1000, cpu: json.cpuSeconds };
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const target = await startTarget();
// Per round: every generator's figures, and each one's ratios to autocannon's in the same round.
// This VM's speed drifts between runs (raw autocannon alone swings between ~23k and ~39k req/s
// for minutes at a time, with the generator's core saturated in both modes), so a ratio of medians
// taken in different minutes can be off by 40%. Ratios within a round are paired: the generators
// ran back to back, in an order that rotates every round, and the reported figure is the median
// of those paired ratios (with their range).
const rounds = [];
try {
  // Warm the target's JIT so the first generator is not penalised.
  await generators.autocannon(target.url, shortSeconds);
  for (let round = 0; round < repeat; round++) {
    const names = Object.keys(generators).filter((n) => n !== 'wrk' || has('wrk'));
    const figures = {};
    for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
      // A short and a long run: the difference gives the steady-state (marginal) CPU per request,
      // free of each generator's start-up cost (node, module loading, worker threads).
      const short = await generators[name](target.url, shortSeconds);
      const g = await generators[name](target.url, seconds);
      const marginal = ((g.cpu - short.cpu) / (g.requests - short.requests)) * 1e6;
      figures[name] = { rps: g.requests / g.seconds, cpuPerReqUs: (g.cpu / g.requests) * 1e6, marginalUs: marginal };
      process.stderr.write(
        `round ${round + 1} ${name}: ${figures[name].rps.toFixed(0)} req/s, ${figures[name].cpuPerReqUs.toFixed(1)} µs CPU/req, marginal ${marginal.toFixed(1)} µs\n`,
      );
    }
    rounds.push(figures);
  }
  // Duets: autocannon and peakgate at the same time, both on the generator core, against the same
  // target. Whatever the VM's speed does, it does to both in the same seconds, so the ratio of
  // their CPU per request is free of the drift that spreads the sequential rounds. (Their
  // throughputs are not comparable here: the scheduler's split of the shared core decides them.)
  const duets = [];
  for (let i = 0; i < Number(values.duets); i++) {
    const [a, p] = await Promise.all([
      generators.autocannon(target.url, seconds),
      generators.peakgate(target.url, seconds),
    ]);
    const duet = {
      cpuPerReqRatio: p.cpu / p.requests / (a.cpu / a.requests),
    };
    duets.push(duet);
    process.stderr.write(
      `duet ${i + 1}: autocannon ${(a.requests / a.seconds).toFixed(0)} req/s, peakgate ${(p.requests / p.seconds).toFixed(0)} req/s; ` +
        `peakgate ÷ autocannon CPU/request ${duet.cpuPerReqRatio.toFixed(3)}\n`,
    );
  }
  const rateArgs = ['node', join(here, 'engine-child.mjs'), target.url, 'open', values.rate, values['rate-seconds']];
  const open = JSON.parse((await run(pinned(1, rateArgs))).out);
  const ac = (r) => r.autocannon;
  const ratio = (name, key) => rounds.map((r) => r[name][key] / ac(r)[key]);
  const cell = (xs) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
  const names = Object.keys(rounds[0]);
  const summary = Object.fromEntries(
    names.map((name) => [
      name,
      {
        rpsRatio: median(ratio(name, 'rps')),
        cpuPerReqRatio: median(ratio(name, 'cpuPerReqUs')),
        marginalRatio: median(ratio(name, 'marginalUs')),
        rps: rounds.map((r) => Math.round(r[name].rps)),
      },
    ]),
  );
  const acRps = rounds.map((r) => ac(r).rps);
  const lines = [
    `Conditions: ${availableParallelism()} cores, ${pin ? 'target pinned to CPU 0, generators to CPU 1 (taskset)' : 'no pinning'}, ` +
      `load average ${loadavg()[0].toFixed(2)} at the end, ${connections} connections × ${seconds} s, ${repeat} rounds; ` +
      `raw autocannon ranged ${Math.min(...acRps).toFixed(0)}–${Math.max(...acRps).toFixed(0)} req/s over the rounds.`,
    '',
    '| generator | req/s ÷ autocannon | CPU per request ÷ autocannon (whole run) | steady-state CPU per request ÷ autocannon |',
    '| --- | --- | --- | --- |',
    ...names.map(
      (name) =>
        `| ${name} | ${cell(ratio(name, 'rps'))} | ${cell(ratio(name, 'cpuPerReqUs'))} | ${cell(ratio(name, 'marginalUs'))} |`,
    ),
    '',
    'Each cell: median over rounds of the ratio within a round (min–max in brackets).',
    `Unpaired check (each generator's median over rounds ÷ autocannon's): ${names
      .filter((name) => name !== 'autocannon')
      .map((name) => {
        const of = (key) => median(rounds.map((r) => r[name][key])) / median(rounds.map((r) => ac(r)[key]));
        return `${name} req/s ${of('rps').toFixed(3)}, CPU/request ${of('cpuPerReqUs').toFixed(3)}, steady state ${of('marginalUs').toFixed(3)}`;
      })
      .join('; ')}.`,
    ...(duets.length > 0
      ? [
          '',
          `Duets (autocannon and peakgate at once on the generator core, ${duets.length} × ${seconds} s, whole-run CPU): ` +
            `peakgate ÷ autocannon CPU per request ${cell(duets.map((d) => d.cpuPerReqRatio))}.`,
        ]
      : []),
    '',
    `Open model, ${values.rate} req/s for ${values['rate-seconds']} s: achieved ÷ asked = ${(open.rate.achieved / open.rate.asked).toFixed(4)}, ` +
      `dropped ${open.errors.dropped}, errors ${open.requests.errors}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stderr.write(
    `${JSON.stringify({ summary, duets, open: { rate: open.rate, errors: open.errors, latency: open.latency } })}\n`,
  );
} finally {
  target.stop();
}
