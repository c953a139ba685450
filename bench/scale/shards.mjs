#!/usr/bin/env node
// Shards bench (not a timed test): the same total rate sent by one load shard and by three, on this
// one node (`peakgate run --service … --driver swarm --shards N`), side by side: achieved ÷ asked
// rate, the shards' generator CPU per 1,000 requests (read from each shard container's cgroup), and
// the measured start skew between shards. docs/scale.md ("Load shards") gives the ratios.
//
//   pnpm build && pnpm images && docker swarm init --advertise-addr 127.0.0.1   # once
//   node bench/scale/shards.mjs [--rate 1200] [--seconds 8] [--repeat 3] [--shards 1,3]
//
// Requests: the balancer-peak mix (scenarios/balancer-peak.yaml) against the sample balancer's
// good build, open model at --rate for a 2 s warm-up and --seconds measured. Runs alternate between
// the shard counts (1, 3, 1, 3, …) so drift of the machine hits both alike. Generator CPU is each
// load container's cumulative cgroup CPU, polled every 200 ms until it is removed (so it includes
// each shard's start: node, modules, worker pool; that fixed cost is paid once per shard). All load
// goes to 127.0.0.1 on the host network; every run is bounded by its phases and a 5-minute kill.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1200' },
    seconds: { type: 'string', default: '8' },
    repeat: { type: 'string', default: '3' },
    shards: { type: 'string', default: '1,3' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const repeat = Number(values.repeat);
const shardCounts = values.shards.split(',').map(Number);
const WARMUP_SECONDS = 2;

const base = readFileSync(join(root, 'scenarios/balancer-peak.yaml'), 'utf8')
  .replace(/warmup: \{ duration: \S+, rate: \d+ \}/, `warmup: { duration: ${WARMUP_SECONDS}s, rate: ${rate} }`)
  .replace(/- \{ name: peak, duration: \S+, rate: \d+ \}/, `- { name: peak, duration: ${seconds}s, rate: ${rate} }`);
const scenario = join(tmpdir(), `peakgate-shards-bench-${process.pid}.yaml`);
writeFileSync(scenario, base);

/** Cumulative CPU ns of a container's cgroup (v1 cpuacct or v2 cpu.stat), or undefined once it is gone. */
function cgroupCpuNs(id) {
  for (const [file, parse] of [
    [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, (text) => Number(text)],
    [`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, usec],
    [`/sys/fs/cgroup/docker/${id}/cpu.stat`, usec],
  ]) {
    try {
      return parse(readFileSync(file, 'utf8'));
    } catch {}
  }
  return undefined;
}
function usec(text) {
  const match = /usage_usec (\d+)/.exec(text);
  return match ? Number(match[1]) * 1000 : undefined;
}

function dockerIds(label) {
  return new Promise((resolve) => {
    const child = spawn('docker', ['ps', '-q', '--no-trunc', '--filter', `label=${label}`]);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('close', () => resolve(out.split('\n').filter(Boolean)));
  });
}

async function oneRun(shards) {
  const cpu = new Map();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      for (const id of await dockerIds('peakgate.role=load-candidate')) {
        const ns = cgroupCpuNs(id);
        if (ns !== undefined) cpu.set(id, Math.max(cpu.get(id) ?? 0, ns));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const args = [
    join(root, 'packages/cli/bin/peakgate.js'),
    'run',
    scenario,
    '--service',
    'peakgate/balancer:good',
    '--driver',
    'swarm',
    '--shards',
    String(shards),
    '--json',
  ];
  const { code, stdout, stderr } = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const kill = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (exit) => {
      clearTimeout(kill);
      resolve({ code: exit, stdout: out, stderr: err });
    });
  });
  polling = false;
  await poller;
  if (code !== 0) throw new Error(`peakgate run --shards ${shards} exited ${code}:\n${stderr.slice(-2000)}`);
  const result = JSON.parse(stdout);
  const cpuSeconds = [...cpu.values()].reduce((sum, ns) => sum + ns, 0) / 1e9;
  // Every request the shards sent: the measured ones plus the warm-up's (its arrivals, all sent at this rate).
  const sent = result.requests.total + rate * WARMUP_SECONDS;
  return {
    shards,
    containers: cpu.size,
    achievedRatio: result.rate.achieved / result.rate.asked,
    errors: result.requests.errors,
    cpuSeconds,
    cpuPer1k: (cpuSeconds / sent) * 1000,
    startSkewMs: result.sharding.startSkewMs,
    lags: result.sharding.shards.map((s) => s.startLagMs),
    service: result.service?.cpuPerRequestMs,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const before = loadavg();
console.error(
  `shards bench: ${shardCounts.join(' vs ')} shards, ${rate} req/s, ${WARMUP_SECONDS} s + ${seconds} s, ${repeat} repeats; load average ${before.map((x) => x.toFixed(2)).join(' ')}`,
);
const runs = [];
try {
  for (let i = 0; i < repeat; i++) {
    for (const shards of shardCounts) {
      const run = await oneRun(shards);
      runs.push(run);
      console.error(
        `  ${shards} shard(s): achieved ${run.achievedRatio.toFixed(4)} of asked, errors ${run.errors}, generator ${run.cpuSeconds.toFixed(2)} CPU-s over ${run.containers} container(s) = ${run.cpuPer1k.toFixed(3)} CPU-s per 1k requests, start skew ${run.startSkewMs} ms (lags ${run.lags.join(', ')} ms)`,
      );
    }
  }
} finally {
  rmSync(scenario, { force: true });
}
const after = loadavg();
const rows = shardCounts.map((shards) => {
  const of = runs.filter((r) => r.shards === shards);
  return {
    shards,
    achieved: median(of.map((r) => r.achievedRatio)),
    cpuPer1k: median(of.map((r) => r.cpuPer1k)),
    skew: median(of.map((r) => r.startSkewMs)),
    skewMax: Math.max(...of.map((r) => r.startSkewMs)),
  };
});
const first = rows[0];
console.log(
  `| shards | achieved ÷ asked (median) | generator CPU per 1k requests, ratio to ${first.shards} shard(s) | start skew, median / max |`,
);
console.log('| --- | --- | --- | --- |');
for (const row of rows) {
  console.log(
    `| ${row.shards} | ${row.achieved.toFixed(4)} | ${(row.cpuPer1k / first.cpuPer1k).toFixed(2)}x (${row.cpuPer1k.toFixed(3)} CPU-s) | ${row.skew} / ${row.skewMax} ms |`,
  );
}
console.log(
  `\nload average before ${before.map((x) => x.toFixed(2)).join(' ')}, after ${after.map((x) => x.toFixed(2)).join(' ')}`,
);
