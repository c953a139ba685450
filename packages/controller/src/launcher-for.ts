/**
 * The real service launcher for a driver name, so callers above the controller (the HTTP API)
 * need not import @peakgate/runtime themselves: arrows stay server → controller → runtime.
 */
import type { DriverName } from '@peakgate/core';
import { cleanupAll, createDriver } from '@peakgate/runtime';
import { driverLauncher } from './adapters.js';
import type { ServiceLauncher } from './ports.js';

export interface LauncherOptions {
  /** Docker and swarm: where load and probes reach published ports (`--service-host`); wins over PEAKGATE_SERVICE_HOST. */
  serviceHost?: string;
}

export function launcherFor(driver: DriverName, options: LauncherOptions = {}): ServiceLauncher {
  const hostOptions = options.serviceHost !== undefined ? { serviceHost: options.serviceHost } : {};
  return driverLauncher(createDriver(driver, { dockerOptions: hostOptions, swarmOptions: hostOptions }));
}

/** Stops and removes every service this process still has running (SIGTERM of a server). */
export async function cleanupServices(): Promise<void> {
  await cleanupAll();
}
