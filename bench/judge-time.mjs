#!/usr/bin/env node
/**
 * The judge's own time at each look of saved comparisons, with this build and (with --old) another
 * checkout's, in the same process and run: what a run spends between rounds deciding whether to
 * run another. For each comparison kept by `bench/calibrate/run.mjs --keep`, its trials are judged
 * after round 3, 4, … up to its last, as the controller looks, with the judge options the run
 * used; every look's judgement is also compared between the builds (a speed change must not move
 * a verdict, an interval or a status).
 *
 *   node bench/judge-time.mjs [--old /path/to/checkout] [--repeat 3] DIR...
 *
 * DIR: a kept comparison (a folder holding trials.json) or a folder of them. Both checkouts must be
 * built (`pnpm build`). Prints, per comparison and build, the milliseconds of its looks and their
 * sum (the fastest of --repeat passes, each over freshly parsed trials, so nothing cached by a
 * build outlives a pass); then the sums over all comparisons and their ratio.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { keptRuns } from './calibrate/kept-runs.mjs';

const { values, positionals } = parseArgs({
  options: { old: { type: 'string' }, repeat: { type: 'string', default: '3' } },
  allowPositionals: true,
});
const repeat = Number(values.repeat);
if (positionals.length === 0 || !(Number.isInteger(repeat) && repeat >= 1)) {
  console.error('usage: judge-time.mjs [--old <checkout>] [--repeat N] DIR...');
  process.exit(2);
}
const FIRST_LOOK = 3;
const here = path.resolve(import.meta.dirname, '..');
const roots = { new: here, ...(values.old ? { old: path.resolve(values.old) } : {}) };
const builds = {};
for (const [name, root] of Object.entries(roots))
  builds[name] = await import(pathToFileURL(path.join(root, 'packages/core/dist/index.js')).href);

/** What a look decided, for comparing builds: everything but timings. */
const decided = (j) => ({
  verdict: j.verdict,
  sequential: j.sequential,
  needsMoreRounds: j.needsMoreRounds,
  metrics: j.metrics.map((m) => [m.name, m.phase, m.request, m.status, m.settled, m.change, m.interval, m.notJudged]),
});

/** One pass over a comparison's looks: milliseconds per look and what each look decided. */
function looksOf(core, text, compare) {
  const saved = core.readSavedTrials(JSON.parse(text));
  if (!saved.ok) throw new Error(saved.problem);
  const last = Math.max(...saved.trials.map((t) => t.round));
  const ms = [];
  const judgements = [];
  for (let look = FIRST_LOOK; look <= last; look++) {
    const trials = saved.trials.filter((t) => t.round <= look);
    const start = performance.now();
    const judgement = core.judge(trials, compare, saved.judgeOptions);
    ms.push(performance.now() - start);
    judgements.push(decided(judgement));
  }
  return { ms, judgements };
}

const totals = Object.fromEntries(Object.keys(builds).map((name) => [name, 0]));
let differing = 0;
const runs = positionals.flatMap((dir) => keptRuns(path.resolve(dir)));
console.log(
  `judge time per look, ${runs.length} comparisons, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
runs.forEach((run, index) => {
  const text = readFileSync(path.join(run, 'trials.json'), 'utf8');
  const compare = JSON.parse(readFileSync(path.join(run, 'report.json'), 'utf8')).scenario.compare;
  // Alternate which build goes first, so neither always runs on a warmer process.
  const order = Object.keys(builds);
  if (index % 2 === 1) order.reverse();
  const best = {};
  for (let pass = 0; pass < repeat; pass++) {
    for (const name of order) {
      const result = looksOf(builds[name], text, compare);
      const sum = result.ms.reduce((a, b) => a + b, 0);
      if (!best[name] || sum < best[name].sum) best[name] = { ...result, sum };
    }
  }
  const line = Object.entries(best).map(
    ([name, b]) => `${name} ${b.sum.toFixed(0)} ms [${b.ms.map((m) => m.toFixed(0)).join(' ')}]`,
  );
  const same = best.old === undefined || isDeepStrictEqual(best.old.judgements, best.new.judgements);
  if (!same) differing++;
  console.log(`${path.basename(run)}: ${line.join(' | ')}${same ? '' : ' | JUDGEMENTS DIFFER'}`);
  for (const [name, b] of Object.entries(best)) totals[name] += b.sum;
});
const summary = Object.entries(totals).map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`);
const ratio = totals.old === undefined ? '' : `; old ÷ new ${(totals.old / totals.new).toFixed(2)}`;
console.log(`total ${summary.join(', ')}${ratio}; comparisons whose looks differ between builds: ${differing}`);
console.log(
  `load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
process.exitCode = differing > 0 ? 1 : 0;
