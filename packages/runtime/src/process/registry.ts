/**
 * Records of process-driver services, so `reap()` can find the process groups of a peakgate
 * process that died by SIGKILL: one JSON file per group in `<state dir>/processes` (see
 * state-dir.ts: private, mode 0700, refused when unsafe). A record names its owner (pid, start
 * time, PID namespace, host) and the leader's identity (start time and the command lines it was
 * seen with), so a reused pid is never mistaken for the group peakgate started.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { currentOwner } from '../owner.js';
import { assertPrivate, privateStateDir } from '../state-dir.js';

export interface ProcessRecord {
  pgid: number;
  /** Start time of the group leader in ticks. */
  leaderStartTicks: number;
  /** Command lines the leader was seen with: right after spawn, and after readiness (`exec` changes it). */
  leaderCmdlines: string[][];
  ownerPid: number;
  ownerStartTicks?: number;
  ownerPidNamespace?: string;
  host: string;
  runId: string;
  role: string;
  command: string;
}

export interface RecordedProcess {
  /** Adds a command line the leader was seen with (after it exec'd into the service). */
  seen(cmdline: string[]): void;
  remove(): void;
}

type NewRecord = Pick<ProcessRecord, 'pgid' | 'leaderStartTicks' | 'leaderCmdlines' | 'runId' | 'role' | 'command'>;

/** The records directory, checked (and created, 0700, when create is set); undefined when absent. */
function recordsDir(create: boolean): string | undefined {
  const state = privateStateDir({ create });
  if (state === undefined) return undefined;
  const dir = path.join(state, 'processes');
  try {
    assertPrivate(dir, lstatSync(dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (!create) return undefined;
    mkdirSync(dir, { mode: 0o700 });
    assertPrivate(dir, lstatSync(dir));
  }
  return dir;
}

/** Checks (and creates) the records directory before anything is spawned: PG_ERR_RUNTIME_STATE_DIR when unsafe. */
export function ensureRecordsDir(): void {
  recordsDir(true);
}

/** Writes the record (throws PG_ERR_RUNTIME_STATE_DIR when the directory is unsafe). */
export function recordProcess(record: NewRecord): RecordedProcess {
  const owner = currentOwner();
  const dir = recordsDir(true) as string;
  const file = path.join(dir, `${record.pgid}.json`);
  const full: ProcessRecord = {
    ...record,
    leaderCmdlines: [...record.leaderCmdlines],
    ownerPid: owner.pid,
    ownerStartTicks: owner.startTicks,
    ownerPidNamespace: owner.pidNamespace,
    host: owner.host,
  };
  writePrivate(file, JSON.stringify(full));
  let removed = false;
  return {
    seen(cmdline) {
      if (removed || full.leaderCmdlines.some((known) => sameArgs(known, cmdline))) return;
      full.leaderCmdlines.push(cmdline);
      try {
        writePrivate(file, JSON.stringify(full));
      } catch {
        // Best effort: without it a later reap() cannot prove the group ours and leaves it alone.
      }
    },
    remove() {
      removed = true;
      rmSync(file, { force: true });
    },
  };
}

/** Written whole (temp file + rename), mode 0600, never through a symbolic link. */
function writePrivate(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

export function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((arg, i) => arg === b[i]);
}

/**
 * Records in the state directory that are ours: regular files owned by this uid that no one else
 * may write. Anything else is ignored (and left where it is); a malformed record of ours is removed.
 */
export function listProcessRecords(): Array<{ file: string; record: ProcessRecord }> {
  const dir = recordsDir(false);
  if (dir === undefined) return [];
  const out: Array<{ file: string; record: ProcessRecord }> = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    const text = readOwnFile(file);
    if (text === undefined) continue;
    const record = parseRecord(text);
    if (record === undefined) rmSync(file, { force: true });
    else out.push({ file, record });
  }
  return out;
}

function readOwnFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    const uid = process.getuid?.();
    if (!stats.isFile() || (uid !== undefined && stats.uid !== uid) || (stats.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function parseRecord(text: string): ProcessRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<ProcessRecord>;
  const positive = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0;
  const ok =
    positive(r.pgid) &&
    Number.isInteger(r.leaderStartTicks) &&
    Array.isArray(r.leaderCmdlines) &&
    r.leaderCmdlines.every((c) => Array.isArray(c) && c.every((arg) => typeof arg === 'string')) &&
    positive(r.ownerPid) &&
    (r.ownerStartTicks === undefined || Number.isInteger(r.ownerStartTicks)) &&
    (r.ownerPidNamespace === undefined || typeof r.ownerPidNamespace === 'string') &&
    typeof r.host === 'string' &&
    typeof r.runId === 'string' &&
    typeof r.role === 'string' &&
    typeof r.command === 'string';
  return ok ? (r as ProcessRecord) : undefined;
}
