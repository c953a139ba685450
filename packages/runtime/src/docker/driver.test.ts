import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerDriver, engineHost } from './driver.js';

describe('where the docker driver sends load', () => {
  const saved = process.env.PEAKGATE_SERVICE_HOST;
  afterEach(() => {
    if (saved === undefined) delete process.env.PEAKGATE_SERVICE_HOST;
    else process.env.PEAKGATE_SERVICE_HOST = saved;
  });

  it('uses 127.0.0.1 for a local socket, and says the user named nothing', () => {
    delete process.env.PEAKGATE_SERVICE_HOST;
    const docker = new Docker({ socketPath: '/var/run/docker.sock' });
    expect(engineHost(docker)).toBeUndefined();
    expect(new DockerDriver({ docker }).location).toEqual({
      engine: 'unix:///var/run/docker.sock',
      serviceHost: '127.0.0.1',
      explicit: false,
    });
  });

  it('uses the remote engine host named in the connection', () => {
    delete process.env.PEAKGATE_SERVICE_HOST;
    const docker = new Docker({ protocol: 'http', host: 'staging.internal', port: 2375 });
    expect(engineHost(docker)).toBe('staging.internal');
    expect(new DockerDriver({ docker }).location).toMatchObject({ serviceHost: 'staging.internal', explicit: true });
  });

  it('takes the option over the engine host, and never reads PEAKGATE_SERVICE_HOST itself', () => {
    // The variable is resolved by the controller's run request (run-request.ts) into this option.
    const docker = new Docker({ protocol: 'http', host: 'staging.internal', port: 2375 });
    process.env.PEAKGATE_SERVICE_HOST = '10.0.0.7';
    expect(new DockerDriver({ docker }).serviceHost).toBe('staging.internal');
    expect(new DockerDriver({ docker, serviceHost: '10.0.0.8' }).location).toMatchObject({
      serviceHost: '10.0.0.8',
      explicit: true,
    });
  });
});
