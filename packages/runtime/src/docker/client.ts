/**
 * The dockerode client and the mapping of its failures to peakgate error codes. dockerode and
 * docker-modem parse DOCKER_HOST (unix://, tcp://, ssh://) themselves. We never set the modem's
 * `timeout`: it is a socket idle timeout that would kill event, log and wait streams; each call
 * gets an abort signal instead.
 */
import { PeakgateError } from '@peakgate/core';
import Docker from 'dockerode';
import { dockerSocketHint } from './socket-hint.js';

export type { default as Docker } from 'dockerode';

export function createDocker(): Docker {
  return new Docker();
}

type ModemFields = { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown };

/** The engine listens on a unix socket here (its socketPath is a path, or a finder function for the default). */
export function isLocalEngine(docker: Docker): boolean {
  const modem = docker.modem as ModemFields;
  return typeof modem.socketPath === 'string' || typeof modem.socketPath === 'function';
}

/** Where the client talks to, for messages: "unix:///var/run/docker.sock" or DOCKER_HOST. */
export function describeDockerHost(docker: Docker): string {
  const modem = docker.modem as ModemFields;
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  if (typeof modem.socketPath === 'function') return 'unix:///var/run/docker.sock (default)';
  if (process.env.DOCKER_HOST) return process.env.DOCKER_HOST;
  return `${String(modem.protocol ?? 'http')}://${String(modem.host)}:${String(modem.port)}`;
}

/** GET /_ping with a deadline (dockerode accepts abortSignal; its types do not say so). */
export async function pingDocker(docker: Docker, timeoutMs: number): Promise<void> {
  const ping = docker.ping.bind(docker) as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
  await ping({ abortSignal: AbortSignal.timeout(timeoutMs) });
}

/** True when the engine answers a ping within timeoutMs. Never throws. */
export async function dockerAvailable(docker?: Docker, timeoutMs = 2000): Promise<boolean> {
  try {
    await pingDocker(docker ?? createDocker(), timeoutMs);
    return true;
  } catch {
    return false;
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; statusCode?: unknown } | undefined;
  if (e === undefined || e === null) return false;
  if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
  return e.name === 'TimeoutError' && e.statusCode === undefined;
}

export function unreachableError(docker: Docker, cause: unknown): PeakgateError {
  const code = (cause as { code?: unknown })?.code;
  return new PeakgateError(
    'PG_ERR_RUNTIME_UNREACHABLE',
    `no Docker engine reachable at ${describeDockerHost(docker)}${typeof code === 'string' ? ` (${code})` : ''}; start Docker, fix DOCKER_HOST, or use --driver process${dockerSocketHint()}`,
    { cause },
  );
}

/** Pings with a short timeout; throws PG_ERR_RUNTIME_UNREACHABLE naming the address. */
export async function assertDockerReachable(docker: Docker, timeoutMs = 3000): Promise<void> {
  try {
    await pingDocker(docker, timeoutMs);
  } catch (error) {
    throw unreachableError(docker, error);
  }
}

/** HTTP status of a dockerode error (404 for a missing container or image), if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's message inside a dockerode error ("port is already allocated"). */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } })?.json;
  if (json && typeof json.message === 'string') return json.message;
  return error instanceof Error ? error.message : String(error);
}
