/**
 * The process half of `reap()`: kills the recorded process groups of dead owners. A record is
 * only a claim, so before the SIGKILL the group leader must still be the process we started: its
 * /proc start time equals the recorded one and its command line is one we recorded. Otherwise the
 * pid was reused (or the record is not what it says) and the group is left alone. Then the dead
 * owners' service cgroups (service-cgroup.ts) are removed once empty.
 */
import { rmSync } from 'node:fs';
import { isProcessAlive, sameNamespaceAsUs } from '../owner.js';
import { readCmdline, readProcStat } from './proc-stat.js';
import { listProcessRecords, type ProcessRecord, sameArgs } from './registry.js';
import { reapCgroups } from './service-cgroup.js';

export interface ReapedProcessGroup {
  pgid: number;
  runId: string;
  role: string;
  ownerPid: number;
  command: string;
}

export function reapProcessGroups(): ReapedProcessGroup[] {
  if (process.platform !== 'linux') return [];
  const reaped: ReapedProcessGroup[] = [];
  for (const { file, record } of listProcessRecords()) {
    // Owners on another host or in another PID namespace may be alive where we cannot see them.
    if (!sameNamespaceAsUs({ host: record.host, pidNamespace: record.ownerPidNamespace })) continue;
    if (isProcessAlive(record.ownerPid, record.ownerStartTicks)) continue;
    let killed = false;
    if (leaderIsOurs(record)) {
      try {
        process.kill(-record.pgid, 'SIGKILL');
        killed = true;
      } catch {
        // ESRCH: nothing left of the group.
      }
    }
    // The owner is dead either way: the record can only mislead a later reap.
    rmSync(file, { force: true });
    if (killed)
      reaped.push({
        pgid: record.pgid,
        runId: record.runId,
        role: record.role,
        ownerPid: record.ownerPid,
        command: record.command,
      });
  }
  // After the kills: the dead owners' service cgroups empty out and can be removed.
  reapCgroups();
  return reaped;
}

/** The leader runs, leads its group, started when recorded, and runs a command line we saw it run. */
function leaderIsOurs(record: ProcessRecord): boolean {
  const leader = readProcStat(record.pgid);
  if (leader === undefined || leader.pgrp !== record.pgid || leader.startTicks !== record.leaderStartTicks)
    return false;
  const cmdline = readCmdline(record.pgid);
  return cmdline !== undefined && record.leaderCmdlines.some((known) => sameArgs(known, cmdline));
}
