/**
 * Reads Linux /proc for the process driver: CPU time and RSS of a whole process tree, and the
 * identity of a process (pid + start time) so a reused pid is never mistaken for its owner.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** One letter: R running, S sleeping, … Z zombie (dead, not yet waited for), X dead. */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** utime + stime + cutime + cstime in clock ticks: own time plus that of reaped children. */
  cpuTicks: number;
  /** Start time after boot in clock ticks: with the pid, a unique identity. */
  startTicks: number;
  rssPages: number;
}

function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2000 }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

let ticks: number | undefined;
let pageSize: number | undefined;
export function clockTicksPerSecond(): number {
  ticks ??= sysconf('CLK_TCK', 100);
  return ticks;
}
export function pageSizeBytes(): number {
  pageSize ??= sysconf('PAGESIZE', 4096);
  return pageSize;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3] ?? 0);
  return {
    pid,
    state: fields[0] ?? '',
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    cpuTicks: field(14) + field(15) + field(16) + field(17),
    startTicks: field(22),
    rssPages: field(24),
  };
}

/** The command line of a process as its argument list; undefined when it is gone or unreadable. */
export function readCmdline(pid: number): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  // NUL-separated with a trailing NUL; a zombie or kernel thread has an empty one.
  if (text === '') return undefined;
  return text.replace(/\0$/, '').split('\0');
}

export function listProcStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readProcStat(pid);
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

/**
 * Processes of a process group that are still alive. A member that has died but was not yet
 * waited for (a zombie, state Z) is left out: it holds no CPU, memory or socket any more, and when
 * it is reaped is up to whoever adopted it (an init that reaps on a timer can take over a second).
 */
export function liveGroupMembers(pgid: number, all: ProcStat[] = listProcStats()): ProcStat[] {
  return all.filter((stat) => stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X');
}

/**
 * The tree of a service started in its own session (detached): every process in that session
 * plus every descendant of the root, so children that call setsid are still counted.
 */
export function processTree(rootPid: number, all: ProcStat[] = listProcStats()): ProcStat[] {
  const members = new Map<number, ProcStat>();
  for (const stat of all) if (stat.session === rootPid || stat.pid === rootPid) members.set(stat.pid, stat);
  let grew = true;
  while (grew) {
    grew = false;
    for (const stat of all) {
      if (!members.has(stat.pid) && members.has(stat.ppid)) {
        members.set(stat.pid, stat);
        grew = true;
      }
    }
  }
  return [...members.values()];
}

export interface TreeUsage {
  cpuNanos: number;
  rssBytes: number;
  processes: number;
}

export function treeUsage(rootPid: number): TreeUsage {
  const tree = processTree(rootPid);
  let cpuTicks = 0;
  let rssPages = 0;
  for (const stat of tree) {
    cpuTicks += stat.cpuTicks;
    rssPages += stat.rssPages;
  }
  return {
    cpuNanos: Math.round((cpuTicks * 1e9) / clockTicksPerSecond()),
    rssBytes: rssPages * pageSizeBytes(),
    processes: tree.length,
  };
}
