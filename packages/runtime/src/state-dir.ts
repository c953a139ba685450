/**
 * peakgate's private state directory: `$XDG_STATE_HOME/peakgate` (default `~/.local/state/peakgate`),
 * mode 0700. Process records live here, and `reap()` SIGKILLs process groups on their word, so
 * a directory someone else can write to is refused rather than trusted: a predictable folder in
 * /tmp let another local user plant a record and have an arbitrary process group killed.
 */
import { lstatSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PeakgateError } from '@peakgate/core';
import { makeDirectory } from './make-directory.js';

/** The directory, checked; with create, made (0700) when absent; undefined when absent and not created. */
export function privateStateDir(options: { create: boolean }): string | undefined {
  const dir = stateDirPath();
  try {
    let stats = lstatOrUndefined(dir);
    if (stats === undefined) {
      if (!options.create) return undefined;
      makeDirectory(dir, 0o700);
      stats = lstatSync(dir);
    }
    assertPrivate(dir, stats);
    assertParentSafe(dir);
    return dir;
  } catch (error) {
    if (error instanceof PeakgateError) throw error;
    // EACCES, EROFS (a read-only home in CI), ENOTDIR on the way: say which directory and what to do.
    throw new PeakgateError(
      'PG_ERR_RUNTIME_STATE_DIR',
      `cannot use the state directory ${dir}: ${(error as Error).message}; set XDG_STATE_HOME to a directory of your own`,
      { cause: error },
    );
  }
}

/** Where the state directory is, by the XDG base directory rules (a relative XDG_STATE_HOME is ignored). */
export function stateDirPath(): string {
  const xdg = process.env.XDG_STATE_HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'peakgate');
}

/** A directory (not a link to one), owned by us, that no one else may write to. */
export function assertPrivate(dir: string, stats: Stats): void {
  const uid = process.getuid?.();
  const problem = !stats.isDirectory()
    ? 'is not a directory (a symbolic link is refused too)'
    : uid !== undefined && stats.uid !== uid
      ? `is owned by uid ${stats.uid}, not by us (uid ${uid})`
      : (stats.mode & 0o022) !== 0
        ? `is writable by ${stats.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(stats.mode & 0o777).toString(8)})`
        : undefined;
  if (problem !== undefined) throw unsafe(dir, problem);
}

/** Whoever may rename entries in the parent could swap our directory for theirs, unless it is sticky (/tmp). */
function assertParentSafe(dir: string): void {
  const parent = path.dirname(dir);
  const stats = lstatOrUndefined(parent);
  if (stats === undefined) return;
  const uid = process.getuid?.();
  const sticky = (stats.mode & 0o1000) !== 0;
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0)
    throw unsafe(dir, `sits in ${parent}, which is owned by uid ${stats.uid}`);
  if ((stats.mode & 0o022) !== 0 && !sticky)
    throw unsafe(dir, `sits in ${parent}, which others may write to (mode ${(stats.mode & 0o777).toString(8)})`);
}

function unsafe(dir: string, problem: string): PeakgateError {
  return new PeakgateError(
    'PG_ERR_RUNTIME_STATE_DIR',
    `refusing the state directory ${dir}: it ${problem}; it must be a directory of your own with mode 0700 (remove it, or set XDG_STATE_HOME elsewhere)`,
  );
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
