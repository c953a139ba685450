/**
 * Reading a container's published host port from `docker inspect`. Kept apart from the drivers so
 * the one subtle case has its own test: an exited container has no port mappings at all, and that
 * is an exit to report with its log tail, not a wrong `service.port`.
 */
import type Docker from 'dockerode';

export type PublishedPort =
  | { kind: 'port'; port: number }
  /** The container is no longer running: its mappings are gone with it. */
  | { kind: 'exited' }
  /** Running, but the engine has not filled the mapping in yet (it can lag behind start). */
  | { kind: 'pending' };

export function readPublishedPort(info: Docker.ContainerInspectInfo, portKey: string): PublishedPort {
  const bindings = info.NetworkSettings.Ports?.[portKey];
  // Loopback first: the docker driver publishes on 127.0.0.1 (a remote engine on 0.0.0.0).
  const binding =
    bindings?.find((b) => b.HostIp === '127.0.0.1' || b.HostIp === '0.0.0.0') ?? bindings?.find((b) => b.HostPort);
  if (binding?.HostPort) return { kind: 'port', port: Number(binding.HostPort) };
  return info.State.Running ? { kind: 'pending' } : { kind: 'exited' };
}
