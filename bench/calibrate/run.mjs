#!/usr/bin/env node
/**
 * Calibrates the judge with real services: the sample balancer's `good` build as the baseline and,
 * as the candidate, the same build (A/A: every fail is a false fail) or the same build with an
 * injected regression of known size. One command, reproducible; run it on an otherwise idle
 * machine (docs/benchmarks.md, judge calibration).
 *
 *   node bench/calibrate/run.mjs                       # the matrix: 20 × each case, docker and process
 *   node bench/calibrate/run.mjs --quick               # smoke: 2 × each case, process driver
 *   node bench/calibrate/run.mjs --n 5 --drivers process --cases limit5/cpu10,limit5/aa
 *   node bench/calibrate/run.mjs --mode power          # power curve: budgets 45/90/180 s
 *
 * Cases are `limit<L>/<condition>`: scenarios/balancer-peak.yaml with `cpu.per_request: +L%`
 * (everything else as shipped: 2 s warm-up + 5 s measured rounds, 3 to 10 rounds, 90 s budget).
 * Conditions (docker/services/balancer/src/injected-cost.ts):
 *   aa      the same build
 *   cpuN    BURN_PCT=N: N% more CPU per request than the service's own (re-measured each second)
 *   slowN   SLOW_PCT=2 SLOW_MS=N: 2% of requests wait N ms (moves p99, barely CPU). By how
 *           much depends on the baseline's own tail, which on a 2-core duet drifts between
 *           ~8 and ~20 ms: slow12 measured +44% at one time and +6% at another. Read the
 *           measured p99 change of each comparison, never N.
 *
 * The matrix (issue 12): limit5/cpu10, limit5/aa, limit15/cpu20, limit15/aa. Power mode runs each
 * condition of a CPU ladder and a p99 ladder once per repetition with a 180 s budget and
 * max_rounds 20, records every look, and replays each comparison's looks under budgets of 45, 90
 * and 180 s (the controller's own stopping rule: stop at the first decided look, or when another
 * round of the mean length so far would pass the budget), so one run gives all three budgets.
 *
 * Cases and drivers are interleaved (every case once, then again) so that drift of the machine
 * hits them alike. Every comparison's result is appended to bench/calibrate/results/<start>.jsonl
 * as it finishes (a stopped run still counts); the summary table goes to stdout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { verdictUnderBudget } from './budget-replay.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const MATRIX = ['limit5/cpu10', 'limit5/aa', 'limit15/cpu20', 'limit15/aa'];
const POWER_CPU = ['aa', 'cpu3', 'cpu5', 'cpu8', 'cpu10', 'cpu15', 'cpu20'];
const POWER_P99 = ['slow10', 'slow20', 'slow40', 'slow80'];
const POWER_BUDGETS = [45, 90, 180];

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'matrix' },
    n: { type: 'string' },
    quick: { type: 'boolean', default: false },
    drivers: { type: 'string' },
    cases: { type: 'string' },
    'power-limit': { type: 'string', default: '5' },
    scenario: { type: 'string', default: 'scenarios/balancer-peak.yaml' },
    out: { type: 'string' },
  },
});
const mode = values.mode;
if (mode !== 'matrix' && mode !== 'power') throw new Error(`--mode is matrix or power, found ${mode}`);
const n = Number(values.n ?? (values.quick ? 2 : 20));
const drivers = (values.drivers ?? (values.quick ? 'process' : 'docker,process')).split(',');
const cases =
  values.cases?.split(',') ??
  (mode === 'matrix' ? MATRIX : [...POWER_CPU, ...POWER_P99].map((c) => `limit${values['power-limit']}/${c}`));
const server = path.join(root, 'docker/services/balancer/dist/server.js');
const baseScenario = readFileSync(path.join(root, values.scenario), 'utf8');
// The scenario's p99 limit, recorded with each comparison so the power model checks p99 against it.
const p99Limit = Number(/latency\.p99: \+([\d.]+)%/.exec(baseScenario)?.[1] ?? Number.NaN);

function parseCase(name) {
  const match = /^limit(\d+(?:\.\d+)?)\/(aa|cpu\d+|slow\d+)$/.exec(name);
  if (!match) throw new Error(`unknown case ${name}: expected limit<L>/aa|cpu<N>|slow<N>`);
  return { name, limit: Number(match[1]), condition: match[2] };
}

/** Environment of the candidate build for a condition (the baseline is always plain good). */
function candidateEnv(condition) {
  if (condition === 'aa') return {};
  if (condition.startsWith('cpu')) return { BURN_PCT: condition.slice(3) };
  if (condition.startsWith('slow')) return { SLOW_PCT: '2', SLOW_MS: condition.slice(4) };
  throw new Error(`unknown condition ${condition}`);
}

/** The scenario of a case: the shipped one with the case's CPU limit (and, in power mode, a 180 s budget). */
function scenarioFile(dir, { limit }) {
  let text = baseScenario.replace(/cpu\.per_request: \+[\d.]+%/, `cpu.per_request: +${limit}%`);
  if (mode === 'power') {
    text = text.replace(/budget: \S+/, 'budget: 180s').replace(/max_rounds: \d+/, 'max_rounds: 20');
  }
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, text);
  return file;
}

const images = new Map();
/** Docker: a tag per condition, FROM the good image with the knobs baked in as ENV. */
function imageFor(condition) {
  if (condition === 'aa') return 'peakgate/balancer:good';
  if (images.has(condition)) return images.get(condition);
  const tag = `peakgate/balancer:cal-${condition}`;
  const env = Object.entries(candidateEnv(condition))
    .map(([k, v]) => `ENV ${k}=${v}`)
    .join('\n');
  execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
    input: `FROM peakgate/balancer:good\n${env}\nLABEL peakgate.calibration=${condition}\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  images.set(condition, tag);
  return tag;
}

function buildArgs(driver, condition) {
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

const round3 = (x) => Math.round(x * 1000) / 1000;

/** A metric of the report (whole mix; latency in the measured phase) in a few fields. */
function metricFields(report, name) {
  const metric = report?.metrics.find((m) => m.name === name && m.request === undefined);
  if (!metric) return null;
  return {
    status: metric.status,
    settled: metric.settled,
    change: round3(metric.change),
    interval: metric.interval.map(round3),
    confidence: round3(metric.confidence),
  };
}

/** Each look: when, its state, and the CPU and p99 metrics' status and interval (enough to replay a budget). */
function looks(report) {
  return (report?.rounds?.looks ?? []).map((look) => {
    const pick = (name) => {
      const m = look.metrics.find((x) => x.name === name && x.request === undefined);
      return m ? { status: m.status, settled: m.settled, interval: m.interval.map(round3) } : null;
    };
    return {
      round: look.round,
      atMs: look.atMs,
      state: look.state,
      undecided: look.undecided,
      cpu: pick('cpu.per_request'),
      p99: pick('latency.p99'),
    };
  });
}

/**
 * Each round's candidate ÷ baseline of CPU per request and of p99 latency (the measured phase of
 * both trials of the round): the per-round noise that bench/calibrate/power-model.mjs resamples.
 */
export function roundRatios(report) {
  const rounds = new Map();
  for (const trial of report?.trials ?? []) {
    const entry = rounds.get(trial.round) ?? {};
    entry[trial.role] = trial;
    rounds.set(trial.round, entry);
  }
  const ratio = (a, b) => (a > 0 && b > 0 ? Math.round((b / a) * 1e4) / 1e4 : null);
  return [...rounds.entries()]
    .filter(([, pair]) => pair.baseline && pair.candidate)
    .sort(([a], [b]) => a - b)
    .map(([round, { baseline, candidate }]) => ({
      round,
      cpu: ratio(baseline.cpuPerRequestMs, candidate.cpuPerRequestMs),
      p99: ratio(baseline.latency?.p99, candidate.latency?.p99),
    }));
}

function compare(kase, driver, repetition) {
  const dir = mkdtempSync(path.join(tmpdir(), 'peakgate-cal-'));
  const out = path.join(dir, 'out');
  const args = [
    path.join(root, 'packages/cli/bin/peakgate.js'),
    'compare',
    scenarioFile(dir, kase),
    ...buildArgs(driver, kase.condition),
    '--out',
    out,
  ];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('exit', (code) => {
      const seconds = Math.round(((performance.now() - started) / 1000) * 10) / 10;
      let report;
      try {
        report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
      } catch {
        report = undefined;
      }
      rmSync(dir, { recursive: true, force: true });
      const cpu = metricFields(report, 'cpu.per_request');
      resolve({
        case: kase.name,
        mode,
        driver,
        repetition,
        limit: kase.limit,
        p99Limit,
        condition: kase.condition,
        exitCode: code,
        // A broken baseline (exit 3: the machine, not the build) is no verdict: counted as an error.
        verdict: report === undefined || report.infrastructureError !== undefined ? 'error' : report.verdict,
        ...(report?.infrastructureError !== undefined ? { infrastructureError: report.infrastructureError } : {}),
        rounds: report?.rounds?.completed ?? null,
        stoppedBy: report?.rounds?.stoppedBy ?? null,
        inconclusive: report?.verdict === 'pass' && report?.sequential?.state === 'undecided',
        seconds,
        interval: cpu?.interval ?? null,
        cpu,
        p99: metricFields(report, 'latency.p99'),
        reasons: report?.reasons ?? [],
        looks: looks(report),
        roundRatios: roundRatios(report),
      });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (ratio) => (Number.isFinite(ratio) ? `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%` : '-');

/** The matrix table: per case and driver, catches (injected) or false fails (A/A), and time to verdict. */
export function summaryTable(rows) {
  const lines = [
    '| case | driver | comparisons | fails | inconclusive passes | median measured CPU change | rounds (median / max) | time to verdict (median / max) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const keys = [...new Set(rows.map((r) => `${r.case}|${r.driver}`))];
  for (const key of keys) {
    const [kase, driver] = key.split('|');
    const of = rows.filter((r) => r.case === kase && r.driver === driver);
    const fails = of.filter((r) => r.verdict === 'fail').length;
    const errors = of.filter((r) => r.verdict === 'error').length;
    const label = of[0].condition === 'aa' ? 'false fails' : 'catches';
    const seconds = of.map((r) => r.seconds);
    const rounds = of.map((r) => r.rounds ?? 0);
    lines.push(
      `| ${kase} | ${driver} | ${of.length} | ${label} ${fails}/${of.length}${errors ? ` (${errors} errors)` : ''} | ${of.filter((r) => r.inconclusive).length} | ${pct(median(of.map((r) => r.cpu?.change ?? Number.NaN).filter(Number.isFinite)))} | ${median(rounds)} / ${Math.max(...rounds)} | ${median(seconds).toFixed(1)} s / ${Math.max(...seconds).toFixed(1)} s |`,
    );
  }
  return lines.join('\n');
}

/** Power table: per budget, catches of each condition, and the smallest caught ≥ 95% of the time. */
export function powerTable(rows) {
  const lines = [];
  for (const driver of [...new Set(rows.map((r) => r.driver))]) {
    const of = rows.filter((r) => r.driver === driver && r.verdict !== 'error' && r.looks.length > 0);
    const conditions = [...new Set(of.map((r) => r.condition))];
    lines.push(
      `\n${driver} driver: fails per condition under each budget (CPU conditions count any fail; slowN counts p99 fails)\n`,
    );
    lines.push(`| condition | measured CPU | measured p99 | ${POWER_BUDGETS.map((b) => `${b} s`).join(' | ')} |`);
    lines.push(`| --- | --- | --- | ${POWER_BUDGETS.map(() => '---').join(' | ')} |`);
    const smallest = { cpu: {}, p99: {} };
    for (const condition of conditions) {
      const runs = of.filter((r) => r.condition === condition);
      const metric = condition.startsWith('slow') ? 'p99' : undefined;
      const cells = POWER_BUDGETS.map((budget) => {
        const caught = runs.filter((r) => verdictUnderBudget(r.looks, budget, metric) === 'fail').length;
        const family = condition.startsWith('slow') ? 'p99' : condition.startsWith('cpu') ? 'cpu' : undefined;
        const size = median(
          runs.map((r) => r[family === 'p99' ? 'p99' : 'cpu']?.change ?? Number.NaN).filter(Number.isFinite),
        );
        if (family && caught >= Math.ceil(0.95 * runs.length) && !(smallest[family][budget]?.size <= size))
          smallest[family][budget] = { condition, size };
        return `${caught}/${runs.length}`;
      });
      const cpu = median(runs.map((r) => r.cpu?.change ?? Number.NaN).filter(Number.isFinite));
      const p99 = median(runs.map((r) => r.p99?.change ?? Number.NaN).filter(Number.isFinite));
      lines.push(`| ${condition} | ${pct(cpu)} | ${pct(p99)} | ${cells.join(' | ')} |`);
    }
    for (const family of ['cpu', 'p99']) {
      const text = POWER_BUDGETS.map((b) => {
        const s = smallest[family][b];
        return `${b} s: ${s ? `${s.condition} (measured ${pct(s.size)})` : 'none of the ladder'}`;
      }).join('; ');
      lines.push(
        `\nSmallest ${family === 'cpu' ? 'CPU' : 'p99'} change caught in ≥ 95% (19/20) of comparisons — ${text}`,
      );
    }
  }
  return lines.join('\n');
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const outDir = values.out ?? path.join(import.meta.dirname, 'results');
  mkdirSync(outDir, { recursive: true });
  const resultsFile = path.join(outDir, `${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  const parsed = cases.map(parseCase);
  console.error(`calibrate (${mode}): ${n} × [${cases.join(', ')}] on [${drivers.join(', ')}] → ${resultsFile}`);
  const results = [];
  for (let i = 0; i < n; i++) {
    for (const driver of drivers) {
      for (const kase of parsed) {
        const result = await compare(kase, driver, i + 1);
        results.push(result);
        appendFileSync(resultsFile, `${JSON.stringify(result)}\n`);
        console.error(
          `${String(i + 1).padStart(2)} ${driver.padEnd(7)} ${kase.name.padEnd(14)} ${result.verdict.padEnd(5)} ${result.inconclusive ? '(inconclusive) ' : ''}rounds ${result.rounds} (${result.stoppedBy}) ${result.seconds}s cpu ${result.cpu ? `${pct(result.cpu.change)} [${result.cpu.interval.map(pct).join('..')}] ${result.cpu.status}` : '-'} p99 ${result.p99 ? `${pct(result.p99.change)} ${result.p99.status}` : '-'}`,
        );
      }
    }
  }
  console.log(mode === 'matrix' ? summaryTable(results) : powerTable(results));
}
