/**
 * Removes what dead peakgate processes left behind, and nothing else (every comparison calls this
 * before it starts, so a mistake here kills what someone else runs):
 * - containers carrying the full set of owner labels (labels.ts) whose owner is ours to judge
 *   (same host name and PID namespace) and dead (gone, a zombie, or its pid reused). A container
 *   with missing or malformed labels, or an owner in another namespace, is skipped and listed;
 * - Swarm services (`--driver swarm`) by the same owner rules (swarm/reaper.ts), removed before
 *   the container sweep so Swarm does not hold on to their task containers;
 * - process groups recorded in our private state directory whose owner is dead, killed only while
 *   the recorded leader is still that process (same start time and a recorded command line).
 */
import type Docker from 'dockerode';
import { createDocker, isUnreachable, pingDocker } from './docker/client.js';
import { LABEL_MANAGED, ownerFromLabels } from './labels.js';
import { isProcessAlive, sameNamespaceAsUs } from './owner.js';
import { type ReapedProcessGroup, reapProcessGroups } from './process/reaper.js';
import { type ReapedService, reapServices, type SkippedService } from './swarm/reaper.js';

export interface ReapedContainer {
  id: string;
  name: string;
  runId: string;
  role: string;
  ownerPid: number;
}

export type { ReapedProcessGroup, ReapedService, SkippedService };

/** A managed-looking container reap() did not judge, and why. */
export interface SkippedContainer {
  id: string;
  name: string;
  /** `not-ours`: owner labels missing or malformed; `other-owner-namespace`: another host or PID namespace. */
  reason: 'not-ours' | 'other-owner-namespace';
}

export interface ReapResult {
  /** False when no Docker engine answered (containers were not checked). */
  dockerReachable: boolean;
  containers: ReapedContainer[];
  /** Private networks (service.dependencies) of dead owners, by name; removed after their containers. */
  networks: string[];
  /** Labelled peakgate.managed=true but left alone: not ours to judge. */
  skippedContainers: SkippedContainer[];
  /** Swarm services of dead owners (empty when the engine is not a swarm manager). */
  services: ReapedService[];
  /** Labelled peakgate.managed=true but left alone: not ours to judge. */
  skippedServices: SkippedService[];
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
  const none = {
    dockerReachable: false,
    containers: [],
    networks: [],
    skippedContainers: [],
    services: [],
    skippedServices: [],
    processes,
  };
  if (options.skipDocker) return none;
  const docker = options.docker ?? createDocker();
  try {
    await pingDocker(docker, options.timeoutMs ?? 2000);
  } catch {
    return none;
  }
  const services = await reapServices(docker);
  const containers = await reapContainers(docker);
  return { dockerReachable: true, ...containers, ...services, networks: await reapNetworks(docker), processes };
}

/** The same owner rules as containers: full labels, our namespace, a dead owner. */
async function reapNetworks(docker: Docker): Promise<string[]> {
  let listed: Docker.NetworkInspectInfo[];
  try {
    listed = await docker.listNetworks({ filters: { label: [`${LABEL_MANAGED}=true`] } });
  } catch (error) {
    if (isUnreachable(error)) return [];
    throw error;
  }
  const removed: string[] = [];
  for (const network of listed) {
    const owner = ownerFromLabels(network.Labels);
    if (owner === undefined || !sameNamespaceAsUs(owner) || isProcessAlive(owner.pid, owner.startTicks)) continue;
    try {
      await docker.getNetwork(network.Id).remove();
      removed.push(network.Name);
    } catch (error) {
      // 404 gone already; 403/409 still has endpoints (a container another reaper is removing).
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 403 && status !== 409) throw error;
    }
  }
  return removed;
}

async function reapContainers(
  docker: Docker,
): Promise<{ containers: ReapedContainer[]; skippedContainers: SkippedContainer[] }> {
  let listed: Docker.ContainerInfo[];
  try {
    listed = await docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`] } });
  } catch (error) {
    if (isUnreachable(error)) return { containers: [], skippedContainers: [] };
    throw error;
  }
  const skippedContainers: SkippedContainer[] = [];
  const orphans: ReapedContainer[] = [];
  for (const c of listed) {
    const name = (c.Names?.[0] ?? c.Id).replace(/^\//, '');
    const owner = ownerFromLabels(c.Labels);
    if (owner === undefined) skippedContainers.push({ id: c.Id, name, reason: 'not-ours' });
    else if (!sameNamespaceAsUs(owner)) skippedContainers.push({ id: c.Id, name, reason: 'other-owner-namespace' });
    else if (!isProcessAlive(owner.pid, owner.startTicks))
      orphans.push({ id: c.Id, name, runId: owner.runId, role: owner.role, ownerPid: owner.pid });
  }
  const removed = await Promise.all(orphans.map(async (c) => ((await removeContainer(docker, c.id)) ? c : undefined)));
  return { containers: removed.filter((c): c is ReapedContainer => c !== undefined), skippedContainers };
}

/** False when it was gone already (404) or another reaper is removing it (409): not ours to count. */
async function removeContainer(docker: Docker, id: string): Promise<boolean> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
    return true;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404 || status === 409) return false;
    throw error;
  }
}
