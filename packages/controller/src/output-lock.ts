/**
 * One run at a time per output folder (issue 23, item 11a: two runs on one `--out` interleaved
 * their logs). The lock is a file, `.peakgate-lock`, created with O_EXCL|O_NOFOLLOW and naming its
 * holder (pid, process start time, PID namespace, host). A lock whose holder is dead (a crashed or
 * SIGKILLed run: the file stays behind) is taken over; a live holder's is refused with its pid. A
 * holder this process cannot judge (another host or PID namespace) counts as live: sharing a
 * folder is the worse mistake. The lock is released when the run ends; anything else (a file the
 * pull request committed, say) is judged by the same rule, so a forged lock of a live process only
 * makes the run refuse, which is exit 2 and never a pass.
 */
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { type FileHandle, link, lstat, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PeakgateError } from '@peakgate/core';
import {
  currentOwner,
  isProcessAlive,
  type OwnerIdentity,
  sameNamespaceAsUs,
  temporaryName,
  writeExclusive,
} from '@peakgate/runtime';

export const OUTPUT_LOCK = '.peakgate-lock';

/** Enough tries for a stale lock being taken over by two runs at once; each loses to a live holder. */
const ATTEMPTS = 5;
const MAX_LOCK_BYTES = 4096;

interface LockRecord extends OwnerIdentity {
  token: string;
  startedAt: string;
}

export interface OutputLock {
  readonly file: string;
  /** Removes the lock if it is still ours; never throws. */
  release(): Promise<void>;
}

/**
 * Takes the lock of `dir` (an existing folder). Throws PG_ERR_OUTPUT_LOCKED when a live run holds
 * it, PG_ERR_OUTPUT_UNSAFE when the lock's name is a link or not a regular file; other errors (a
 * read-only folder) are thrown as they are, for the caller to word.
 */
export async function acquireOutputLock(dir: string): Promise<OutputLock> {
  const file = path.join(dir, OUTPUT_LOCK);
  const record: LockRecord = {
    ...currentOwner(),
    token: randomBytes(8).toString('hex'),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      await writeExclusive(file, `${JSON.stringify(record)}\n`, 0o644);
      return { file, release: () => releaseLock(file, record.token) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(dir, file);
    if (holder === 'gone') continue;
    if (holder.record !== undefined && holderAlive(holder.record)) throw lockedError(dir, holder.record);
    await takeOver(file, holder.stats);
  }
  throw new PeakgateError(
    'PG_ERR_OUTPUT_LOCKED',
    `output folder ${dir}: another peakgate run keeps taking its lock (${OUTPUT_LOCK}); use another folder`,
  );
}

function holderAlive(record: LockRecord): boolean {
  // Another host or PID namespace: its pid means nothing here, so it is not ours to call dead.
  if (!sameNamespaceAsUs(record)) return true;
  return isProcessAlive(record.pid, record.startTicks);
}

function lockedError(dir: string, holder: LockRecord): PeakgateError {
  const self = holder.pid === process.pid && holder.host === currentOwner().host ? ' (this process)' : '';
  return new PeakgateError(
    'PG_ERR_OUTPUT_LOCKED',
    `output folder ${dir} is in use by another peakgate run: pid ${holder.pid}${self} on ${holder.host}, since ${holder.startedAt}; wait for it to end or use another --out (if no such run is going, remove ${path.join(dir, OUTPUT_LOCK)})`,
  );
}

/**
 * The holder's record, read without following a link. `record` is undefined when the file is not a
 * lock peakgate wrote (garbage, a forged or truncated file): such a lock has no live holder.
 */
async function readLock(dir: string, file: string): Promise<'gone' | { stats: Stats; record?: LockRecord }> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    if (code === 'ELOOP')
      throw new PeakgateError(
        'PG_ERR_OUTPUT_UNSAFE',
        `output folder ${dir}: its lock ${OUTPUT_LOCK} is a symbolic link; peakgate never made it and never writes through a link: remove it`,
      );
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile())
      throw new PeakgateError(
        'PG_ERR_OUTPUT_UNSAFE',
        `output folder ${dir}: its lock ${OUTPUT_LOCK} is not a regular file; remove it`,
      );
    const record = parseRecord(await readBounded(handle));
    return record === undefined ? { stats } : { stats, record };
  } finally {
    await handle.close();
  }
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (!Number.isInteger(value.pid) || typeof value.host !== 'string' || typeof value.token !== 'string')
      return undefined;
    return {
      pid: value.pid as number,
      host: value.host,
      token: value.token,
      startedAt: typeof value.startedAt === 'string' ? value.startedAt : 'an unknown time',
      ...(typeof value.startTicks === 'number' ? { startTicks: value.startTicks } : {}),
      ...(typeof value.pidNamespace === 'string' ? { pidNamespace: value.pidNamespace } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Moves a dead holder's lock aside and removes it. rename is atomic, so of two runs taking over
 * one stale lock only one moves it; if what was moved is not the file that was judged stale (a
 * third run took the lock in between), it is put back and the next attempt meets it as live.
 */
async function takeOver(file: string, judged: Stats): Promise<void> {
  const aside = temporaryName(`${file}-stale`);
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await lstat(aside).catch(() => undefined);
  if (moved !== undefined && (moved.ino !== judged.ino || moved.dev !== judged.dev))
    await link(aside, file).catch(() => {});
  await unlink(aside).catch(() => {});
}

async function releaseLock(file: string, token: string): Promise<void> {
  try {
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    let text: string;
    try {
      text = await readBounded(handle);
    } finally {
      await handle.close();
    }
    if (parseRecord(text)?.token === token) await unlink(file);
  } catch {
    // Gone already, or taken over after we were judged dead: not ours to remove.
  }
}

/** At most MAX_LOCK_BYTES: a lock is a short line, and a planted one may be anything. */
async function readBounded(handle: FileHandle): Promise<string> {
  const buffer = Buffer.alloc(MAX_LOCK_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, MAX_LOCK_BYTES, 0);
  return buffer.subarray(0, bytesRead).toString('utf8');
}
