#!/usr/bin/env node
/**
 * Re-judges saved comparisons (their trials.json) with two builds of peakgate and compares the
 * intervals of the latency tails: how the tail method of one build (e.g. exceedance counting)
 * fares against another's (the percentile-ratio bootstrap) on the same real rounds.
 *
 *   node bench/calibrate/tails-rejudge.mjs --old /path/to/other/checkout --out results.jsonl DIR...
 *
 * DIR: a compare --out folder (or its parent: every folder under it holding a trials.json).
 * Prints, per metric, the median log width of the interval, how many were settled and how many
 * failed, for each build; one JSON line per comparison and metric goes to --out.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { keptRuns, rederivedReport } from './kept-runs.mjs';

const { values, positionals } = parseArgs({
  options: { old: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
});
if (!values.old || positionals.length === 0) {
  console.error('usage: tails-rejudge.mjs --old <checkout> [--out file.jsonl] DIR...');
  process.exit(2);
}
const here = path.resolve(import.meta.dirname, '../..');
const builds = { new: here, old: path.resolve(values.old) };

const tails = (report) => report.metrics.filter((m) => /^latency\.p(90|99|999)$/.test(m.name));
const key = (m) => `${m.name}${m.request ? ` {${m.request}}` : ''}`;

const rows = new Map();
for (const run of positionals.flatMap((dir) => keptRuns(path.resolve(dir)))) {
  const judged = { new: rederivedReport(builds.new, run), old: rederivedReport(builds.old, run) };
  for (const metric of tails(judged.new)) {
    const other = tails(judged.old).find((m) => key(m) === key(metric) && m.phase === metric.phase);
    if (!other) continue;
    const row = {
      run,
      metric: key(metric),
      rounds: judged.new.rounds,
      new: {
        method: metric.method,
        change: metric.change,
        interval: metric.interval,
        settled: metric.settled,
        status: metric.status,
      },
      old: {
        method: other.method,
        change: other.change,
        interval: other.interval,
        settled: other.settled,
        status: other.status,
      },
    };
    if (values.out) appendFileSync(values.out, `${JSON.stringify(row)}\n`);
    const name = metric.request ? `${metric.name} (kinds)` : metric.name;
    if (!rows.has(name)) rows.set(name, []);
    rows.get(name).push(row);
  }
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};
const width = (side) => Math.log(side.interval[1] / side.interval[0]);
console.log('| metric | n | method (new) | median log width new / old | settled new / old | fails new / old |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, list] of rows) {
  const count = (side, test) => list.filter((row) => test(row[side])).length;
  console.log(
    `| ${name} | ${list.length} | ${[...new Set(list.map((r) => r.new.method))].join(', ')} | ${median(list.map((r) => width(r.new))).toFixed(3)} / ${median(list.map((r) => width(r.old))).toFixed(3)} | ${count('new', (s) => s.settled)} / ${count('old', (s) => s.settled)} | ${count('new', (s) => s.status === 'fail')} / ${count('old', (s) => s.status === 'fail')} |`,
  );
}
