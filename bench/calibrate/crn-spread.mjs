#!/usr/bin/env node
/**
 * Common random numbers, measured (issue 26): an A/A comparison of the shipped mixed scenario
 * (scenarios/balancer-peak.yaml, the sample balancer's `good` build on both sides, process driver)
 * run for N rounds, and per round: the candidate ÷ baseline ratio of CPU per request, and each
 * side's share of each request kind in the measured phase. With common random numbers both sides
 * of a round are sent the same requests, so the shares are equal and the ratio's spread loses the
 * part that came from two different random mixes.
 *
 *   node bench/calibrate/crn-spread.mjs --label after --rounds 15
 *   node bench/calibrate/crn-spread.mjs --label before --rounds 15 --peakgate /tmp/crn-before
 *   node bench/calibrate/crn-spread.mjs --summarize [--driver docker]   # pools the runs of a driver by label
 *
 * `--peakgate DIR` runs the CLI of another checkout (built with pnpm build), e.g. the commit before
 * common random numbers in a `git worktree`; the service is this checkout's sample balancer (or
 * `--server FILE`, the same for both runs), so only the load generator differs. Each run appends one JSON line to
 * bench/calibrate/results/crn-spread.jsonl and prints a summary.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    label: { type: 'string', default: 'run' },
    rounds: { type: 'string', default: '10' },
    peakgate: { type: 'string', default: root },
    scenario: { type: 'string', default: path.join(root, 'scenarios/balancer-peak.yaml') },
    server: { type: 'string', default: path.join(root, 'docker/services/balancer/dist/server.js') },
    summarize: { type: 'boolean', default: false },
    driver: { type: 'string', default: 'process' },
  },
});
const resultsFile = path.join(root, 'bench/calibrate/results/crn-spread.jsonl');
if (values.summarize) {
  summarize();
  process.exit(0);
}
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('--rounds: 1 to 50');
const server = path.resolve(values.server);
const cli = path.join(path.resolve(values.peakgate), 'packages/cli/bin/peakgate.js');

/** Runs one A/A comparison of `rounds` rounds; resolves to report.json (or throws with stderr). */
function compare() {
  const dir = mkdtempSync(path.join(tmpdir(), 'peakgate-crn-'));
  const out = path.join(dir, 'out');
  const build = `MODE=good node ${JSON.stringify(server)}`;
  const builds =
    values.driver === 'docker'
      ? ['--driver', 'docker', '--baseline', 'peakgate/balancer:good', '--candidate', 'peakgate/balancer:good']
      : ['--driver', 'process', '--baseline-cmd', build, '--candidate-cmd', build];
  const args = [
    cli,
    'compare',
    values.scenario,
    ...builds,
    ...['--rounds', String(rounds), '--max-rounds', String(rounds), '--out', out, '--quiet'],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => {
      try {
        resolve({ code, report: JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) });
      } catch {
        reject(new Error(`compare exited ${code} without report.json:\n${stderr}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function mean(xs) {
  return xs.reduce((sum, x) => sum + x, 0) / xs.length;
}
function sd(xs) {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
}
function r4(x) {
  return Math.round(x * 1e4) / 1e4;
}

/** Each kind's share of a trial's measured requests (its first measured phase). */
function shares(trial) {
  const phase = trial.phases?.[0];
  const byName = phase?.byName ?? {};
  const total = Object.values(byName).reduce((sum, kind) => sum + kind.requests.total, 0);
  return Object.fromEntries(
    Object.entries(byName).map(([name, kind]) => [name, total > 0 ? kind.requests.total / total : 0]),
  );
}

const loadBefore = loadavg();
const started = Date.now();
const { code, report } = await compare();
const loadAfter = loadavg();
const byRound = new Map();
for (const trial of report.trials) {
  const pair = byRound.get(trial.round) ?? {};
  pair[trial.role] = trial;
  byRound.set(trial.round, pair);
}
const perRound = [...byRound.entries()]
  .filter(([, pair]) => pair.baseline?.cpuPerRequestMs > 0 && pair.candidate?.cpuPerRequestMs > 0)
  .sort(([a], [b]) => a - b)
  .map(([round, { baseline, candidate }]) => ({
    round,
    cpuRatio: r4(candidate.cpuPerRequestMs / baseline.cpuPerRequestMs),
    baselineShares: shares(baseline),
    candidateShares: shares(candidate),
    baselineRequests: baseline.requests.total,
    candidateRequests: candidate.requests.total,
    baselineErrorRate: r4(baseline.requests.errors / Math.max(1, baseline.requests.total)),
    candidateErrorRate: r4(candidate.requests.errors / Math.max(1, candidate.requests.total)),
    seed: baseline.seed ?? null,
    sameSeed: baseline.seed !== undefined && baseline.seed === candidate.seed,
  }));
const logRatios = perRound.map((r) => Math.log(r.cpuRatio));
// A round where either side answered more than 1% errors (an overloaded machine) is not a clean
// measure of CPU per request: the spread is also given without such rounds.
const clean = perRound.filter((r) => r.baselineErrorRate <= 0.01 && r.candidateErrorRate <= 0.01);
const kinds = [...new Set(perRound.flatMap((r) => Object.keys(r.baselineShares)))];
const shareGap = Object.fromEntries(
  kinds.map((kind) => {
    const gaps = perRound.map((r) => Math.abs((r.candidateShares[kind] ?? 0) - (r.baselineShares[kind] ?? 0)));
    return [kind, { meanAbsPoints: r4(mean(gaps) * 100), maxAbsPoints: r4(Math.max(...gaps) * 100) }];
  }),
);
const summary = {
  label: values.label,
  peakgate: path.resolve(values.peakgate),
  scenario: path.relative(root, values.scenario),
  server,
  driver: values.driver,
  at: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  exitCode: code,
  verdict: report.verdict,
  ...(report.infrastructureError !== undefined ? { infrastructureError: report.infrastructureError } : {}),
  seed: report.seed ?? null,
  rounds: perRound.length,
  loadavg: {
    before: loadBefore.map((x) => Math.round(x * 100) / 100),
    after: loadAfter.map((x) => Math.round(x * 100) / 100),
  },
  cpuRatio: {
    mean: r4(mean(perRound.map((r) => r.cpuRatio))),
    sdLogRatio: r4(sd(logRatios)),
    min: Math.min(...perRound.map((r) => r.cpuRatio)),
    max: Math.max(...perRound.map((r) => r.cpuRatio)),
  },
  cleanRounds: clean.length,
  cpuRatioCleanRounds:
    clean.length > 1
      ? { mean: r4(mean(clean.map((r) => r.cpuRatio))), sdLogRatio: r4(sd(clean.map((r) => Math.log(r.cpuRatio)))) }
      : null,
  shareGap,
  perRound,
};
// A run stopped from outside (its report marked aborted) is not a measurement.
if (report.aborted === true) throw new Error('the comparison was aborted: nothing recorded');
mkdirSync(path.dirname(resultsFile), { recursive: true });
appendFileSync(resultsFile, `${JSON.stringify(summary)}\n`);
const { perRound: _rounds, ...short } = summary;
console.log(JSON.stringify(short, null, 2));

/**
 * Pools the rounds of every run by label: the spread (SD of the log CPU ratio) over all rounds and
 * over the clean ones (no side above 1% errors), each kind's share gap between the sides, and the
 * before ÷ after SD ratio with a 90% bootstrap interval (rounds resampled, 2,000 times, seeded).
 */
function summarize() {
  const runs = readFileSync(resultsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const byLabel = new Map();
  const driver = values.driver;
  for (const run of runs.filter((r) => r.driver === driver))
    byLabel.set(run.label, [...(byLabel.get(run.label) ?? []), run]);
  const pooled = {};
  for (const [label, group] of byLabel) {
    const all = group.flatMap((run) => run.perRound);
    const clean = all.filter((r) => (r.baselineErrorRate ?? 0) <= 0.01 && (r.candidateErrorRate ?? 0) <= 0.01);
    const kinds = [...new Set(all.flatMap((r) => Object.keys(r.baselineShares)))];
    pooled[label] = {
      runs: group.length,
      rounds: all.length,
      cleanRounds: clean.length,
      loadavg1: group.flatMap((run) => [run.loadavg.before[0], run.loadavg.after[0]]),
      sdLogRatio: r4(sd(all.map((r) => Math.log(r.cpuRatio)))),
      sdLogRatioClean: r4(sd(clean.map((r) => Math.log(r.cpuRatio)))),
      meanRatio: r4(mean(all.map((r) => r.cpuRatio))),
      shareGapPoints: Object.fromEntries(
        kinds.map((kind) => {
          const gaps = all.map((r) => Math.abs((r.candidateShares[kind] ?? 0) - (r.baselineShares[kind] ?? 0)) * 100);
          return [kind, { mean: r4(mean(gaps)), max: r4(Math.max(...gaps)) }];
        }),
      ),
      logRatiosClean: clean.map((r) => Math.log(r.cpuRatio)),
    };
  }
  const before = pooled.before?.logRatiosClean;
  const after = pooled.after?.logRatiosClean;
  let sdRatio = null;
  if (before?.length > 2 && after?.length > 2) {
    let state = 0x5eed;
    const random = () => {
      // mulberry32, as core's seeded-random.ts: a reproducible interval.
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const resample = (xs) => xs.map(() => xs[Math.floor(random() * xs.length)]);
    const ratios = Array.from({ length: 2000 }, () => sd(resample(before)) / sd(resample(after))).sort((a, b) => a - b);
    sdRatio = { estimate: r4(sd(before) / sd(after)), interval90: [r4(ratios[100]), r4(ratios[1899])] };
  }
  // How much of the spread without common random numbers came from the two sides' different mixes:
  // the least-squares slope of the round's log CPU ratio on its share gap of the first kind
  // (candidate − baseline), and the SD that gap explains (|slope| × SD of the gap).
  let mixPart = null;
  const beforeRounds = (byLabel.get('before') ?? [])
    .flatMap((run) => run.perRound)
    .filter((r) => (r.baselineErrorRate ?? 0) <= 0.01 && (r.candidateErrorRate ?? 0) <= 0.01);
  if (beforeRounds.length > 3) {
    const kind = Object.keys(beforeRounds[0].baselineShares)[0];
    const x = beforeRounds.map((r) => (r.candidateShares[kind] ?? 0) - (r.baselineShares[kind] ?? 0));
    const y = beforeRounds.map((r) => Math.log(r.cpuRatio));
    const mx = mean(x);
    const my = mean(y);
    const sxx = x.reduce((sum, v) => sum + (v - mx) ** 2, 0);
    const slope = x.reduce((sum, v, i) => sum + (v - mx) * ((y[i] ?? 0) - my), 0) / sxx;
    const residual = y.map((v, i) => v - my - slope * ((x[i] ?? 0) - mx));
    const se = Math.sqrt(residual.reduce((sum, v) => sum + v * v, 0) / (y.length - 2) / sxx);
    mixPart = {
      kind,
      rounds: y.length,
      slopeLogRatioPerShare: r4(slope),
      slopeStandardError: r4(se),
      sdOfShareGapPoints: r4(sd(x) * 100),
      sdExplainedByMix: r4(Math.abs(slope) * sd(x)),
      sdTotal: r4(sd(y)),
    };
  }
  for (const entry of Object.values(pooled)) delete entry.logRatiosClean;
  console.log(JSON.stringify({ driver, pooled, beforeOverAfterSdClean: sdRatio, mixPartBefore: mixPart }, null, 2));
}
