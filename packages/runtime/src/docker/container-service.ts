/**
 * What a build in a Docker container has in common, whether the docker driver created the
 * container or a Swarm task did (swarm/service.ts): the witnesses of its death (engine events and
 * `wait`), the death record read from the engine, the exit record, the followed log, the resource
 * reader, and the end of the container on stop. A subclass supplies how the container comes to be,
 * how it is stopped, and what else it knows of an exit (a Swarm task's state).
 */
import { Writable } from 'node:stream';
import type { ReadinessCheck, ServiceExit, ServiceSpec } from '@peakgate/core';
import type Docker from 'dockerode';
import type { LogSink } from '../log-sink.js';
import { EXITED_BEFORE_READY } from '../readiness.js';
import type { ServiceLocation, StartOptions } from '../service-driver.js';
import { ServiceHandle } from '../service-handle.js';
import { within } from '../within.js';
import { describeDockerHost, engineMessage, isLocalEngine, statusOf } from './client.js';
import { type ResourceReader, resourceReader, type StatsSource } from './resources.js';

export interface DeathRecord {
  exitCode: number | null;
  oomKilled: boolean;
}

/** The engine's host from the client's connection (DOCKER_HOST tcp:// or ssh://), or undefined for a local socket. */
export function engineHost(docker: Docker): string | undefined {
  if (isLocalEngine(docker)) return undefined;
  const host = (docker.modem as { host?: unknown }).host;
  return typeof host === 'string' && host !== '' ? host : undefined;
}

/**
 * Where load and readiness probes reach a container driver's published ports: the option
 * (`--service-host`, else PEAKGATE_SERVICE_HOST: both resolved by the controller's run request),
 * else the engine's host for a remote engine, else 127.0.0.1. `explicit` says whether anything
 * named it.
 */
export function containerLocation(docker: Docker, serviceHost: string | undefined): ServiceLocation {
  const named = serviceHost ?? engineHost(docker);
  return { engine: describeDockerHost(docker), serviceHost: named ?? '127.0.0.1', explicit: named !== undefined };
}

/** `http://host:port`, with an IPv6 host in brackets. */
export function serviceUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export abstract class ContainerService extends ServiceHandle {
  url = '';
  port = 0;
  /** The container, once there is one (a Swarm task's only once the task has one). */
  protected container: Docker.Container | undefined;
  /** Aborts the event, wait and log streams when the service is stopped. */
  protected readonly streams = new AbortController();
  /** Settles with the death record once the container has ended. */
  protected readonly died: Promise<DeathRecord>;
  protected diedRecord: DeathRecord | undefined;
  private resolveDied!: (record: DeathRecord) => void;
  private diedOnce: Promise<void> | undefined;
  /** An `oom` event was seen: `State.OOMKilled` alone can miss a kill that the event reported. */
  protected oomSeen = false;
  protected memoryLimit: number | undefined;
  protected reader: ResourceReader | undefined;
  /** Where CPU and memory are read (`api`: PEAKGATE_STATS_SOURCE=api, handed in by the driver's options). */
  protected statsSource: StatsSource = 'auto';
  protected logsEnded: Promise<void> = Promise.resolve();

  constructor(
    protected readonly docker: Docker,
    description: string,
    protected readonly name: string,
    logs: LogSink,
    options: StartOptions,
    cpuset: string | undefined,
  ) {
    super(description, name, logs, options, cpuset);
    this.died = new Promise((resolve) => {
      this.resolveDied = resolve;
    });
  }

  /** The engine that runs the container (a Swarm task's: its node's engine, which may not be the manager's). */
  protected get engine(): Docker {
    return this.docker;
  }

  /** What is known of the exit before the engine is asked (a Swarm task's exit code); null: nothing. */
  protected async exitCodeHint(): Promise<number | null> {
    return null;
  }

  /** Appended to the crash message (a Swarm task's last state); '' for nothing. */
  protected crashDetail(): string {
    return '';
  }

  protected rememberLimits(service: ServiceSpec): void {
    this.memoryLimit = service.resources.memoryBytes;
  }

  /**
   * Follows the engine's events of the container: `oom` marks an OOM kill, `die` records the death.
   * Resolves once subscribed (await it before the container starts so no event is missed); without
   * an event stream (some remote engines) the `wait` witness still notices the exit.
   */
  protected async followEvents(actions: ReadonlyArray<'die' | 'oom'>, labels: readonly string[] = []): Promise<void> {
    const container = this.container;
    if (container === undefined) return;
    try {
      const events = (await this.engine.getEvents({
        filters: {
          type: ['container'],
          event: [...actions],
          container: [container.id],
          ...(labels.length > 0 ? { label: [...labels] } : {}),
        },
        abortSignal: this.streams.signal,
      } as object)) as NodeJS.ReadableStream;
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
      // No event stream: the other witnesses still notice the exit.
    }
  }

  /** The engine's `wait` as a witness of death that does not depend on the event stream. */
  protected waitForExit(condition: 'next-exit' | 'not-running'): void {
    this.container
      ?.wait({ condition, abortSignal: this.streams.signal } as object)
      .then(() => this.onDied())
      .catch(() => undefined);
  }

  /** Records the death once, from what the engine says of the container (and the subclass's hint). */
  protected onDied(): Promise<void> {
    this.diedOnce ??= (async () => {
      let exitCode = await this.exitCodeHint();
      let oomKilled = this.oomSeen;
      try {
        const info = await this.container?.inspect({ abortSignal: AbortSignal.timeout(5000) } as object);
        if (info !== undefined) {
          exitCode = info.State.ExitCode ?? exitCode;
          oomKilled = oomKilled || info.State.OOMKilled === true;
        }
      } catch {
        // Removed already: keep what the events (or the task) said.
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
    else if (crashed)
      message = `exited with code ${record.exitCode ?? 'unknown'} while it should have been serving${this.crashDetail()}`;
    return {
      ready: this.lifecycle.wasReady,
      crashed,
      oomKilled: record.oomKilled,
      exitCode: record.exitCode,
      logTail: this.logs.lines(),
      ...(message ? { message } : {}),
    };
  }

  /**
   * Takes the published port and the URL load and probes use. Undefined: the container exited
   * before its port mapping could be read (a build, or a dependency, that dies at once), reported
   * as that exit with its log tail, not as a missing port.
   */
  protected async publishAt(port: number | undefined, host: string, ready: ReadinessCheck): Promise<void> {
    if (port === undefined) {
      await this.onDied();
      return this.failStart(EXITED_BEFORE_READY, ready);
    }
    this.port = port;
    this.url = serviceUrl(host, port);
  }

  /** A resource reader for the container (cgroup files on a local engine, else one-shot stats). */
  protected async openReader(signal?: AbortSignal): Promise<ResourceReader> {
    const container = this.container as Docker.Container;
    const info = await container.inspect(signal !== undefined ? ({ abortSignal: signal } as object) : undefined);
    this.reader = resourceReader(
      container,
      container.id,
      info.State.Pid || undefined,
      isLocalEngine(this.engine),
      this.statsSource,
    );
    return this.reader;
  }

  /** Copies stdout and stderr into the log as they arrive, until the container ends or stop(). */
  protected followLogs(): void {
    const container = this.container;
    if (container === undefined) return;
    this.logsEnded = (async () => {
      try {
        const stream = (await container.logs({
          follow: true,
          stdout: true,
          stderr: true,
          abortSignal: this.streams.signal,
        } as Docker.ContainerLogsOptions & { follow: true })) as NodeJS.ReadableStream;
        const sink = new Writable({
          write: (chunk: Buffer, _encoding, callback) => {
            this.logs.write(chunk);
            callback();
          },
        });
        // One sink for both: the log file interleaves stdout and stderr as they arrive.
        this.engine.modem.demuxStream(stream, sink, sink);
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

  /**
   * The shared end of terminate(), once the container was told to stop: wait up to `deathWaitMs`
   * for its death (undefined: it never ran, no death to wait for), read the death record if no
   * witness did, drain the log, close the streams and remove the container.
   */
  protected async removeContainer(deathWaitMs: number | undefined): Promise<void> {
    if (deathWaitMs !== undefined) await within(this.died, deathWaitMs);
    if (this.diedRecord === undefined && this.container !== undefined) await this.onDied();
    await within(this.logsEnded, 1000);
    this.streams.abort();
    try {
      await this.container?.remove({ force: true, v: true });
    } catch (error) {
      // 404: gone already; 409: its removal is under way.
      if (statusOf(error) !== 404 && statusOf(error) !== 409)
        this.logs.note(`container remove failed: ${engineMessage(error)}`);
    }
  }
}
