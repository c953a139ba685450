/**
 * Shared by the swarm tests: the swarm gate (skip visibly unless the engine is a swarm manager,
 * fail in CI, where .ci/run makes one) and queries for services by peakgate's labels.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  createDocker,
  DEFAULT_LOAD_IMAGE,
  dockerAvailable,
  LABEL_MANAGED,
  LABEL_RUN,
} from '../packages/runtime/dist/index.js';

const skipRequested = process.env.PEAKGATE_SKIP_DOCKER === '1';

async function probe(): Promise<string | undefined> {
  if (skipRequested) return 'PEAKGATE_SKIP_DOCKER=1';
  if (!(await dockerAvailable(undefined, 3000)))
    return `no Docker engine reachable at ${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`;
  const info = (await createDocker().info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  if (info.Swarm?.LocalNodeState !== 'active') return 'the Docker engine is not in a swarm (docker swarm init)';
  if (info.Swarm.ControlAvailable !== true) return 'the Docker engine is a swarm worker, not a manager';
  return undefined;
}

/** Why the swarm suites are skipped, or undefined when the engine is a swarm manager. */
export const swarmSkipReason = await probe();
export const swarmOk = swarmSkipReason === undefined;
/** In CI the swarm must exist (.ci/run runs `docker swarm init`): a skip there is a failure. */
export const swarmMissingInCi = !skipRequested && !swarmOk && process.env.CI === 'true';
if (!swarmOk) console.warn(`swarm tests: skipping (${swarmSkipReason})`);

/** Names of Swarm services carrying peakgate.run=<runId>, or every peakgate.managed=true one. */
export async function labelledServices(runId?: string): Promise<string[]> {
  const label = runId === undefined ? `${LABEL_MANAGED}=true` : `${LABEL_RUN}=${runId}`;
  const list = (await createDocker().listServices({ filters: { label: [label] } })) as Array<{
    ID: string;
    Spec?: { Name?: string };
  }>;
  return list.map((s) => s.Spec?.Name ?? s.ID);
}

/** Swarm task containers (any state) carrying peakgate.managed=true: what a removed service may leave. */
export async function labelledTaskContainers(): Promise<string[]> {
  const list = await createDocker().listContainers({
    all: true,
    filters: { label: [`${LABEL_MANAGED}=true`, 'com.docker.swarm.task.id'] },
  });
  return list.map((c) => c.Id);
}

/** Builds the load shard image (docker/build-images.sh) when it is missing (CI runs `pnpm images` first). */
export function ensureLoadImage(): void {
  try {
    execFileSync('docker', ['image', 'inspect', DEFAULT_LOAD_IMAGE], { stdio: 'ignore' });
    return;
  } catch {
    console.warn(`swarm tests: building the missing image ${DEFAULT_LOAD_IMAGE}`);
  }
  const root = path.resolve(import.meta.dirname, '..');
  execFileSync('bash', [path.join(root, 'docker/build-images.sh')], { stdio: 'inherit', timeout: 300_000 });
}
