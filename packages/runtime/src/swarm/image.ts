/**
 * The image a Swarm service runs must be on the engine we talk to: there is no registry to pull
 * from, and a task whose image is missing is only rejected later, with a vaguer message. (On a
 * multi-node swarm it must also be on the nodes the constraints pick: docs/runtimes.md.)
 */
import { PeakgateError } from '@peakgate/core';
import type Docker from 'dockerode';
import { engineMessage, isUnreachable, statusOf, unreachableError } from '../docker/client.js';

/**
 * Throws PG_ERR_RUNTIME_IMAGE_MISSING when the manager's engine lacks the image; `builtBy` says
 * how to make it ("for the samples: `pnpm images`").
 */
export async function assertSwarmImage(docker: Docker, image: string, builtBy: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
  } catch (error) {
    if (isUnreachable(error)) throw unreachableError(docker, error);
    if (statusOf(error) === 404)
      throw new PeakgateError(
        'PG_ERR_RUNTIME_IMAGE_MISSING',
        `image ${image} not found on the swarm manager's engine; build it there (${builtBy}) or load it with \`docker load\``,
      );
    throw new PeakgateError('PG_ERR_RUNTIME_START', `cannot inspect image ${image}: ${engineMessage(error)}`, {
      cause: error,
    });
  }
}
