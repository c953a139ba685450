/**
 * `--service-host HOST` (compare, run --service, demo): where load and readiness probes reach a
 * docker build's published ports, for a remote engine (DOCKER_HOST) reached through another
 * address (a private interface, a tunnel). Wins over PEAKGATE_SERVICE_HOST. A host named here is
 * allowed past the load engine's target guard because the user named it, exactly like the env
 * variable (docs/runtimes.md), and no other host is. Parsed and checked against the driver by the
 * one run request resolver (controller's run-request.ts); this module holds only the help text.
 */
export const SERVICE_HOST_OPTION = [
  '--service-host <host>',
  "docker and swarm drivers: the host load is aimed at for the builds' published ports (default: DOCKER_HOST's host, else 127.0.0.1; wins over PEAKGATE_SERVICE_HOST)",
] as const;
