/**
 * The real service launcher for a driver name, so callers above the controller (the HTTP API)
 * need not import @peakgate/runtime themselves: arrows stay server → controller → runtime.
 */
import { type DriverName, driverRunsImages } from '@peakgate/core';
import { assertDockerReachable, cleanupAll, createDocker, createDriver } from '@peakgate/runtime';
import { driverLauncher } from './adapters.js';
import type { ServiceLauncher } from './ports.js';
import type { RuntimeSettings } from './run-request.js';

/** The run request's runtime settings (run-request.ts: flag > environment > default); absent ones take the drivers' defaults. */
export type LauncherOptions = Readonly<
  Partial<Pick<RuntimeSettings, 'serviceHost' | 'pull' | 'statsSource' | 'swarmConstraints'>>
>;

export function launcherFor(driver: DriverName, options: LauncherOptions = {}): ServiceLauncher {
  const hostOptions = options.serviceHost !== undefined ? { serviceHost: options.serviceHost } : {};
  return driverLauncher(
    createDriver(driver, {
      dockerOptions: {
        ...hostOptions,
        ...(options.pull !== undefined ? { pull: options.pull } : {}),
        ...(options.statsSource !== undefined ? { statsSource: options.statsSource } : {}),
      },
      swarmOptions: {
        ...hostOptions,
        ...(options.statsSource !== undefined ? { statsSource: options.statsSource } : {}),
        ...(options.swarmConstraints !== undefined ? { constraints: [...options.swarmConstraints] } : {}),
      },
    }),
  );
}

/**
 * Before anything starts: a docker or swarm run needs an engine that answers. The error is the
 * drivers' own PG_ERR_RUNTIME_UNREACHABLE (the address, and inside the peakgate image how to mount
 * the socket), so the CLI, the server and a driver that finds the engine gone say the same thing.
 */
export async function ensureEngine(driver: DriverName): Promise<void> {
  if (driverRunsImages(driver)) await assertDockerReachable(createDocker());
}

/** Stops and removes every service this process still has running (SIGTERM of a server). */
export async function cleanupServices(): Promise<void> {
  await cleanupAll();
}
