import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { createDocker, dockerAvailable } from './client.js';
import { readPublishedPort } from './published-port.js';

const docker = createDocker();
const skipRequested = process.env.PEAKGATE_SKIP_DOCKER === '1';
const image = 'peakgate/balancer:good';
async function whyNoEngine(): Promise<string | undefined> {
  if (skipRequested) return 'PEAKGATE_SKIP_DOCKER=1';
  if (!(await dockerAvailable(docker, 3000))) return 'no Docker engine reachable';
  return docker
    .getImage(image)
    .inspect()
    .then(
      () => undefined,
      () => `image ${image} missing (run pnpm images)`,
    );
}
const imageReason = await whyNoEngine();

it.runIf(process.env.CI === 'true' && !skipRequested && imageReason !== undefined)(
  'has a Docker engine and the sample image in CI',
  () => {
    expect.fail(`CI=true but ${imageReason}`);
  },
);

/**
 * Real `docker inspect` answers, from a real engine: a container published on 127.0.0.1 while it
 * runs, and the same kind of container once it has exited (its mappings are gone).
 */
describe.skipIf(imageReason !== undefined)(`readPublishedPort (skipped: ${imageReason ?? '-'})`, () => {
  async function bridged(command: string[]): Promise<Docker.Container> {
    return docker.createContainer({
      Image: image,
      Cmd: command,
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { NetworkMode: 'bridge', PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
  }

  it('reads the loopback port of a running container', async () => {
    const container = await bridged(['node', '-e', 'setTimeout(() => {}, 30000)']);
    try {
      await container.start();
      const read = readPublishedPort(await container.inspect(), '8080/tcp');
      expect(read.kind).toBe('port');
      if (read.kind === 'port') expect(read.port).toBeGreaterThan(0);
    } finally {
      await container.remove({ force: true });
    }
  });

  it('says "exited", not "pending", once the container has exited: its mappings are gone', async () => {
    const container = await bridged(['node', '-e', 'process.exit(3)']);
    try {
      await container.start();
      await container.wait();
      const info = await container.inspect();
      expect(info.State.Running).toBe(false);
      expect(readPublishedPort(info, '8080/tcp')).toEqual({ kind: 'exited' });
      // And a port key the container never published is the same answer once it is gone.
      expect(readPublishedPort(info, '9999/tcp')).toEqual({ kind: 'exited' });
    } finally {
      await container.remove({ force: true });
    }
  });
});
