#!/usr/bin/env node
/**
 * Calibrates the judge: runs A/A comparisons (the sample balancer's good build against itself) and
 * A/B comparisons against builds with injected regressions of known size, with the scenario's
 * default profile, and prints false-fail and detection rates and wall time per comparison.
 *
 *   node bench/calibrate/run.mjs [--n 20] [--driver docker|process] [--conditions aa,cpu10,cpu20,cpu50,p99]
 *                                [--scenario scenarios/balancer-peak.yaml] [--slow-ms 40]
 *
 * Conditions are interleaved (aa, cpu20, cpu50, ... then again) so that drift of the machine over
 * the run hits every condition alike. Every comparison's verdict is appended to
 * bench/calibrate/results/<start>.jsonl as it finishes, so a stopped run still counts.
 * Regressions (docker/services/balancer/src/injected-cost.ts):
 *   cpuN  BURN_PCT=N: N% more CPU per request than the service's own (re-measured each second)
 *   p99   SLOW_PCT=2, SLOW_MS (default 40): 2% of requests wait SLOW_MS, a slow tail that moves p99
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20' },
    driver: { type: 'string', default: 'docker' },
    conditions: { type: 'string', default: 'aa,cpu20,cpu50,cpu10,p99' },
    scenario: { type: 'string', default: 'scenarios/balancer-peak.yaml' },
    'slow-ms': { type: 'string', default: '40' },
  },
});
const n = Number(values.n);
const driver = values.driver;
const conditions = values.conditions.split(',');
const slowMs = Number(values['slow-ms']);
const server = path.join(root, 'docker/services/balancer/dist/server.js');

/** Environment of the candidate build for each condition (the baseline is always plain good). */
function candidateEnv(condition) {
  if (condition === 'aa') return {};
  if (condition.startsWith('cpu')) return { BURN_PCT: condition.slice(3) };
  if (condition === 'p99') return { SLOW_PCT: '2', SLOW_MS: String(slowMs) };
  throw new Error(`unknown condition ${condition}`);
}

/** Docker: a tag per condition, FROM the good image with the knobs baked in as ENV. */
function imageFor(condition) {
  if (condition === 'aa') return 'peakgate/balancer:good';
  const tag = `peakgate/balancer:cal-${condition}`;
  const env = Object.entries(candidateEnv(condition))
    .map(([k, v]) => `ENV ${k}=${v}`)
    .join('\n');
  execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
    input: `FROM peakgate/balancer:good\n${env}\nLABEL peakgate.calibration=${condition}\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  return tag;
}

function buildArgs(condition) {
  if (driver === 'docker') {
    return ['--driver', 'docker', '--baseline', 'peakgate/balancer:good', '--candidate', imageFor(condition)];
  }
  const envPrefix = Object.entries(candidateEnv(condition))
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  return [
    '--driver',
    'process',
    '--baseline-cmd',
    `MODE=good node ${JSON.stringify(server)}`,
    '--candidate-cmd',
    `MODE=good ${envPrefix}node ${JSON.stringify(server)}`,
  ];
}

function compare(condition) {
  const out = mkdtempSync(path.join(tmpdir(), 'peakgate-cal-'));
  const args = [
    path.join(root, 'packages/cli/bin/peakgate.js'),
    'compare',
    path.join(root, values.scenario),
    ...buildArgs(condition),
    '--out',
    out,
  ];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('exit', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      let report;
      try {
        report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
      } catch {
        report = undefined;
      }
      rmSync(out, { recursive: true, force: true });
      const metric = (name) => report?.metrics.find((m) => m.name === name);
      resolve({
        condition,
        exitCode: code,
        verdict: report?.verdict ?? 'error',
        rounds: report?.rounds?.completed ?? null,
        wallSeconds: Math.round(wallSeconds * 10) / 10,
        cpu: metric('cpu.per_request')
          ? { status: metric('cpu.per_request').status, change: metric('cpu.per_request').change }
          : null,
        p99: metric('latency.p99')
          ? { status: metric('latency.p99').status, change: metric('latency.p99').change }
          : null,
        reasons: report?.reasons ?? [],
      });
    });
  });
}

mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
const resultsFile = path.join(
  import.meta.dirname,
  'results',
  `${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`,
);
console.error(`calibrate: ${n} × [${conditions.join(', ')}] on the ${driver} driver → ${resultsFile}`);
const results = [];
for (let i = 0; i < n; i++) {
  for (const condition of conditions) {
    const result = await compare(condition);
    results.push(result);
    appendFileSync(resultsFile, `${JSON.stringify(result)}\n`);
    console.error(
      `${String(i + 1).padStart(2)} ${condition.padEnd(6)} ${result.verdict.padEnd(5)} exit ${result.exitCode} rounds ${result.rounds} ${result.wallSeconds}s cpu ${result.cpu ? `${((result.cpu.change - 1) * 100).toFixed(1)}% ${result.cpu.status}` : '-'} p99 ${result.p99 ? `${((result.p99.change - 1) * 100).toFixed(1)}% ${result.p99.status}` : '-'}`,
    );
  }
}
console.log(summaryTable(results));

export function summaryTable(rows) {
  const lines = [
    '| condition | comparisons | verdict fail | CPU metric fail | p99 metric fail | median CPU change | rounds (mean) | wall time per comparison (median / max) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const condition of [...new Set(rows.map((r) => r.condition))]) {
    const of = rows.filter((r) => r.condition === condition);
    const fails = of.filter((r) => r.verdict === 'fail').length;
    const cpuFails = of.filter((r) => r.cpu?.status === 'fail').length;
    const p99Fails = of.filter((r) => r.p99?.status === 'fail').length;
    const changes = of
      .map((r) => r.cpu?.change ?? Number.NaN)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const medianChange = changes.length ? `${((changes[Math.floor(changes.length / 2)] - 1) * 100).toFixed(1)}%` : '-';
    const walls = of.map((r) => r.wallSeconds).sort((a, b) => a - b);
    const rounds = of.reduce((s, r) => s + (r.rounds ?? 0), 0) / of.length;
    lines.push(
      `| ${condition} | ${of.length} | ${fails}/${of.length} | ${cpuFails}/${of.length} | ${p99Fails}/${of.length} | ${medianChange} | ${rounds.toFixed(1)} | ${walls[Math.floor(walls.length / 2)]} s / ${walls.at(-1)} s |`,
    );
  }
  return lines.join('\n');
}
