/**
 * One build running as a Swarm service: its single task's container is found from the task list
 * and then read, watched and logged through the node's engine exactly like a docker-driver
 * container (cgroup files or one-shot stats). The manager's task state is a second witness of
 * death, so a task that ends is noticed even if the container wait is lost.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeakgateError, type ServiceExit, type ServiceSpec } from '@peakgate/core';
import type Docker from 'dockerode';
import { engineMessage, isLocalEngine, statusOf } from '../docker/client.js';
import { readPublishedPort } from '../docker/published-port.js';
import { type ResourceReader, resourceReader } from '../docker/resources.js';
import type { LogSink } from '../log-sink.js';
import { EXITED_BEFORE_READY, waitForReady } from '../readiness.js';
import type { StartOptions } from '../service-driver.js';
import { ServiceHandle } from '../service-handle.js';
import { within } from '../within.js';
import type { SwarmManager } from './manager.js';
import { awaitTaskRunning, currentTask, describeTask, publishedPort, type SwarmTask, taskEnded } from './tasks.js';

export interface SwarmServiceSettings {
  manager: SwarmManager;
  constraints: readonly string[];
  serviceHost: string;
  cpuset: string | undefined;
  stopGraceSeconds: number;
}

interface DeathRecord {
  exitCode: number | null;
  oomKilled: boolean;
}

export class SwarmService extends ServiceHandle {
  readonly driver = 'swarm' as const;
  readonly id: string;
  url = '';
  port = 0;
  /** The task's container, once the task runs. */
  private container: Docker.Container | undefined;
  private containerRunning = false;
  private readonly streams = new AbortController();
  private readonly died: Promise<DeathRecord>;
  private resolveDied!: (record: DeathRecord) => void;
  private diedRecord: DeathRecord | undefined;
  private diedOnce: Promise<void> | undefined;
  private lastTask: SwarmTask | undefined;
  private oomSeen = false;
  private memoryLimit: number | undefined;
  private reader: ResourceReader | undefined;
  private logsEnded: Promise<void> = Promise.resolve();

  constructor(
    private readonly docker: Docker,
    private readonly service: Docker.Service,
    private readonly name: string,
    logs: LogSink,
    options: StartOptions,
    private readonly settings: SwarmServiceSettings,
  ) {
    super(`swarm service ${name}`, name, logs, options, settings.cpuset);
    this.id = service.id;
    this.died = new Promise((resolve) => {
      this.resolveDied = resolve;
    });
  }

  async launch(service: ServiceSpec, startedAt: number): Promise<void> {
    this.memoryLimit = service.resources.memoryBytes;
    const where = `placement ${this.settings.constraints.join(', ')}`;
    const start = await awaitTaskRunning(this.docker, this.service.id, {
      timeoutMs: service.ready.timeoutMs,
      ...(this.options.signal !== undefined ? { signal: this.options.signal } : {}),
    });
    if (start.kind === 'aborted') {
      await this.stop();
      throw new PeakgateError('PG_ERR_INTERRUPTED', `start of ${this.name} aborted`);
    }
    if (start.kind === 'timeout')
      throw new PeakgateError(
        'PG_ERR_RUNTIME_START',
        `swarm service ${this.name}: its task is not running after ${service.ready.timeoutMs} ms (${describeTask(start.task)}; ${where})`,
      );
    this.lastTask = start.task;
    if (start.kind === 'ended') {
      const containerId = start.task.Status?.ContainerStatus?.ContainerID;
      // No container, or one the engine could not start (a port taken, no image on the node):
      // Swarm refused the task, the sandbox's fault, not the build's.
      if (
        !containerId ||
        /starting container failed|no such image|port is already allocated/i.test(describeTask(start.task))
      )
        throw new PeakgateError(
          'PG_ERR_RUNTIME_START',
          `swarm service ${this.name}: its task ${describeTask(start.task)} (${where})`,
        );
      // Its container ran and ended before we saw it run: a build that exits at once.
      this.attach(containerId);
      this.followLogs();
      await this.onDied();
      return this.failStart(EXITED_BEFORE_READY, service.ready);
    }
    const { task, containerId } = start;
    this.assertOnOurNode(task);
    this.attach(containerId);
    this.containerRunning = true;
    this.watchDeath();
    this.followLogs();
    await this.pin();
    this.reader = await this.firstReading(containerId);
    const port = await this.hostPort(task, service.port);
    if (port === undefined) {
      // Its container exited before the published port could be read: an exit, with its log tail.
      await this.onDied();
      return this.failStart(EXITED_BEFORE_READY, service.ready);
    }
    this.port = port;
    const host = this.settings.serviceHost;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
    this.logs.note(
      `swarm service ${this.name} (task ${task.ID.slice(0, 12)}, container ${containerId.slice(0, 12)}, node ${this.settings.manager.hostname}) at ${this.url}, stats from ${this.reader.source}`,
    );
    const outcome = await waitForReady({
      check: service.ready,
      host,
      port: this.port,
      logs: this.logs,
      ended: this.died,
      ...(this.options.signal !== undefined ? { signal: this.options.signal } : {}),
    });
    if (!outcome.ok) await this.failStart(outcome, service.ready);
    this.markReady(startedAt);
  }

  private attach(containerId: string): void {
    this.container = this.docker.getContainer(containerId);
  }

  /**
   * CPU and memory are read through the engine we talk to, so the task must run on its node.
   * A task elsewhere (a multi-node swarm whose constraint matched another node) would be judged
   * without CPU: refuse, and say how to fix it.
   */
  private assertOnOurNode(task: SwarmTask): void {
    const ours = this.settings.manager;
    if (task.NodeID === ours.nodeId) return;
    throw new PeakgateError(
      'PG_ERR_RUNTIME_NO_STATS',
      `swarm service ${this.name}: its task runs on node ${task.NodeID ?? 'unknown'}, but peakgate reads CPU and memory through the engine of node ${ours.nodeId} (${ours.hostname}); pin the builds to that node (PEAKGATE_SWARM_CONSTRAINT=node.id==${ours.nodeId}) or point DOCKER_HOST at the task's node`,
    );
  }

  /** One reading up front: no CPU, no verdict (the duet judges CPU per request). */
  private async firstReading(containerId: string): Promise<ResourceReader> {
    const container = this.container as Docker.Container;
    try {
      const info = await container.inspect({ abortSignal: AbortSignal.timeout(5000) } as object);
      const reader = resourceReader(container, containerId, info.State.Pid || undefined, isLocalEngine(this.docker));
      await reader.read();
      return reader;
    } catch (error) {
      throw new PeakgateError(
        'PG_ERR_RUNTIME_NO_STATS',
        `swarm service ${this.name}: the engine cannot give the CPU and memory of its task container ${containerId.slice(0, 12)} (${engineMessage(error)}); peakgate does not judge without them`,
        { cause: error },
      );
    }
  }

  /**
   * Swarm services have no CPU set and leave swap at the engine default: the task container is
   * updated through the node's engine, so the builds sit on the service cores (away from the load
   * engine) and a memory limit means no swap, as on the docker driver.
   */
  private async pin(): Promise<void> {
    const cpuset = this.cpuset;
    const memory = this.memoryLimit;
    if (cpuset === undefined && memory === undefined) return;
    try {
      await (this.container as Docker.Container).update({
        ...(cpuset !== undefined ? { CpusetCpus: cpuset } : {}),
        ...(memory !== undefined ? { Memory: memory, MemorySwap: memory } : {}),
      });
    } catch (error) {
      throw new PeakgateError(
        'PG_ERR_RUNTIME_START',
        `swarm service ${this.name}: cannot set CPU set ${cpuset ?? '-'} / memory ${memory ?? '-'} on its task container: ${engineMessage(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * The ephemeral host port Swarm published; the task status can lag the container's. Undefined
   * when the task's container has exited first (it then has no mappings to read).
   */
  private async hostPort(task: SwarmTask, target: number): Promise<number | undefined> {
    let current: SwarmTask | undefined = task;
    for (let attempt = 0; attempt < 50; attempt++) {
      const fromTask = current !== undefined ? publishedPort(current, target) : undefined;
      if (fromTask !== undefined) return fromTask;
      const info = await (this.container as Docker.Container).inspect().catch(() => undefined);
      const read = info !== undefined ? readPublishedPort(info, `${target}/tcp`) : undefined;
      if (read?.kind === 'port') return read.port;
      if (read?.kind === 'exited') return undefined;
      await sleep(100);
      current = await currentTask(this.docker, this.service.id).catch(() => current);
    }
    throw new PeakgateError(
      'PG_ERR_RUNTIME_START',
      `swarm service ${this.name} has no published port for ${target}/tcp; is service.port right?`,
    );
  }

  /**
   * Two witnesses of death: the container's own wait on the node's engine, and the manager's task
   * state. The engine's `oom` events are followed too: `State.OOMKilled` alone can miss a kill
   * that the event reported (the docker driver keeps both for the same reason).
   */
  private watchDeath(): void {
    const signal = this.streams.signal;
    const id = (this.container as Docker.Container).id;
    void this.docker
      .getEvents({ filters: { type: ['container'], event: ['oom'], container: [id] }, abortSignal: signal } as object)
      .then((events) => {
        (events as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('"oom"')) this.oomSeen = true;
        });
        (events as NodeJS.ReadableStream).on('error', () => undefined);
      })
      .catch(() => undefined);
    (this.container as Docker.Container)
      .wait({ condition: 'not-running', abortSignal: signal } as object)
      .then(() => this.onDied())
      .catch(() => undefined);
    void (async () => {
      while (!signal.aborted && this.diedRecord === undefined) {
        await sleep(1000, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) return;
        const task = await currentTask(this.docker, this.service.id, AbortSignal.timeout(5000)).catch(() => undefined);
        if (task !== undefined) this.lastTask = task;
        if (task !== undefined && taskEnded(task)) await this.onDied();
      }
    })();
  }

  private onDied(): Promise<void> {
    this.diedOnce ??= (async () => {
      await this.refreshEndedTask();
      let exitCode: number | null = this.lastTask?.Status?.ContainerStatus?.ExitCode ?? null;
      let oomKilled = this.oomSeen;
      try {
        const info = await this.container?.inspect({ abortSignal: AbortSignal.timeout(5000) } as object);
        if (info !== undefined) {
          exitCode = info.State.ExitCode ?? exitCode;
          oomKilled = oomKilled || info.State.OOMKilled === true;
        }
      } catch {
        // Removed already: keep what the task said.
      }
      this.diedRecord = { exitCode, oomKilled };
      this.resolveDied(this.diedRecord);
      this.lifecycle.died({ oomKilled });
    })();
    return this.diedOnce;
  }

  /**
   * The container's exit usually reaches us before the manager marks the task ended: wait up to a
   * second for its word ("failed: task: non-zero exit (1)"), so the exit record never quotes a
   * stale "running".
   */
  private async refreshEndedTask(): Promise<void> {
    const deadline = performance.now() + 1000;
    while (this.lastTask === undefined || !taskEnded(this.lastTask)) {
      const task = await currentTask(this.docker, this.service.id, AbortSignal.timeout(2000)).catch(() => undefined);
      if (task !== undefined) this.lastTask = task;
      if (performance.now() >= deadline || (task !== undefined && taskEnded(task))) return;
      await sleep(100);
    }
  }

  protected exitRecord(crashed: boolean): ServiceExit {
    const record = this.diedRecord ?? { exitCode: null, oomKilled: false };
    const limit = this.memoryLimit ? ` (memory limit ${Math.round(this.memoryLimit / 2 ** 20)} MiB)` : '';
    let message: string | undefined;
    if (crashed && record.oomKilled) message = `killed by the OOM killer${limit}`;
    else if (crashed)
      message = `exited with code ${record.exitCode ?? 'unknown'} while it should have been serving${this.lastTask !== undefined && taskEnded(this.lastTask) ? ` (swarm task ${describeTask(this.lastTask)})` : ''}`;
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
    await within(this.logsEnded, 1000);
  }

  /**
   * Removes the service (Swarm stops its task: SIGTERM, then SIGKILL after StopGracePeriod), then
   * makes sure its container is gone too, so no labelled leftover outlives stop().
   */
  protected async terminate(): Promise<void> {
    try {
      await this.service.remove();
    } catch (error) {
      if (statusOf(error) !== 404) this.logs.note(`service remove failed: ${engineMessage(error)}`);
    }
    if (this.containerRunning) await within(this.died, (this.settings.stopGraceSeconds + 5) * 1000);
    if (this.diedRecord === undefined && this.container !== undefined) await this.onDied();
    await within(this.logsEnded, 1000);
    this.streams.abort();
    const container = this.container;
    if (container === undefined) return;
    try {
      await container.remove({ force: true, v: true });
    } catch (error) {
      // 404: Swarm removed it already; 409: its removal is under way (waited for below).
      if (statusOf(error) !== 404 && statusOf(error) !== 409)
        this.logs.note(`container remove failed: ${engineMessage(error)}`);
    }
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        await container.inspect({ abortSignal: AbortSignal.timeout(2000) } as object);
      } catch (error) {
        if (statusOf(error) === 404) return;
      }
      await sleep(100);
    }
    this.logs.note(`container ${container.id.slice(0, 12)} still present 10 s after its service was removed`);
  }
}
