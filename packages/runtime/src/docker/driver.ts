/**
 * The docker driver: one fresh container per trial, labelled with the run and the owning process,
 * published on 127.0.0.1 only (bridge) or sharing the host network with a free port in PORT.
 * Death and OOM kills are noticed through the event stream (with `wait` as a second witness so a
 * dropped stream cannot make us hang); the container is removed on every path.
 */

import { type BuildSpec, describeBuildSpec, PeakgateError, type ServiceSpec } from '@peakgate/core';
import type Docker from 'dockerode';
import { findFreePort, portTaken } from '../free-port.js';
import { containerLabels, LABEL_RUN } from '../labels.js';
import { LogSink, logName } from '../log-sink.js';
import { type ReadyOutcome, waitForReady } from '../readiness.js';
import type {
  PrivateNetwork,
  ServiceDriver,
  ServiceLocation,
  StartedService,
  StartOptions,
} from '../service-driver.js';
import { launched } from '../service-handle.js';
import {
  assertDockerReachable,
  createDocker,
  engineMessage,
  isUnreachable,
  statusOf,
  unreachableError,
} from './client.js';
import { ContainerService, containerLocation } from './container-service.js';

export { engineHost } from './container-service.js';

import { waitForHealthy } from './healthcheck-readiness.js';
import { readPublishedPort } from './published-port.js';
import type { StatsSource } from './resources.js';

export interface DockerDriverOptions {
  docker?: Docker;
  /** 'missing' (default): try one pull when the image is absent; 'never' (PEAKGATE_PULL=never): fail at once. */
  pull?: 'missing' | 'never';
  /** 'api' (PEAKGATE_STATS_SOURCE=api): CPU and memory from the stats API, never the cgroup files. Default 'auto'. */
  statsSource?: StatsSource;
  pullTimeoutMs?: number;
  /** Seconds between SIGTERM and SIGKILL on stop. */
  stopGraceSeconds?: number;
  /**
   * Where load and probes reach published ports (`--service-host`). Default: 127.0.0.1 for a
   * local engine, the host named in DOCKER_HOST (tcp:// or ssh://) for a remote one.
   */
  serviceHost?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export class DockerDriver implements ServiceDriver {
  readonly name = 'docker' as const;
  private readonly docker: Docker;
  private reachable = false;
  /** Where load and readiness probes reach the published ports. */
  readonly serviceHost: string;
  readonly location: ServiceLocation;

  constructor(private readonly options: DockerDriverOptions = {}) {
    this.docker = options.docker ?? createDocker();
    this.location = containerLocation(this.docker, options.serviceHost);
    this.serviceHost = this.location.serviceHost;
  }

  /** A user-defined bridge network `peakgate-<run>-<role>-<trial>` for one build and its dependencies. */
  async createNetwork(options: Pick<StartOptions, 'runId' | 'role' | 'trial'>): Promise<PrivateNetwork> {
    if (!this.reachable) {
      await assertDockerReachable(this.docker);
      this.reachable = true;
    }
    const name =
      `peakgate-${options.runId}-${options.role}-${options.trial ?? Math.random().toString(36).slice(2, 8)}`.replace(
        /[^a-zA-Z0-9_.-]/g,
        '-',
      );
    let network: Docker.Network;
    try {
      network = await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: containerLabels(options.runId, options.role),
      });
    } catch (error) {
      if (isUnreachable(error)) throw unreachableError(this.docker, error);
      throw startError(`cannot create network ${name}`, error);
    }
    return {
      name,
      remove: async () => {
        try {
          await network.remove();
        } catch (error) {
          if (statusOf(error) !== 404) throw startError(`cannot remove network ${name}`, error);
        }
      },
    };
  }

  async start(build: BuildSpec, service: ServiceSpec, options: StartOptions): Promise<StartedService> {
    if (build.kind !== 'image')
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `the docker driver needs an image for the ${options.role}, got ${describeBuildSpec(build)}; use --driver process`,
      );
    const startedAt = performance.now();
    options.signal?.throwIfAborted();
    if (!this.reachable) {
      await assertDockerReachable(this.docker);
      this.reachable = true;
    }
    await this.ensureImage(build.image, options.signal);
    const healthcheck = options.preferHealthcheck === true ? await this.hasHealthcheck(build.image) : false;
    const logs = await LogSink.create(options.outDir, logName(options), options.trial);
    try {
      return await startContainer(this.docker, build.image, service, options, logs, startedAt, {
        ...this.options,
        serviceHost: this.serviceHost,
        healthcheck,
      });
    } catch (error) {
      await logs.close();
      throw error;
    }
  }

  /** Whether the image declares a HEALTHCHECK (one that is not `NONE`). */
  private async hasHealthcheck(image: string): Promise<boolean> {
    const info = await this.docker.getImage(image).inspect();
    const test = (info.Config as { Healthcheck?: { Test?: string[] } } | undefined)?.Healthcheck?.Test;
    return Array.isArray(test) && test.length > 0 && test[0] !== 'NONE';
  }

  /** Image present locally, or one pull attempt; never a slow hang when there is no registry. */
  private async ensureImage(image: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.docker.getImage(image).inspect({ abortSignal: signal } as object);
      return;
    } catch (error) {
      if (isUnreachable(error)) throw unreachableError(this.docker, error);
      if (statusOf(error) !== 404) throw startError(`cannot inspect image ${image}`, error);
    }
    const missing = (why: string) =>
      new PeakgateError(
        'PG_ERR_RUNTIME_IMAGE_MISSING',
        `image ${image} not found locally${why}; build it (for the samples: \`pnpm images\`) or load it with \`docker load\``,
      );
    if (this.options.pull === 'never') throw missing('');
    try {
      const abort = AbortSignal.any([
        AbortSignal.timeout(this.options.pullTimeoutMs ?? 120_000),
        ...(signal ? [signal] : []),
      ]);
      const stream = await this.docker.pull(image, { abortSignal: abort });
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
          // followProgress reports a failed pull as a null error with an error entry in the output.
          const failed = err ?? output.find((o) => o.error)?.error;
          if (failed) reject(failed instanceof Error ? failed : new Error(String(failed)));
          else resolve();
        });
      });
    } catch (error) {
      throw missing(` and the pull failed (${engineMessage(error).split('\n')[0]})`);
    }
  }
}

function startError(what: string, cause: unknown): PeakgateError {
  return new PeakgateError('PG_ERR_RUNTIME_START', `${what}: ${engineMessage(cause)}`, { cause });
}

function toEnv(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

async function startContainer(
  docker: Docker,
  image: string,
  service: ServiceSpec,
  options: StartOptions,
  logs: LogSink,
  startedAt: number,
  driverOptions: DockerDriverOptions & { serviceHost: string; healthcheck: boolean },
): Promise<StartedService> {
  const remote = !LOOPBACK.has(driverOptions.serviceHost);
  // A private network (dependencies) or a remote engine (a port picked here means nothing there)
  // rules out host networking: the port is published instead.
  const host = service.network === 'host' && options.network === undefined && !remote;
  const containerPort = service.port;
  // Host networking: the service shares our ports, so give it a free one in PORT.
  const hostPort = host ? await findFreePort() : undefined;
  const cpuset = options.cpuset ?? service.resources.cpuset;
  const env = { ...service.env, ...(host ? { PORT: String(hostPort) } : { PORT: String(containerPort) }) };
  const portKey = `${containerPort}/tcp`;
  // Published on loopback only, unless the engine is remote: then on the engine's own interfaces,
  // the only way load from here reaches it (docs/runtimes.md: what a real remote host needs).
  const publishIp = remote ? '0.0.0.0' : '127.0.0.1';
  const hostConfig: Docker.HostConfig = {
    NetworkMode: options.network?.name ?? (host ? 'host' : 'bridge'),
    ...(host ? {} : { PortBindings: { [portKey]: [{ HostIp: publishIp, HostPort: '' }] } }),
    ...(service.resources.cpus !== undefined ? { NanoCpus: Math.round(service.resources.cpus * 1e9) } : {}),
    ...(cpuset !== undefined ? { CpusetCpus: cpuset } : {}),
    ...(service.resources.memoryBytes !== undefined
      ? { Memory: service.resources.memoryBytes, MemorySwap: service.resources.memoryBytes }
      : {}),
  };
  const name = `peakgate-${options.runId}-${logName(options)}-${Math.random().toString(36).slice(2, 8)}`.replace(
    /[^a-zA-Z0-9_.-]/g,
    '-',
  );
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      name,
      Image: image,
      Env: toEnv(env),
      ...(service.command ? { Cmd: service.command } : {}),
      Labels: containerLabels(options.runId, options.role, options.component),
      ...(host ? {} : { ExposedPorts: { [portKey]: {} } }),
      HostConfig: hostConfig,
      ...(options.network !== undefined
        ? {
            NetworkingConfig: {
              EndpointsConfig: { [options.network.name]: { Aliases: options.network.aliases ?? [] } },
            },
          }
        : {}),
      // No abort signal here or on start: an aborted create may still make a container whose id we
      // would never learn. The abort is honoured right after, during readiness.
    } as Docker.ContainerCreateOptions);
  } catch (error) {
    if (isUnreachable(error)) throw unreachableError(docker, error);
    throw startError(`cannot create a container from ${image}`, error);
  }
  return launched(new DockerService(docker, container, name, logs, options, driverOptions, cpuset), (handle) =>
    handle.launch(service, host ? (hostPort as number) : undefined, portKey, startedAt),
  );
}

class DockerService extends ContainerService {
  readonly driver = 'docker' as const;
  readonly id: string;
  declare protected container: Docker.Container;
  private started = false;

  constructor(
    docker: Docker,
    container: Docker.Container,
    name: string,
    logs: LogSink,
    options: StartOptions,
    private readonly driverOptions: DockerDriverOptions & { serviceHost: string; healthcheck: boolean },
    cpuset: string | undefined,
  ) {
    super(docker, `container ${name}`, name, logs, options, cpuset);
    this.statsSource = driverOptions.statsSource ?? 'auto';
    this.container = container;
    this.id = container.id;
  }

  async launch(service: ServiceSpec, hostPort: number | undefined, portKey: string, startedAt: number): Promise<void> {
    this.rememberLimits(service);
    // Die and OOM events are subscribed to before start, with `wait(next-exit)` as a second witness.
    await this.followEvents(['die', 'oom'], [`${LABEL_RUN}=${this.options.runId}`]);
    this.waitForExit('next-exit');
    try {
      await this.container.start();
      this.started = true;
    } catch (error) {
      const message = engineMessage(error);
      if (/port is already allocated|address already in use/i.test(message)) throw portTaken(hostPort ?? 0, this.name);
      throw startError(`cannot start container ${this.name}`, error);
    }
    this.followLogs();
    const reader = await this.openReader();
    const serviceHost = this.driverOptions.serviceHost;
    await this.publishAt(hostPort ?? (await this.publishedPort(portKey)), serviceHost, service.ready);
    this.logs.note(`container ${this.name} (${this.id.slice(0, 12)}) at ${this.url}, stats from ${reader.source}`);
    const outcome: ReadyOutcome = this.driverOptions.healthcheck
      ? await waitForHealthy({
          container: this.container,
          timeoutMs: service.ready.timeoutMs,
          ended: this.died,
          ...(this.options.signal !== undefined ? { signal: this.options.signal } : {}),
        })
      : await waitForReady({
          check: service.ready,
          host: serviceHost,
          port: this.port,
          logs: this.logs,
          ended: this.died,
          signal: this.options.signal,
        });
    if (!outcome.ok) await this.failStart(outcome, service.ready);
    this.markReady(startedAt);
  }

  /** The host port the engine published for `portKey`; undefined when the container has exited. */
  private async publishedPort(portKey: string): Promise<number | undefined> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const read = readPublishedPort(await this.container.inspect(), portKey);
      if (read.kind === 'port') return read.port;
      if (read.kind === 'exited') return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new PeakgateError(
      'PG_ERR_RUNTIME_START',
      `container ${this.name} has no published port for ${portKey}; is service.port right?`,
    );
  }

  protected async terminate(): Promise<void> {
    try {
      await this.container.stop({ t: this.driverOptions.stopGraceSeconds ?? 5 });
    } catch {
      // 304 already stopped, 404 gone, or never started: removal below settles it.
    }
    // The die event (or wait) normally arrives at once; inspect is the fallback.
    // A container that never started sends no die event: no need to wait for one.
    await this.removeContainer(this.started ? 3000 : undefined);
  }
}
