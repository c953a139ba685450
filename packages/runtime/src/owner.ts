/**
 * Who owns a container or process group: this process's pid, its start time and the host. A
 * leftover is an orphan when its owner on this host is gone (dead pid, or the pid now belongs to
 * a process that started at another time).
 */
import os from 'node:os';
import { readProcStat } from './proc-stat.js';

export interface OwnerIdentity {
  pid: number;
  /** /proc start time in ticks; undefined where /proc is absent. */
  startTicks?: number;
  host: string;
}

let self: OwnerIdentity | undefined;
export function currentOwner(): OwnerIdentity {
  self ??= { pid: process.pid, startTicks: readProcStat(process.pid)?.startTicks, host: os.hostname() };
  return self;
}

export function isProcessAlive(pid: number, startTicks?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTicks === undefined) return true;
  const stat = readProcStat(pid);
  return stat === undefined ? true : stat.startTicks === startTicks;
}
