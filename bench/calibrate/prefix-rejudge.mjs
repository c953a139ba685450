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
 * One JSON line per comparison and build: the round it was decided at and the seconds to that
 * look (from the saved run's look times), its state and verdict, the failing metrics, the metrics
 * still undecided, and those the acceptance boundary settled (acceptedAt).
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { keptName, keptRuns, rederivedReport } from './kept-runs.mjs';

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

/** The report `peakgate report` derives from the trials of rounds 1..last of a kept comparison. */
function judgePrefix(root, run, trials, last) {
  const copy = mkdtempSync(path.join(tmpdir(), 'peakgate-prefix-'));
  try {
    cpSync(run, copy, { recursive: true });
    writeFileSync(path.join(copy, 'trials.json'), JSON.stringify(trials.filter((t) => t.round <= last)));
    return rederivedReport(root, copy);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

const name = (m) => `${m.name}${m.request ? ` {${m.request}}` : ''}${m.phase ? ` (${m.phase})` : ''}`;

/**
 * Seconds from the comparison's start to its look after `round`, plus what the saved run spent
 * after its own last look (stopping the services): its time to a verdict at that look.
 */
function secondsAt(saved, round) {
  const looks = saved.rounds?.looks ?? [];
  const at = looks.find((look) => look.round === round);
  const last = looks.at(-1);
  if (!at || !last) return null;
  return Math.round((at.atMs + (saved.durationMs - last.atMs)) / 100) / 10;
}

for (const run of positionals.flatMap((dir) => keptRuns(path.resolve(dir)))) {
  const trials = JSON.parse(readFileSync(path.join(run, 'trials.json'), 'utf8'));
  const saved = JSON.parse(readFileSync(path.join(run, 'report.json'), 'utf8'));
  const savedRounds = Math.max(...trials.map((t) => t.round));
  const kept = keptName(run);
  for (const [build, root] of Object.entries(builds)) {
    let report;
    let round = Math.min(FIRST_LOOK, savedRounds);
    for (; round <= savedRounds; round++) {
      report = judgePrefix(root, run, trials, round);
      if (report.sequential?.state !== 'undecided') break;
    }
    const decidedAt = Math.min(round, savedRounds);
    const line = {
      run: path.basename(run),
      case: kept?.case,
      driver: kept?.driver,
      build,
      savedRounds,
      savedStoppedBy: saved.rounds?.stoppedBy ?? null,
      decidedAt,
      seconds: secondsAt(saved, decidedAt),
      state: report.sequential?.state,
      verdict: report.verdict,
      failing: report.metrics.filter((m) => m.status === 'fail').map(name),
      undecided: report.sequential?.undecided ?? [],
      accepted: report.metrics.filter((m) => m.acceptedAt !== undefined).map(name),
    };
    console.log(JSON.stringify(line));
    if (values.out) appendFileSync(values.out, `${JSON.stringify(line)}\n`);
  }
}
