#!/usr/bin/env node
// Import throughput and peak memory of `peakgate replay` on a generated Combined Log Format file
// (issue 10 asks for 100 MB/s or more and under 200 MB RSS on a 1 GB log). Generates the log in a
// temporary directory (deleted afterwards), times `wc -l` on it as a baseline read, then runs the
// built CLI under /usr/bin/time -v and reports wall time, CPU time, MB/s and peak RSS, with the load
// average before and after (the machine may be shared: MB/s per CPU second is the steadier figure).
// Usage: node bench/replay/run.mjs [SIZE_MB=1024]   (after `pnpm build`)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const sizeMb = Number(process.argv[2] ?? 1024);
const dir = mkdtempSync(path.join(tmpdir(), 'peakgate-replay-bench-'));
const log = path.join(dir, 'access.log');
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

function timed(command, args) {
  const started = performance.now();
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr}`);
  return { seconds: (performance.now() - started) / 1000, stdout: run.stdout, stderr: run.stderr };
}

try {
  const loadBefore = load();
  const generated = JSON.parse(
    timed(process.execPath, [path.join(import.meta.dirname, 'generate-log.mjs'), log, String(sizeMb * 1024 * 1024)])
      .stdout,
  );
  const mb = generated.bytes / 1e6;
  const wc = timed('wc', ['-l', log]);
  const imported = timed('/usr/bin/time', [
    '-v',
    process.execPath,
    path.join(root, 'packages', 'cli', 'bin', 'peakgate.js'),
    'replay',
    log,
    '--out',
    path.join(dir, 'bench.yaml'),
    '--json',
  ]);
  const field = (name) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(imported.stderr)?.[1] ?? Number.NaN);
  const cpuSeconds = field('User time \\(seconds\\)') + field('System time \\(seconds\\)');
  const report = JSON.parse(imported.stdout);
  console.log(
    JSON.stringify(
      {
        sizeMb: Math.round(mb),
        lines: report.read,
        used: report.used,
        wcSeconds: Number(wc.seconds.toFixed(2)),
        wcMbPerSecond: Math.round(mb / wc.seconds),
        importSeconds: Number(imported.seconds.toFixed(2)),
        importMbPerSecond: Number((mb / imported.seconds).toFixed(1)),
        importCpuSeconds: Number(cpuSeconds.toFixed(2)),
        importMbPerCpuSecond: Number((mb / cpuSeconds).toFixed(1)),
        peakRssMb: Math.round(field('Maximum resident set size \\(kbytes\\)') / 1024),
        loadAverageBefore: loadBefore,
        loadAverageAfter: load(),
        cores: (await import('node:os')).availableParallelism(),
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
