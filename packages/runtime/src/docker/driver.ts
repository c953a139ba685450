/**
 * The docker driver: one fresh container per trial, labelled with the run and the owning process,
 * published on 127.0.0.1 only (bridge) or sharing the host network with a free port in PORT.
 * Death and OOM kills are noticed through the event stream (with `wait` as a second witness so a
 * dropped stream cannot make us hang); the container is removed on every path.
 */

import { Writable } from 'node:stream';
import { type BuildSpec, describeBuildSpec, PeakgateError, type ServiceExit, type ServiceSpec } from '@peakgate/core';
import type Docker from 'dockerode';
import { findFreePort, portTaken } from '../free-port.js';
import { containerLabels, LABEL_RUN } from '../labels.js';
import { LogSink, logName } from '../log-sink.js';
import { EXITED_BEFORE_READY, type ReadyOutcome, waitForReady } from '../readiness.js';
import type {
  PrivateNetwork,
  ServiceDriver,
  ServiceLocation,
  StartedService,
  StartOptions,
} from '../service-driver.js';
import { ServiceHandle } from '../service-handle.js';
import { within } from '../within.js';
import {
  assertDockerReachable,
  createDocker,
  describeDockerHost,
  engineMessage,
  isLocalEngine,
  isUnreachable,
  statusOf,
  unreachableError,
} from './client.js';
import { waitForHealthy } from './healthcheck-readiness.js';
import { readPublishedPort } from './published-port.js';
import { type ResourceReader, resourceReader } from './resources.js';

export interface DockerDriverOptions {
  docker?: Docker;
  /** 'missing' (default): try one pull when the image is absent; 'never': fail at once. */
  pull?: 'missing' | 'never';
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

/** The engine's host from the client's connection (DOCKER_HOST tcp:// or ssh://), or undefined for a local socket. */
export function engineHost(docker: Docker): string | undefined {
  if (isLocalEngine(docker)) return undefined;
  const host = (docker.modem as { host?: unknown }).host;
  return typeof host === 'string' && host !== '' ? host : undefined;
}

export class DockerDriver implements ServiceDriver {
  readonly name = 'docker' as const;
  private readonly docker: Docker;
  private reachable = false;
  /** Where load and readiness probes reach the published ports. */
  readonly serviceHost: string;
  readonly location: ServiceLocation;

  constructor(private readonly options: DockerDriverOptions = {}) {
    this.docker = options.docker ?? createDocker();
    const named = options.serviceHost ?? (process.env.PEAKGATE_SERVICE_HOST || undefined) ?? engineHost(this.docker);
    this.serviceHost = named ?? '127.0.0.1';
    this.location = {
      engine: describeDockerHost(this.docker),
      serviceHost: this.serviceHost,
      explicit: named !== undefined,
    };
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
    if (this.options.pull === 'never' || process.env.PEAKGATE_PULL === 'never') throw missing('');
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
  const handle = new DockerService(docker, container, name, logs, options, driverOptions, cpuset);
  try {
    await handle.launch(service, host ? (hostPort as number) : undefined, portKey, startedAt);
    return handle;
  } catch (error) {
    await handle.stop().catch(() => undefined);
    throw error;
  }
}

interface DeathRecord {
  exitCode: number | null;
  oomKilled: boolean;
}

class DockerService extends ServiceHandle {
  readonly driver = 'docker' as const;
  readonly id: string;
  url = '';
  port = 0;
  private readonly streams = new AbortController();
  private readonly died: Promise<DeathRecord>;
  private resolveDied!: (record: DeathRecord) => void;
  private diedRecord: DeathRecord | undefined;
  private diedOnce: Promise<void> | undefined;
  private oomSeen = false;
  private started = false;
  private memoryLimit: number | undefined;
  private reader: ResourceReader | undefined;
  private logsEnded: Promise<void> = Promise.resolve();

  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
    private readonly name: string,
    logs: LogSink,
    options: StartOptions,
    private readonly driverOptions: DockerDriverOptions & { serviceHost: string; healthcheck: boolean },
    cpuset: string | undefined,
  ) {
    super(`container ${name}`, name, logs, options, cpuset);
    this.id = container.id;
    this.died = new Promise((resolve) => {
      this.resolveDied = resolve;
    });
  }

  async launch(service: ServiceSpec, hostPort: number | undefined, portKey: string, startedAt: number): Promise<void> {
    this.memoryLimit = service.resources.memoryBytes;
    await this.watchDeath();
    try {
      await this.container.start();
      this.started = true;
    } catch (error) {
      const message = engineMessage(error);
      if (/port is already allocated|address already in use/i.test(message)) throw portTaken(hostPort ?? 0, this.name);
      throw startError(`cannot start container ${this.name}`, error);
    }
    this.followLogs();
    const info = await this.container.inspect();
    this.reader = resourceReader(
      this.container,
      this.container.id,
      info.State.Pid || undefined,
      isLocalEngine(this.docker),
    );
    const port = hostPort ?? (await this.publishedPort(portKey));
    if (port === undefined) {
      // It exited before its port mapping could be read (a build, or a dependency, that dies at
      // once): report that exit with its log tail, not a missing port.
      await this.onDied();
      return this.failStart(EXITED_BEFORE_READY, service.ready);
    }
    this.port = port;
    const serviceHost = this.driverOptions.serviceHost;
    this.url = `http://${serviceHost.includes(':') ? `[${serviceHost}]` : serviceHost}:${this.port}`;
    this.logs.note(`container ${this.name} (${this.id.slice(0, 12)}) at ${this.url}, stats from ${this.reader.source}`);
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

  /** Subscribes to die/oom events before start, with `wait(next-exit)` as a second witness. */
  private async watchDeath(): Promise<void> {
    const signal = this.streams.signal;
    try {
      const events = (await this.docker.getEvents({
        filters: {
          type: ['container'],
          event: ['die', 'oom'],
          container: [this.container.id],
          label: [`${LABEL_RUN}=${this.options.runId}`],
        },
        abortSignal: signal,
      } as object)) as NodeJS.ReadableStream & { destroy?: () => void };
      let buffered = '';
      events.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          try {
            const event = JSON.parse(line) as { status?: string; Action?: string };
            const action = event.Action ?? event.status;
            if (action === 'oom') this.oomSeen = true;
            if (action === 'die') void this.onDied();
          } catch {
            // A partial or foreign line: ignore.
          }
        }
      });
      events.on('error', () => undefined);
    } catch {
      // No event stream (some remote engines): wait() below still notices the exit.
    }
    this.container
      .wait({ condition: 'next-exit', abortSignal: signal } as object)
      .then(() => this.onDied())
      .catch(() => undefined);
  }

  private onDied(): Promise<void> {
    this.diedOnce ??= (async () => {
      let exitCode: number | null = null;
      let oomKilled = this.oomSeen;
      try {
        const info = await this.container.inspect({ abortSignal: AbortSignal.timeout(5000) } as object);
        exitCode = info.State.ExitCode ?? null;
        oomKilled = oomKilled || info.State.OOMKilled === true;
      } catch {
        // Removed already: keep what the events said.
      }
      this.diedRecord = { exitCode, oomKilled };
      this.resolveDied(this.diedRecord);
      this.lifecycle.died({ oomKilled });
    })();
    return this.diedOnce;
  }

  protected exitRecord(crashed: boolean): ServiceExit {
    const record = this.diedRecord ?? { exitCode: null, oomKilled: false };
    const limit = this.memoryLimit ? ` (memory limit ${Math.round(this.memoryLimit / 2 ** 20)} MiB)` : '';
    let message: string | undefined;
    if (crashed && record.oomKilled) message = `killed by the OOM killer${limit}`;
    else if (crashed) message = `exited with code ${record.exitCode ?? 'unknown'} while it should have been serving`;
    return {
      ready: this.lifecycle.wasReady,
      crashed,
      oomKilled: record.oomKilled,
      exitCode: record.exitCode,
      logTail: this.logs.lines(),
      ...(message ? { message } : {}),
    };
  }

  private followLogs(): void {
    this.logsEnded = (async () => {
      try {
        const stream = (await this.container.logs({
          follow: true,
          stdout: true,
          stderr: true,
          abortSignal: this.streams.signal,
        } as Docker.ContainerLogsOptions & { follow: true })) as NodeJS.ReadableStream & {
          socket?: { unref?: () => void };
        };
        const sink = new Writable({
          write: (chunk: Buffer, _encoding, callback) => {
            this.logs.write(chunk);
            callback();
          },
        });
        // One sink for both: the log file interleaves stdout and stderr as they arrive.
        this.docker.modem.demuxStream(stream, sink, sink);
        await new Promise<void>((resolve) => {
          stream.on('end', resolve);
          stream.on('close', resolve);
          stream.on('error', () => resolve());
        });
      } catch {
        // Logs are evidence, not a reason to fail the trial.
      }
    })();
  }

  protected async readUsage(): Promise<{ cpuNanos: number; memoryBytes: number } | undefined> {
    return this.reader?.read();
  }

  protected async settle(): Promise<void> {
    // Died on its own: let the log stream drain so the tail holds the last words.
    await within(this.logsEnded, 1000);
  }

  protected async terminate(): Promise<void> {
    try {
      await this.container.stop({ t: this.driverOptions.stopGraceSeconds ?? 5 });
    } catch {
      // 304 already stopped, 404 gone, or never started: removal below settles it.
    }
    // The die event (or wait) normally arrives at once; inspect is the fallback.
    // A container that never started sends no die event: no need to wait for one.
    if (this.started) await within(this.died, 3000);
    if (this.diedRecord === undefined) await this.onDied();
    await within(this.logsEnded, 1000);
    this.streams.abort();
    try {
      await this.container.remove({ force: true, v: true });
    } catch (error) {
      if (statusOf(error) !== 404 && statusOf(error) !== 409) this.logs.note(`remove failed: ${engineMessage(error)}`);
    }
  }
}
