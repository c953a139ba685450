/**
 * Comparisons kept by `run.mjs --keep DIR`: finding them under a folder, reading a kept folder's
 * name, and re-deriving a kept comparison's report with a build of peakgate. Shared by
 * tails-rejudge.mjs, prefix-rejudge.mjs and kept-records.mjs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Every kept comparison (a folder holding trials.json) at or under `dir`, in name order. */
export function keptRuns(dir) {
  if (existsSync(path.join(dir, 'trials.json'))) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => keptRuns(path.join(dir, entry.name)))
    .sort();
}

/**
 * A kept folder's name, `<case with / as _>-<driver>-<repetition>-<ms>`, read back: the case (with
 * its `/`), driver and repetition; undefined for another name.
 */
export function keptName(dir) {
  const match = /^(.+)-(docker|process)-(\d+)-\d+$/.exec(path.basename(dir));
  if (!match) return undefined;
  const [, caseDir, driver, repetition] = match;
  return { case: caseDir.replaceAll('_', '/'), driver, repetition: Number(repetition) };
}

/** The report `peakgate report` derives from the folder's trials with the build at `root`. */
export function rederivedReport(root, dir) {
  const out = mkdtempSync(path.join(tmpdir(), 'peakgate-rejudge-'));
  try {
    const args = [path.join(root, 'packages/cli/bin/peakgate.js'), 'report', dir, '--out', out, '--json', '--quiet'];
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
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
