/**
 * Claiming an output folder for one run (issue 23). In CI whatever already sits in `--out` came
 * from the pull request under test, so the folder is checked before anything starts:
 *
 * 1. No link on the way: `--out` itself, and every folder between the current folder and it (the
 *    part a checkout can hold), must be a real folder, not a symbolic link (PG_ERR_OUTPUT_UNSAFE).
 *    Folders above the current one are the machine's own (/tmp may be a link) and are not judged.
 * 2. The folder is made if missing and checked as before (a folder, writable, 16 MiB free:
 *    PG_ERR_OUTPUT_DIR), so a refused run leaves nothing behind.
 * 3. The lock (`.peakgate-lock`, output-lock.ts): one run at a time (PG_ERR_OUTPUT_LOCKED).
 * 4. What is inside: a link or a special file is refused, --force or not (PG_ERR_OUTPUT_UNSAFE);
 *    a folder that already holds files but no marker of an earlier run (`.peakgate-out`) is not
 *    peakgate's own and is refused unless `--force` (PG_ERR_OUTPUT_FOREIGN). An empty folder, or
 *    one with the marker, is used; the marker is then written if missing.
 *
 * The marker is not trusted for safety (a pull request can commit it too): it only tells an
 * earlier run's folder, whose files peakgate replaces on a rerun, from a folder of the user's own.
 * What keeps every write inside the folder is the rule of safe-file.ts: a file is only ever
 * created fresh (O_EXCL|O_NOFOLLOW) and renamed over its name, never opened for writing where it
 * is, so a link committed after these checks is replaced, not followed, and a forged marker wins
 * nothing but the replacement of the pull request's own files inside the folder.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { PeakgateError, peakgateVersion } from '@peakgate/core';
import { writeExclusive } from '@peakgate/runtime';
import { acquireOutputLock, OUTPUT_LOCK, type OutputLock } from './output-lock.js';
import { prepareOutputDirectory } from './preflight.js';

export const OUTPUT_MARKER = '.peakgate-out';

export interface OutputClaimOptions {
  /** `--force`: use a folder that holds files of someone else's (links are refused all the same). */
  force?: boolean;
  /** Where the checked part of the path starts (default: the current folder). */
  cwd?: string;
}

export interface OutputClaim {
  /** The folder, absolute. */
  readonly dir: string;
  /** Releases the lock; never throws. */
  release(): Promise<void>;
}

export async function claimOutputDirectory(dir: string, options: OutputClaimOptions = {}): Promise<OutputClaim> {
  const absolute = path.resolve(options.cwd ?? process.cwd(), dir);
  await assertNoLinkOnPath(absolute, options.cwd ?? process.cwd());
  await prepareOutputDirectory(absolute);
  let lock: OutputLock;
  try {
    lock = await acquireOutputLock(absolute);
  } catch (error) {
    if (error instanceof PeakgateError) throw error;
    throw new PeakgateError('PG_ERR_OUTPUT_DIR', `output folder ${absolute}: cannot take its lock (${String(error)})`, {
      cause: error,
    });
  }
  try {
    const marked = await checkContents(absolute, options.force === true);
    if (!marked) await writeMarker(absolute);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return { dir: absolute, release: () => lock.release() };
}

/**
 * `dir` and each of its folders below `cwd` must not be a link. A missing component ends the walk:
 * the folders from there on are made by peakgate itself.
 */
export async function assertNoLinkOnPath(dir: string, cwd: string = process.cwd()): Promise<void> {
  const absolute = path.resolve(cwd, dir);
  const base = path.resolve(cwd);
  const relative = path.relative(base, absolute);
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  const components: string[] = [];
  if (inside) {
    let current = base;
    for (const part of relative.split(path.sep)) {
      current = path.join(current, part);
      components.push(current);
    }
  } else components.push(absolute);
  for (const component of components) {
    const stats = await lstat(component).catch(() => undefined);
    if (stats === undefined) return;
    if (stats.isSymbolicLink()) {
      const target = await readlink(component).catch(() => '?');
      const what = component === absolute ? 'is a symbolic link' : `is reached through the symbolic link ${component}`;
      throw new PeakgateError(
        'PG_ERR_OUTPUT_UNSAFE',
        `output folder ${absolute} ${what} (→ ${target}); peakgate writes only into real folders, never through a link (--force does not change this): remove the link or choose another --out`,
      );
    }
  }
}

/** Whether the folder carries an earlier run's marker; throws for a link inside or a foreign folder. */
async function checkContents(dir: string, force: boolean): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  let marked = false;
  const others: string[] = [];
  for (const entry of entries) {
    if (entry.name === OUTPUT_LOCK) continue;
    if (entry.isSymbolicLink()) {
      const target = await readlink(path.join(dir, entry.name)).catch(() => '?');
      throw new PeakgateError(
        'PG_ERR_OUTPUT_UNSAFE',
        `output folder ${dir} holds a symbolic link ${entry.name} (→ ${target}); peakgate never made it and never writes through a link (--force does not change this): remove it, or use a new --out`,
      );
    }
    if (!entry.isFile() && !entry.isDirectory())
      throw new PeakgateError(
        'PG_ERR_OUTPUT_UNSAFE',
        `output folder ${dir} holds ${entry.name}, which is neither a file nor a folder; peakgate never made it: remove it, or use a new --out`,
      );
    if (entry.name === OUTPUT_MARKER && entry.isFile()) marked = true;
    else others.push(entry.name);
  }
  if (!marked && others.length > 0 && !force) {
    const names = others.sort().slice(0, 3).join(', ') + (others.length > 3 ? `, … (${others.length} entries)` : '');
    throw new PeakgateError(
      'PG_ERR_OUTPUT_FOREIGN',
      `output folder ${dir} already holds files (${names}) and no ${OUTPUT_MARKER} of an earlier peakgate run, so it is not peakgate's own: use an empty or new folder, or --force to let peakgate replace its own file names there`,
    );
  }
  return marked;
}

async function writeMarker(dir: string): Promise<void> {
  try {
    await writeExclusive(
      path.join(dir, OUTPUT_MARKER),
      `peakgate ${peakgateVersion} output folder: its next run here replaces the reports and logs it wrote.\n`,
      0o644,
    );
  } catch (error) {
    // A run that raced us to it, in the instant between the lock and here, cannot exist: the lock is
    // ours. EEXIST means the name appeared since the scan, and the files are never written through.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new PeakgateError(
      'PG_ERR_OUTPUT_DIR',
      `output folder ${dir}: cannot write its ${OUTPUT_MARKER} (${String(error)})`,
      {
        cause: error,
      },
    );
  }
}
