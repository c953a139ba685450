import type { DriverName } from '@peakgate/core';
import type Docker from 'dockerode';
import { DockerDriver, type DockerDriverOptions } from './docker/driver.js';
import { ProcessDriver, type ProcessDriverOptions } from './process/driver.js';
import type { ServiceDriver } from './service-driver.js';
import { SwarmDriver, type SwarmDriverOptions } from './swarm/driver.js';

export interface CreateDriverOptions {
  docker?: Docker;
  dockerOptions?: Omit<DockerDriverOptions, 'docker'>;
  processOptions?: ProcessDriverOptions;
  swarmOptions?: Omit<SwarmDriverOptions, 'docker'>;
}

/** The driver for `--driver docker|swarm|process`. Creating it touches nothing; start() does. */
export function createDriver(name: DriverName, options: CreateDriverOptions = {}): ServiceDriver {
  if (name === 'docker') return new DockerDriver({ ...options.dockerOptions, docker: options.docker });
  if (name === 'swarm') return new SwarmDriver({ ...options.swarmOptions, docker: options.docker });
  return new ProcessDriver(options.processOptions);
}
