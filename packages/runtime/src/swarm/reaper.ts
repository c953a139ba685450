/**
 * Swarm services that dead peakgate processes left behind (`--driver swarm`), judged by the same
 * rules as containers (reaper.ts): the full set of owner labels, an owner in our host and PID
 * namespace, and that owner dead. Anything else is left alone; a service with partial labels or
 * another namespace's owner is listed as skipped. Removing a service makes Swarm stop and remove
 * its task container; the container sweep of the same reap catches one that lingers.
 */
import type Docker from 'dockerode';
import { isUnreachable, statusOf } from '../docker/client.js';
import { LABEL_MANAGED, ownerFromLabels } from '../labels.js';
import { isProcessAlive, sameNamespaceAsUs } from '../owner.js';

export interface ReapedService {
  id: string;
  name: string;
  runId: string;
  role: string;
  ownerPid: number;
}

export interface SkippedService {
  id: string;
  name: string;
  reason: 'not-ours' | 'other-owner-namespace';
}

interface ListedService {
  ID: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

/** Empty when the engine is not a swarm manager (nothing to list, nothing we could have made). */
export async function reapServices(
  docker: Docker,
): Promise<{ services: ReapedService[]; skippedServices: SkippedService[] }> {
  let listed: ListedService[];
  try {
    listed = (await docker.listServices({ filters: { label: [`${LABEL_MANAGED}=true`] } })) as ListedService[];
  } catch (error) {
    // 503: not a swarm manager (or no swarm at all).
    if (isUnreachable(error) || statusOf(error) === 503 || statusOf(error) === 406)
      return { services: [], skippedServices: [] };
    throw error;
  }
  const skippedServices: SkippedService[] = [];
  const orphans: ReapedService[] = [];
  for (const service of listed) {
    const name = service.Spec?.Name ?? service.ID;
    const owner = ownerFromLabels(service.Spec?.Labels);
    if (owner === undefined) skippedServices.push({ id: service.ID, name, reason: 'not-ours' });
    else if (!sameNamespaceAsUs(owner)) skippedServices.push({ id: service.ID, name, reason: 'other-owner-namespace' });
    else if (!isProcessAlive(owner.pid, owner.startTicks))
      orphans.push({ id: service.ID, name, runId: owner.runId, role: owner.role, ownerPid: owner.pid });
  }
  const removed = await Promise.all(
    orphans.map(async (service) => ((await removeService(docker, service.id)) ? service : undefined)),
  );
  return { services: removed.filter((s): s is ReapedService => s !== undefined), skippedServices };
}

/** False when it was gone already (another reaper, or its owner's own stop()). */
async function removeService(docker: Docker, id: string): Promise<boolean> {
  try {
    await docker.getService(id).remove();
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}
