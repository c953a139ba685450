/**
 * `--service-host HOST` (compare, run --service, demo): where load and readiness probes reach a
 * docker build's published ports, for a remote engine (DOCKER_HOST) reached through another
 * address (a private interface, a tunnel). Wins over PEAKGATE_SERVICE_HOST. A host named here is
 * allowed past the load engine's target guard because the user named it, exactly like the env
 * variable (docs/runtimes.md), and no other host is.
 */
import { isIP } from 'node:net';
import { PeakgateError } from '@peakgate/core';

export const SERVICE_HOST_OPTION = [
  '--service-host <host>',
  "docker and swarm drivers: the host load is aimed at for the builds' published ports (default: DOCKER_HOST's host, else 127.0.0.1; wins over PEAKGATE_SERVICE_HOST)",
] as const;

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** The flag's value as a bare host name or IP address (no scheme, port or path), or undefined. */
export function parseServiceHost(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (isIP(bare) !== 0 || HOSTNAME.test(bare)) return bare;
  throw new PeakgateError(
    'PG_ERR_OPTS_INVALID',
    `--service-host: expected a host name or IP address (no scheme, port or path), got "${value}"`,
  );
}

/** `--service-host` names where a docker or swarm build's ports are: with the process driver it would be silently ignored. */
export function assertServiceHostDriver(serviceHost: string | undefined, driver: string): void {
  if (serviceHost !== undefined && driver !== 'docker' && driver !== 'swarm') {
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `--service-host applies to the docker and swarm drivers (published ports), not --driver ${driver}`,
    );
  }
}
