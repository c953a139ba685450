#!/usr/bin/env node
/**
 * Replays the sequential decision of saved comparisons with this build of the judge (and, with
 * --old, another checkout's): for each comparison kept by `run.mjs --keep`, its trials are judged
 * after round 3, 4, … (every prefix of its rounds, the looks the controller took) until a look is
 * decided, the way the controller stops. The judge is pure, so a prefix judged by a new build is
 * what that build would have decided at that look on the same rounds; the load does not depend on
 * the judge. A comparison that stopped sooner under the build that ran it than under the one
 * replaying it ends "undecided" at its last saved round: its later rounds were never run.
 *
 *   node bench/calibrate/prefix-rejudge.mjs [--old /path/to/checkout] [--out lines.jsonl] DIR...
 *
 * DIR: a kept comparison (a folder holding trials.json and report.json) or a folder of them.
 * One JSON line per comparison and build: the round it was decided at, its state and verdict,
 * the metrics still undecided, and those the acceptance boundary settled (acceptedAt).
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { old: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  console.error('usage: prefix-rejudge.mjs [--old <checkout>] [--out file.jsonl] DIR...');
  process.exit(2);
}
const here = path.resolve(import.meta.dirname, '../..');
const builds = { new: here, ...(values.old ? { old: path.resolve(values.old) } : {}) };
const FIRST_LOOK = 3;

function runs(dir) {
  if (existsSync(path.join(dir, 'trials.json'))) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => runs(path.join(dir, entry.name)))
    .sort();
}

/** The report `peakgate report` derives from the trials of rounds 1..last of a kept comparison. */
function judgePrefix(root, run, trials, last) {
  const copy = mkdtempSync(path.join(tmpdir(), 'peakgate-prefix-'));
  const out = mkdtempSync(path.join(tmpdir(), 'peakgate-prefix-out-'));
  try {
    cpSync(run, copy, { recursive: true });
    writeFileSync(path.join(copy, 'trials.json'), JSON.stringify(trials.filter((t) => t.round <= last)));
    const args = [path.join(root, 'packages/cli/bin/peakgate.js'), 'report', copy, '--out', out, '--json', '--quiet'];
    try {
      return JSON.parse(
        execFileSync(process.execPath, args, {
          encoding: 'utf8',
          maxBuffer: 64 << 20,
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
    } catch (error) {
      // report exits 1 on a fail verdict and still prints the document.
      if (error.stdout) return JSON.parse(error.stdout);
      throw error;
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

const name = (m) => `${m.name}${m.request ? ` {${m.request}}` : ''}${m.phase ? ` (${m.phase})` : ''}`;

for (const run of positionals.flatMap((dir) => runs(path.resolve(dir)))) {
  const trials = JSON.parse(readFileSync(path.join(run, 'trials.json'), 'utf8'));
  const saved = Math.max(...trials.map((t) => t.round));
  for (const [build, root] of Object.entries(builds)) {
    let report;
    let round = Math.min(FIRST_LOOK, saved);
    for (; round <= saved; round++) {
      report = judgePrefix(root, run, trials, round);
      if (report.sequential?.state !== 'undecided') break;
    }
    const line = {
      run: path.basename(run),
      build,
      savedRounds: saved,
      decidedAt: Math.min(round, saved),
      state: report.sequential?.state,
      verdict: report.verdict,
      undecided: report.sequential?.undecided ?? [],
      accepted: report.metrics.filter((m) => m.acceptedAt !== undefined).map(name),
    };
    console.log(JSON.stringify(line));
    if (values.out) appendFileSync(values.out, `${JSON.stringify(line)}\n`);
  }
}
