/**
 * The only ways peakgate writes a file into an output folder (issue 23): a file is always created
 * fresh (O_CREAT|O_EXCL|O_NOFOLLOW, so an existing name, a link or a dangling link fails with EEXIST
 * instead of being opened), under a temporary name, and then renamed over its final name. rename(2)
 * replaces the directory entry itself: a link planted at that name is replaced, never followed, and
 * an existing file of ours is replaced whole, never opened and written through (two runs writing
 * one path no longer interleave inside one file). An existing path is never opened for writing.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, renameSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Create-only, never through a link: what every file peakgate writes is opened with. */
export const EXCLUSIVE_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A temporary name beside `file` (same folder, so the rename stays within one filesystem). */
export function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Creates `file`, which must not exist (not even as a link): EEXIST otherwise. Returns the fd. */
export function createExclusiveSync(file: string, mode = 0o666): number {
  return openSync(file, EXCLUSIVE_CREATE, mode);
}

/**
 * A fresh, empty file at `file`, open for writing: made under a temporary name and renamed over
 * `file` at once, replacing whatever entry had that name (a link is replaced, never followed; a
 * folder of that name fails with EISDIR). Returns the fd; the caller writes and closes it.
 */
export function openFreshSync(file: string, mode = 0o666): number {
  const temp = temporaryName(file);
  const fd = createExclusiveSync(temp, mode);
  try {
    renameSync(temp, file);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // Already gone: nothing to tidy.
    }
    throw error;
  }
  return fd;
}

/** Writes `content` to `file`, which must not exist yet (O_EXCL|O_NOFOLLOW). */
export async function writeExclusive(file: string, content: string | Uint8Array, mode = 0o666): Promise<void> {
  const handle = await open(file, EXCLUSIVE_CREATE, mode);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` whole with `content`: written to a fresh temporary first, then renamed over it,
 * so a reader sees the old file or the new one, and a link at `file` is replaced, not followed.
 * On failure the temporary is removed and `file` is as it was.
 */
export async function replaceFile(file: string, content: string | Uint8Array, mode = 0o666): Promise<void> {
  const temp = temporaryName(file);
  try {
    await writeExclusive(temp, content, mode);
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
