import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { swarmManager } from './manager.js';

/**
 * An engine outside a swarm cannot be had here without leaving the swarm other suites use, so
 * this one answer of GET /info is stubbed; the real engine's answers are covered in
 * test/swarm-driver.test.ts.
 */
function engineSaying(swarm: Record<string, unknown>): Docker {
  return {
    modem: { socketPath: '/var/run/docker.sock' },
    ping: async () => 'OK',
    info: async () => ({ Name: 'vm', Swarm: swarm }),
  } as unknown as Docker;
}

describe('swarmManager', () => {
  it('refuses an engine that is not in a swarm with exit 3 and the command that fixes it', async () => {
    const error = await swarmManager(engineSaying({ LocalNodeState: 'inactive', NodeID: '' })).catch((e) => e);
    expect(error).toMatchObject({ code: 'PG_ERR_RUNTIME_NO_SWARM', exitCode: 3 });
    expect(error.message).toContain('docker swarm init');
    expect(error.message).toContain('unix:///var/run/docker.sock');
  });

  it('refuses a worker: services are created on managers only', async () => {
    const error = await swarmManager(
      engineSaying({ LocalNodeState: 'active', NodeID: 'w1', ControlAvailable: false }),
    ).catch((e) => e);
    expect(error).toMatchObject({ code: 'PG_ERR_RUNTIME_NO_SWARM' });
    expect(error.message).toMatch(/worker.*manager/);
  });

  it('returns the manager node it talks to', async () => {
    await expect(
      swarmManager(engineSaying({ LocalNodeState: 'active', NodeID: 'm1', ControlAvailable: true })),
    ).resolves.toEqual({ nodeId: 'm1', hostname: 'vm' });
  });
});
