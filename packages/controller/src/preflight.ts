/**
 * Checks made before anything starts or any load is sent, so that a run which could never write
 * its report, or never start its build, fails at once with exit 2 instead of after minutes of
 * load (or, for `--out /proc/x`, never: Node 20's `mkdir({ recursive: true })` spins forever at
 * full CPU under /proc, so folders are made here one component at a time).
 *
 * - the output folder is made if missing; a path naming a file, a folder we cannot write to (a
 *   read-only mount, no permission) or a disk with less than {@link MIN_FREE_BYTES} free is
 *   PG_ERR_OUTPUT_DIR;
 * - a command build's working directory must be an existing folder (PG_ERR_OPTS_INVALID).
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { type BuildSpec, PeakgateError, type Role } from '@peakgate/core';
import { writeExclusive } from '@peakgate/runtime';

/** Reports, logs and time series of a long run: a few MiB; less free space than this fails the run up front. */
export const MIN_FREE_BYTES = 16 * 1024 * 1024;

export async function prepareOutputDirectory(dir: string): Promise<void> {
  const refuse = (reason: string, cause?: unknown): PeakgateError =>
    new PeakgateError('PG_ERR_OUTPUT_DIR', `output folder ${dir}: ${reason}`, { cause });
  try {
    await makeDirectory(dir);
  } catch (error) {
    throw refuse(failure(error), error);
  }
  // lstat: a link is never followed (issue 23; claimOutputDirectory words it for --out).
  const info = await lstat(dir).catch((error: unknown) => {
    throw refuse(failure(error), error);
  });
  if (info.isSymbolicLink())
    throw new PeakgateError(
      'PG_ERR_OUTPUT_UNSAFE',
      `output folder ${dir} is a symbolic link; peakgate writes only into real folders`,
    );
  if (!info.isDirectory()) throw refuse('it is not a folder');
  // access(W_OK) says yes on a read-only mount for root: only a real write tells.
  const probe = path.join(dir, `.peakgate-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeExclusive(probe, 'peakgate\n');
  } catch (error) {
    throw refuse(`cannot write there (${failure(error)})`, error);
  } finally {
    await unlink(probe).catch(() => {});
  }
  const fs = await statfs(dir).catch(() => undefined);
  if (fs !== undefined) {
    const free = fs.bavail * fs.bsize;
    if (free < MIN_FREE_BYTES)
      throw refuse(
        `only ${Math.round(free / 1024)} KiB free; a run needs at least ${MIN_FREE_BYTES / 1024 / 1024} MiB for its reports and logs`,
      );
  }
}

/** A command build's `cwd` must be an existing folder: otherwise the start fails as a "bad build" (exit 1). */
export async function checkBuildDirectories(builds: ReadonlyArray<readonly [Role, BuildSpec]>): Promise<void> {
  for (const [role, build] of builds) {
    if (build.kind !== 'command' || build.cwd === undefined) continue;
    const info = await stat(build.cwd).catch(() => undefined);
    if (info?.isDirectory() !== true)
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `the ${role}'s working directory ${build.cwd} ${info === undefined ? 'does not exist' : 'is not a folder'}`,
      );
  }
}

/** `mkdir -p`, one component at a time (see the module comment). */
async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = path.resolve(dir); !(await exists(current)); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const component of missing) {
    try {
      await mkdir(component);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * A report write that failed after the checks (the disk filled during the run): PG_ERR_OUTPUT_DIR
 * with the reason in words. The writer has removed its temporaries by then.
 */
export function reportWriteError(dir: string, error: unknown): PeakgateError {
  return new PeakgateError(
    'PG_ERR_OUTPUT_DIR',
    `output folder ${dir}: the reports could not be written (${failure(error)}); nothing half-written was left`,
    { cause: error },
  );
}

function failure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  if (code === 'EEXIST') return 'a file of that name exists';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the disk';
  if (code === 'ENOENT') return 'cannot be made here';
  return error instanceof Error ? error.message : String(error);
}
