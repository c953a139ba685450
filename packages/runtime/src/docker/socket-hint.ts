/**
 * Inside the peakgate image (its Dockerfile sets PEAKGATE_IMAGE=1) no engine answers unless the
 * host's socket is mounted, and with `docker run --user` the socket's group must be added too.
 * What to tell the user when the engine is unreachable there: the socket's path and the flag.
 */
import { accessSync, constants, existsSync } from 'node:fs';

export const DOCKER_SOCKET = '/var/run/docker.sock';

/** "; inside the peakgate image, mount …" (to append to an unreachable-engine message), or ''. */
export function dockerSocketHint(env: NodeJS.ProcessEnv = process.env, socket = DOCKER_SOCKET): string {
  // Outside the image, or with DOCKER_HOST naming another engine, the usual message says enough.
  if (env.PEAKGATE_IMAGE !== '1' || (env.DOCKER_HOST ?? '') !== '') return '';
  if (!existsSync(socket))
    return `; inside the peakgate image no engine socket is mounted at ${socket}: add -v ${DOCKER_SOCKET}:${DOCKER_SOCKET} --network host to docker run (docs/install.md)`;
  try {
    accessSync(socket, constants.R_OK | constants.W_OK);
    return '';
  } catch {
    const uid = process.getuid?.() ?? 'this';
    return `; ${socket} is mounted but uid ${uid} may not use it: add --group-add "$(stat -c %g ${DOCKER_SOCKET})" to docker run (docs/install.md)`;
  }
}
