/**
 * The service drivers peakgate has: `docker` starts an image as a container, `swarm` starts it as
 * a one-replica Docker Swarm service, `process` runs a shell command as a local process group.
 * Declared once here so that the CLI, the controller, the runtime and the report agree on the names.
 */
export const driverNames = ['docker', 'swarm', 'process'] as const;

export type DriverName = (typeof driverNames)[number];

/**
 * How a comparison reached its two builds: started by a driver, or `url` (`compare --baseline-url
 * --candidate-url`: two builds already deployed, loaded where they run, nothing started).
 */
export type ComparisonDriver = DriverName | 'url';

export function isDriverName(value: string): value is DriverName {
  return (driverNames as readonly string[]).includes(value);
}

/** Whether the driver starts images (docker, swarm) rather than shell commands (process). */
export function driverRunsImages(driver: DriverName): boolean {
  return driver !== 'process';
}
