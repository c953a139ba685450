/**
 * Who owns a container or process group: this process's pid, its start time, its PID namespace
 * and the host. A leftover is an orphan only when its owner is judged dead, and we judge only
 * owners we can see: same host name *and* same PID namespace (a run in another container or pid
 * namespace on this host may use the same host name and pid numbers for live processes).
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { readProcStat } from './process/proc-stat.js';

export interface OwnerIdentity {
  pid: number;
  /** /proc start time in ticks; undefined where /proc is absent. */
  startTicks?: number;
  /** The PID namespace, as /proc/self/ns/pid names it ("pid:[4026531836]"); undefined without /proc. */
  pidNamespace?: string;
  host: string;
}

let self: OwnerIdentity | undefined;
export function currentOwner(): OwnerIdentity {
  self ??= {
    pid: process.pid,
    startTicks: readProcStat(process.pid)?.startTicks,
    pidNamespace: readPidNamespace(),
    host: os.hostname(),
  };
  return self;
}

function readPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** Whether an owner recorded elsewhere is one whose liveness this process can judge. */
export function sameNamespaceAsUs(owner: { host: string; pidNamespace?: string }): boolean {
  const us = currentOwner();
  return owner.host === us.host && owner.pidNamespace === us.pidNamespace;
}

/**
 * Whether pid still runs the process that started at startTicks. A zombie (state Z or X) is dead:
 * it has exited and only waits for its parent to collect the status, and `kill(pid, 0)` alone would
 * call it alive, so a SIGKILLed owner whose parent had not waited yet kept its containers.
 */
export function isProcessAlive(pid: number, startTicks?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcStat(pid);
  // It exists but /proc says nothing (no /proc, hidepid, or it died this instant): when in doubt it
  // is alive, because reaping a live owner's service is the worse mistake.
  if (stat === undefined) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return startTicks === undefined || stat.startTicks === startTicks;
}
