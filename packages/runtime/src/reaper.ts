/**
 * Removes what dead peakgate processes left behind: containers labelled peakgate.managed=true
 * whose owner (peakgate.pid on this host, checked against its start time) is gone, and process
 * groups recorded in pid files whose owner is gone. Containers owned by live processes or by
 * other hosts are left alone. Every comparison calls this before it starts.
 */
import { rmSync } from 'node:fs';
import type Docker from 'dockerode';
import { createDocker, isUnreachable, pingDocker } from './docker-client.js';
import { LABEL_HOST, LABEL_MANAGED, LABEL_PID, LABEL_PID_START, LABEL_ROLE, LABEL_RUN } from './labels.js';
import { currentOwner, isProcessAlive } from './owner.js';
import { readProcStat } from './proc-stat.js';
import { listProcessRecords } from './process-registry.js';

export interface ReapedContainer {
  id: string;
  name: string;
  runId: string;
  role: string;
  ownerPid: number;
}

export interface ReapedProcessGroup {
  pgid: number;
  runId: string;
  role: string;
  ownerPid: number;
  command: string;
}

export interface ReapResult {
  /** False when no Docker engine answered (containers were not checked). */
  dockerReachable: boolean;
  containers: ReapedContainer[];
  processes: ReapedProcessGroup[];
}

export interface ReapOptions {
  docker?: Docker;
  /** Skip Docker entirely (process-driver runs on machines without an engine). */
  skipDocker?: boolean;
  /** Ping timeout when checking for an engine. */
  timeoutMs?: number;
}

export async function reap(options: ReapOptions = {}): Promise<ReapResult> {
  const processes = reapProcessGroups();
  if (options.skipDocker) return { dockerReachable: false, containers: [], processes };
  const docker = options.docker ?? createDocker();
  try {
    await pingDocker(docker, options.timeoutMs ?? 2000);
  } catch {
    return { dockerReachable: false, containers: [], processes };
  }
  return { dockerReachable: true, containers: await reapContainers(docker), processes };
}

async function reapContainers(docker: Docker): Promise<ReapedContainer[]> {
  const host = currentOwner().host;
  let listed: Docker.ContainerInfo[];
  try {
    listed = await docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`] } });
  } catch (error) {
    if (isUnreachable(error)) return [];
    throw error;
  }
  const orphans = listed.filter((c) => {
    const labels = c.Labels ?? {};
    if (labels[LABEL_HOST] !== host) return false;
    const pid = Number(labels[LABEL_PID]);
    const start = labels[LABEL_PID_START] === undefined ? undefined : Number(labels[LABEL_PID_START]);
    return !isProcessAlive(pid, start);
  });
  const removed = await Promise.all(
    orphans.map(async (c): Promise<ReapedContainer | undefined> => {
      try {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        // 404: gone already; 409: removal in progress (another reaper). Either way, not ours to count.
        if (status === 404 || status === 409) return undefined;
        throw error;
      }
      return {
        id: c.Id,
        name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
        runId: c.Labels?.[LABEL_RUN] ?? '',
        role: c.Labels?.[LABEL_ROLE] ?? '',
        ownerPid: Number(c.Labels?.[LABEL_PID]),
      };
    }),
  );
  return removed.filter((c): c is ReapedContainer => c !== undefined);
}

function reapProcessGroups(): ReapedProcessGroup[] {
  if (process.platform !== 'linux') return [];
  const host = currentOwner().host;
  const reaped: ReapedProcessGroup[] = [];
  for (const { file, record } of listProcessRecords()) {
    if (record.host !== host) continue;
    if (isProcessAlive(record.ownerPid, record.ownerStartTicks)) continue;
    // Kill only if the leader is still the process we started (same start time): pids get reused.
    const leader = readProcStat(record.pgid);
    const sameLeader = leader !== undefined && leader.startTicks === record.leaderStartTicks;
    let killed = false;
    if (sameLeader || leader === undefined) {
      try {
        process.kill(-record.pgid, 'SIGKILL');
        killed = true;
      } catch {
        // ESRCH: nothing left of the group.
      }
    }
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
  return reaped;
}
