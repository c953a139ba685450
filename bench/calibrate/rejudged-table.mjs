#!/usr/bin/env node
/**
 * The issue-26 targets table from prefix-rejudge.mjs lines (one build): per case and driver, how
 * many comparisons, fails (and those naming the case's own metric), decided verdicts, and the
 * median and largest seconds to the verdict.
 *
 *   node bench/calibrate/rejudged-table.mjs [--build new] lines.jsonl...
 *
 * A comparison that the build replaying it leaves undecided at its last saved round, where the
 * build that ran it had decided (savedStoppedBy), was cut short: its later rounds were never run.
 * It is counted apart as "cut short", not as an inconclusive pass.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { build: { type: 'string', default: 'new' }, 'max-rounds': { type: 'string', default: '10' } },
  allowPositionals: true,
});
const maxRounds = Number(values['max-rounds']);
const lines = positionals
  .flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean))
  .map((line) => JSON.parse(line))
  .filter((line) => line.build === values.build);

/** The metric a case is about: a kindN case fails on its kind, tailN on p99, cpuN on CPU per request. */
function ownMetric(caseName) {
  if (/\/kind\d/.test(caseName)) return (name) => name.includes('{backends}');
  if (/\/tail\d/.test(caseName)) return (name) => name.startsWith('latency.p99 (') || name === 'latency.p99';
  if (/\/cpu\d/.test(caseName)) return (name) => name.startsWith('cpu.per_request');
  return () => false;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const groups = new Map();
for (const line of lines) {
  const key = `${line.case}|${line.driver}`;
  groups.set(key, [...(groups.get(key) ?? []), line]);
}
console.log(
  '| case | driver | comparisons | fails | on its own metric | decided | median (max) s to verdict | fails within 90 s | cut short |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [key, group] of [...groups.entries()].sort()) {
  const [caseName, driver] = key.split('|');
  // Cut short: the build that ran it decided at its last round and the replaying build did not.
  // A run its own build stopped on the budget or max_rounds is an inconclusive pass, counted.
  const cut = group.filter(
    (l) => l.state === 'undecided' && l.savedRounds < maxRounds && (l.savedStoppedBy ?? 'decided') === 'decided',
  );
  const counted = group.filter((l) => !cut.includes(l));
  const fails = counted.filter((l) => l.verdict === 'fail');
  const own = ownMetric(caseName);
  const onOwn = fails.filter((l) => l.failing.some(own));
  const decided = counted.filter((l) => l.state !== 'undecided');
  const seconds = counted.map((l) => l.seconds).filter((s) => typeof s === 'number');
  const within = fails.filter((l) => typeof l.seconds === 'number' && l.seconds <= 90);
  console.log(
    `| ${caseName} | ${driver} | ${counted.length} | ${fails.length} | ${onOwn.length} | ${decided.length} | ${median(seconds).toFixed(1)} (${Math.max(...seconds).toFixed(1)}) | ${within.length} | ${cut.length} |`,
  );
}
