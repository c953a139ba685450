/**
 * Whether the engine peakgate talks to can run Swarm services: it must be a swarm manager (only
 * managers accept service calls). Asked once per driver, before the first service is created, so
 * `--driver swarm` on a plain engine is one clear error instead of a 503 from createService.
 */
import { PeakgateError } from '@peakgate/core';
import type Docker from 'dockerode';
import { assertDockerReachable, describeDockerHost, isUnreachable, unreachableError } from '../docker/client.js';

export interface SwarmManager {
  /** The swarm node id of the engine we talk to: task containers there are the ones we can read. */
  nodeId: string;
  /** Its host name, for messages. */
  hostname: string;
}

interface SwarmInfo {
  Name?: string;
  Swarm?: { NodeID?: string; LocalNodeState?: string; ControlAvailable?: boolean; Error?: string };
}

export async function swarmManager(docker: Docker): Promise<SwarmManager> {
  await assertDockerReachable(docker);
  let info: SwarmInfo;
  try {
    info = (await docker.info()) as SwarmInfo;
  } catch (error) {
    if (isUnreachable(error)) throw unreachableError(docker, error);
    throw new PeakgateError('PG_ERR_RUNTIME_NO_SWARM', `cannot ask ${describeDockerHost(docker)} about its swarm`, {
      cause: error,
    });
  }
  const engine = describeDockerHost(docker);
  const swarm = info.Swarm ?? {};
  if (swarm.LocalNodeState !== 'active') {
    const state = swarm.LocalNodeState ?? 'unknown';
    throw new PeakgateError(
      'PG_ERR_RUNTIME_NO_SWARM',
      `--driver swarm: the Docker engine at ${engine} is not in a swarm (state ${state}${swarm.Error ? `: ${swarm.Error}` : ''}); run \`docker swarm init --advertise-addr 127.0.0.1\` (a one-node swarm is enough) or use --driver docker`,
    );
  }
  if (swarm.ControlAvailable !== true || !swarm.NodeID) {
    throw new PeakgateError(
      'PG_ERR_RUNTIME_NO_SWARM',
      `--driver swarm: the Docker engine at ${engine} is a swarm worker; services can only be created on a manager: point DOCKER_HOST at a manager node`,
    );
  }
  return { nodeId: swarm.NodeID, hostname: info.Name ?? swarm.NodeID };
}
