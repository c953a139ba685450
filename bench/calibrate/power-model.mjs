#!/usr/bin/env node
/**
 * The power curve from measured noise: which CPU-per-request and p99 changes the sequential judge
 * catches in ≥ 95% (19 of 20) of comparisons within a time budget, computed from the per-round
 * candidate ÷ baseline ratios that real A/A comparisons recorded (bench/calibrate/run.mjs writes
 * them as `roundRatios`), and from the real rounds' timing. Nothing here runs a service.
 *
 *   node bench/calibrate/power-model.mjs --driver docker
 *   node bench/calibrate/power-model.mjs --driver process --cpu-limits 5,15 --p99-limits 10,25
 *   node bench/calibrate/power-model.mjs --driver docker --kept DIR [--kept DIR2]
 *
 * --kept reads comparisons kept by `run.mjs --keep` instead of the results lines (kept-records.mjs):
 * they also give the per-round ratios of the mix's p50 and of each request kind's p50, so the
 * curve covers p50 and the kinds' medians too. A kind's noise pool is the 2% kind's p50 rounds of
 * the kindN comparisons around their own change (kindNoisePool), and its level is Holm's first
 * step over --kind-tests default tests (the shipped profile with kindN judges 3 kinds, each on p50
 * and a tail: 6), the strictest a kind meets.
 *
 * Why a model: a measured power curve needs 20 comparisons per change, per budget, per driver; at
 * up to 180 s each that is a day of an idle machine per driver. The noise, though, can be measured
 * once: an A/A comparison's rounds are draws of the round-to-round spread, whatever the change.
 * The model draws rounds from that pool (with replacement, so each round is independent, as the
 * judge assumes), multiplies them by the change, and applies the judge's paired rule after every
 * round: the t interval of the mean log ratio at the per-look confidence of the Pocock boundary
 * (core's sequentialConfidence), a fail when it lies wholly above the limit, a stop when it lies
 * wholly below, and the controller's budget rule (no round started that would end past the budget
 * at the mean round length). What it leaves out: the judge's interval is the wider of this one and
 * a bootstrap over windows, so the model can only be optimistic; its checkpoints against real
 * comparisons (docs/benchmarks.md) say by how much.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stopReason } from '../../packages/controller/dist/sequential-rounds.js';
import { median } from '../../packages/core/dist/index.js';
import { createSeededRandom } from '../../packages/core/dist/statistics/seeded-random.js';
import { sequentialConfidence } from '../../packages/core/dist/statistics/sequential-boundary.js';
import { pairedInterval } from '../../packages/core/dist/statistics/welch.js';
import { verdictUnderBudget } from './budget-replay.mjs';
import { keptRecords } from './kept-records.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    driver: { type: 'string', default: 'docker' },
    'cpu-limits': { type: 'string', default: '5,15' },
    'p99-limits': { type: 'string', default: '10,25' },
    budgets: { type: 'string', default: '45,90,180' },
    comparisons: { type: 'string', default: '4000' },
    confidence: { type: 'string', default: '0.95' },
    'p50-limits': { type: 'string', default: '10,25' },
    'kind-limits': { type: 'string', default: '25' },
    'kind-tests': { type: 'string', default: '6' },
    kept: { type: 'string', multiple: true },
  },
});
const resultsDir = path.join(import.meta.dirname, 'results');
const files =
  positionals.length > 0
    ? positionals
    : readdirSync(resultsDir)
        .filter((name) => name.endsWith('.jsonl'))
        .map((name) => path.join(resultsDir, name));
const driver = values.driver;
const budgets = values.budgets.split(',').map(Number);
const comparisons = Number(values.comparisons);
const confidence = Number(values.confidence);
const FIRST_LOOK = 3;
const MOST_ROUNDS = 20;

const records = (
  values.kept
    ? keptRecords(values.kept)
    : files.flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      )
).filter((r) => r.driver === driver && r.verdict !== 'error');
/** The costlier kind of a kindN case (run.mjs). */
const KIND_NAME = 'backends';

/** A comparison's per-round log candidate ÷ baseline ratios of a metric (none when they were not recorded). */
function roundLogs(record, metric) {
  return (record.roundRatios ?? [])
    .map((round) => (metric === 'kindP50' ? round.kinds?.[KIND_NAME] : round[metric]))
    .filter((ratio) => typeof ratio === 'number' && ratio > 0)
    .map(Math.log);
}

/** Per-round log ratios of A/A comparisons: the noise pool, one entry per round. */
function noisePool(metric) {
  return records.filter((r) => r.condition === 'aa').flatMap((r) => roundLogs(r, metric));
}

/**
 * Per-round log p50 ratios of the 2% kind (`backends`) of the kindN comparisons (kept records
 * only), each centred on its own comparison's mean and rescaled for the mean taken out: the spread
 * of a thin kind's median from round to round (about 40 requests a trial), which the A/A cases do
 * not have (their kinds are 30% and 70% of the mix, with far steadier medians).
 */
function kindNoisePool() {
  return records.filter((r) => /^kind\d+$/.test(r.condition ?? '')).flatMap((r) => centred(roundLogs(r, 'kindP50')));
}

/** Logs around their own mean, rescaled by √(n ÷ (n − 1)) for the mean taken out; none below 3. */
function centred(logs) {
  if (logs.length < 3) return [];
  const { mean } = spread(logs);
  const scale = Math.sqrt(logs.length / (logs.length - 1));
  return logs.map((x) => (x - mean) * scale);
}

/**
 * Per-round p99 log ratios of comparisons with an injected slow tail (slowN), each centred on its
 * own comparison's mean and rescaled for the mean taken out: the spread of a tail regression's
 * rounds around its own change. It is wider than A/A's (the slow requests land on either side of
 * the baseline's own tail from round to round), so a p99 curve from A/A noise alone is optimistic.
 */
function tailNoisePool() {
  return records.filter((r) => /^(slow|tail)\d+$/.test(r.condition ?? '')).flatMap((r) => centred(roundLogs(r, 'p99')));
}

/** The rounds' timing: when the first look comes (3 rounds) and each further round, medians over every run. */
function roundTiming() {
  const firsts = [];
  const steps = [];
  for (const r of records) {
    const looks = r.looks ?? [];
    if (looks[0]?.round === FIRST_LOOK) firsts.push(looks[0].atMs / 1000);
    for (let i = 1; i < looks.length; i++) steps.push((looks[i].atMs - looks[i - 1].atMs) / 1000);
  }
  return { firstLookS: median(firsts), roundS: median(steps), runs: firsts.length };
}

/**
 * Rounds that fit a budget: the controller's own stopping rule (stopReason) asked after each look
 * of a comparison that stays undecided, with the look times of the real rounds.
 */
function roundsInBudget(budgetS, timing) {
  let rounds = FIRST_LOOK;
  let elapsedMs = timing.firstLookS * 1000;
  const budgetMs = budgetS * 1000;
  while (
    stopReason(true, false, rounds, MOST_ROUNDS, { elapsedMs, meanRoundMs: elapsedMs / rounds, budgetMs }) === undefined
  ) {
    rounds += 1;
    elapsedMs += timing.roundS * 1000;
  }
  return rounds;
}

/**
 * Share of simulated comparisons that fail: a true change `change` against a limit, looking after
 * rounds 3 … `maxRounds`, at the per-look level of a `max_rounds` of `correctedFor` (by default
 * the rounds that fit: what a scenario with max_rounds set to its budget's rounds gets).
 */
function failShare(pool, change, limit, maxRounds, seed, correctedFor = maxRounds) {
  const random = createSeededRandom(seed);
  // A pool of a family's tests (request kinds) carries their count: Holm's first-step level.
  const level = sequentialConfidence(1 - (1 - confidence) / (pool.tests ?? 1), FIRST_LOOK, correctedFor);
  const shift = Math.log(1 + change);
  const bound = Math.log(1 + limit);
  // The judge's own paired interval (roundLogIntervals): candidate logs against baseline logs of
  // the same rounds; the pool already holds their differences, so the baseline side is zeros.
  const zeros = new Array(maxRounds).fill(0);
  let fails = 0;
  for (let c = 0; c < comparisons; c++) {
    const logs = [];
    for (let n = 1; n <= maxRounds; n++) {
      logs.push((pool[Math.floor(random() * pool.length)] ?? 0) + shift);
      if (n < FIRST_LOOK) continue;
      const interval = pairedInterval(logs, zeros.slice(0, n), level);
      if (interval.lower > bound) {
        fails += 1;
        break;
      }
      if (interval.upper < bound) break;
    }
  }
  return fails / comparisons;
}

/** The smallest change (in steps of `step`) caught in ≥ 95% of comparisons, and the A/A fail share. */
function smallestCaught(pool, limit, maxRounds, step) {
  for (let change = limit; change <= 4; change += step) {
    const share = failShare(pool, change, limit, maxRounds, 7);
    if (share >= 0.95) return { change, share };
  }
  return undefined;
}

const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
const spread = (pool) => {
  const mean = pool.reduce((a, b) => a + b, 0) / pool.length;
  return { mean, sd: Math.sqrt(pool.reduce((a, b) => a + (b - mean) ** 2, 0) / (pool.length - 1)) };
};

/**
 * A comparison's measured change of a metric in the model's own terms: the geometric mean of its
 * per-round candidate ÷ baseline ratios (what the model multiplies its noise by). The report's
 * figure is another estimate (the p99 of all rounds' requests merged, side against side: +44% where
 * the rounds said +49% in one run), used only for comparisons recorded before roundRatios were.
 */
function measuredChange(record, metric) {
  const logs = roundLogs(record, metric);
  return logs.length === 0 ? record[metric].change : Math.exp(spread(logs).mean);
}

/**
 * The model against real comparisons of this driver, per case (and per kind of run):
 * - matrix runs (the shipped profile: max_rounds 10, budget 90 s): caught within 45 and 90 s is
 *   a fail on the case's metric whose wall time fits;
 * - power runs (`--mode power`: max_rounds 20, budget 180 s, every look recorded): caught within
 *   45, 90 and 180 s is the look-by-look replay of the controller's stopping rule under that
 *   budget (budget-replay.mjs).
 * The model's expected catches are the sum, over the case's comparisons, of its catch probability
 * at each comparison's own measured change (with the per-look level of the run's max_rounds):
 * an injected slow tail moves p99 by a different amount in each comparison (by how far the
 * baseline's own tail reaches), so one median change would not describe them. A `cpuN` case is
 * judged on CPU per request against its `limit`; a `slowN` case on p99 latency against the
 * scenario's p99 limit (recorded as `p99Limit`; +25% in the shipped one).
 */
function checkpoints(pools, timing) {
  const lines = [
    '| case | run | metric | measured change: median (range) | budget | real: caught | model: expected caught | model, slow-tail noise |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const keys = [...new Set(records.filter((r) => r.condition !== 'aa').map((r) => `${r.case}|${r.mode ?? 'matrix'}`))];
  const memo = new Map();
  const caughtShare = (noise, change, limit, rounds, maxRounds) => {
    // Changes rounded to 0.1 point: the same probability to the digits shown, far fewer simulations.
    const rounded = Math.round(change * 1000) / 1000;
    const key = `${noise}|${rounded}|${limit}|${rounds}|${maxRounds}`;
    if (!memo.has(key)) memo.set(key, failShare(pools[noise], rounded, limit, rounds, 13, maxRounds));
    return memo.get(key);
  };
  const kindLimit = Number(values['kind-limits'].split(',')[0]);
  const limitOf = (r, metric) =>
    (metric === 'p99' ? (r.p99Limit ?? 25) : metric === 'kindP50' ? kindLimit : r.limit) / 100;
  const row = (label, mode, metric, runs) => {
    const changes = runs.map((r) => measuredChange(r, metric) - 1);
    const shown = `${pct(median(changes))} (${pct(Math.min(...changes))}..${pct(Math.max(...changes))})`;
    const maxRounds = mode === 'power' ? 20 : 10;
    for (const budget of mode === 'power' ? [45, 90, 180] : [45, 90]) {
      const real = runs.filter((r) =>
        mode === 'power'
          ? verdictUnderBudget(r.looks, budget, metric, maxRounds) === 'fail'
          : r.verdict === 'fail' && r[metric].status === 'fail' && r.seconds <= budget,
      ).length;
      const rounds = Math.min(roundsInBudget(budget, timing), maxRounds);
      const expected = (noise) =>
        runs.reduce((sum, r, i) => sum + caughtShare(noise, changes[i], limitOf(r, metric), rounds, maxRounds), 0);
      const tail = metric === 'p99' && pools.tail.length >= 30 ? `${expected('tail').toFixed(1)}/${runs.length}` : '-';
      lines.push(
        `| ${label} | ${mode} | ${metric} | ${shown} | ${budget} s | ${real}/${runs.length} | ${expected(metric).toFixed(1)}/${runs.length} | ${tail} |`,
      );
    }
  };
  const metricOf = (name) =>
    /\/(slow|tail)\d/.test(name) ? 'p99' : /\/kind\d/.test(name) ? 'kindP50' : /\/cpu\d/.test(name) ? 'cpu' : undefined;
  for (const key of keys) {
    const [name, mode] = key.split('|');
    const metric = metricOf(name);
    if (metric === undefined) continue;
    const runs = records.filter((r) => r.case === name && (r.mode ?? 'matrix') === mode && r[metric]);
    if (runs.length > 0) row(name, mode, metric, runs);
  }
  // Cases with few comparisons each (a p99 ladder) read better together.
  const slowPower = records.filter(
    (r) => (r.mode ?? 'matrix') === 'power' && metricOf(r.case ?? '') === 'p99' && r.p99,
  );
  if (new Set(slowPower.map((r) => r.case)).size > 1) row('every slowN case', 'power', 'p99', slowPower);
  return lines.join('\n');
}

const timing = roundTiming();
console.log(
  `${driver} driver: first look after ${timing.firstLookS.toFixed(1)} s, then ${timing.roundS.toFixed(1)} s a round (medians of ${timing.runs} comparisons)`,
);
const pools = {
  cpu: noisePool('cpu'),
  p50: noisePool('p50'),
  p99: noisePool('p99'),
  tail: tailNoisePool(),
  kindP50: Object.assign(kindNoisePool(), { tests: Number(values['kind-tests']) }),
};
for (const [limits, step, pool, title] of [
  [values['cpu-limits'], 0.01, pools.cpu, 'CPU per request: A/A'],
  ...(values.kept ? [[values['p50-limits'], 0.01, pools.p50, 'p50 latency: A/A']] : []),
  [values['p99-limits'], 0.05, pools.p99, 'p99 latency: A/A'],
  [values['p99-limits'], 0.05, pools.tail, 'p99 latency, the noise of slow-tail candidates (slowN, tailN):'],
  ...(values.kept
    ? [
        [
          values['kind-limits'],
          0.05,
          pools.kindP50,
          `p50 of a 2% request kind, Holm's first step over ${values['kind-tests']} tests: the noise of its kindN rounds around their own change`,
        ],
      ]
    : []),
]) {
  if (pool.length < 30) {
    console.log(
      `\n${title} only ${pool.length} rounds with roundRatios for ${driver}; run bench/calibrate/run.mjs first`,
    );
    continue;
  }
  const { mean, sd } = spread(pool);
  console.log(`\n${title} ${pool.length} rounds, per-round log ratio mean ${mean.toFixed(4)}, sd ${sd.toFixed(4)}`);
  console.log(
    `| budget | rounds | ${limits
      .split(',')
      .map((l) => `limit +${l}%: smallest caught 19/20 | A/A fails`)
      .join(' | ')} |`,
  );
  console.log(
    `| --- | --- | ${limits
      .split(',')
      .map(() => '--- | ---')
      .join(' | ')} |`,
  );
  for (const budget of budgets) {
    const maxRounds = roundsInBudget(budget, timing);
    const cells = limits.split(',').map((text) => {
      const limit = Number(text) / 100;
      const found = smallestCaught(pool, limit, maxRounds, step);
      const aa = failShare(pool, 0, limit, maxRounds, 11);
      return `${found ? `${pct(found.change)} (${(found.share * 100).toFixed(1)}%)` : 'none up to +400%'} | ${(aa * 100).toFixed(2)}%`;
    });
    console.log(`| ${budget} s | ${maxRounds} | ${cells.join(' | ')} |`);
  }
}
if (pools.cpu.length >= 30 && pools.p99.length >= 30) {
  console.log(`\nCheckpoints (real comparisons of this driver):\n${checkpoints(pools, timing)}`);
}
