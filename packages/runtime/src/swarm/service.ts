/**
 * One build running as a Swarm service: its single task's container is found from the task list
 * and then read, watched and logged through the node's engine exactly like a docker-driver
 * container (docker/container-service.ts, which both share). The manager's task state is a second
 * witness of death, so a task that ends is noticed even if the container wait is lost.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PeakgateError, type ServiceSpec } from '@peakgate/core';
import type Docker from 'dockerode';
import { engineMessage, statusOf } from '../docker/client.js';
import { ContainerService } from '../docker/container-service.js';
import { readPublishedPort } from '../docker/published-port.js';
import type { ResourceReader, StatsSource } from '../docker/resources.js';
import type { LogSink } from '../log-sink.js';
import { EXITED_BEFORE_READY, waitForReady } from '../readiness.js';
import type { StartOptions } from '../service-driver.js';
import type { SwarmManager } from './manager.js';
import { describeNode, type NodeEngine, nodeEngine } from './node-engine.js';
import { awaitTaskRunning, currentTask, describeTask, publishedPort, type SwarmTask, taskEnded } from './tasks.js';

export interface SwarmServiceSettings {
  manager: SwarmManager;
  constraints: readonly string[];
  serviceHost: string;
  cpuset: string | undefined;
  stopGraceSeconds: number;
  /** Where the task's CPU and memory are read (PEAKGATE_STATS_SOURCE, resolved by the controller). */
  statsSource?: StatsSource;
}

export class SwarmService extends ContainerService {
  readonly driver = 'swarm' as const;
  readonly id: string;
  private containerRunning = false;
  private lastTask: SwarmTask | undefined;
  /** The engine of the task's node (the manager's own unless the task runs elsewhere). */
  private node: NodeEngine | undefined;

  constructor(
    docker: Docker,
    private readonly service: Docker.Service,
    name: string,
    logs: LogSink,
    options: StartOptions,
    private readonly settings: SwarmServiceSettings,
  ) {
    super(docker, `swarm service ${name}`, name, logs, options, settings.cpuset);
    this.statsSource = settings.statsSource ?? 'auto';
    this.id = service.id;
  }

  async launch(service: ServiceSpec, startedAt: number): Promise<void> {
    this.rememberLimits(service);
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
      this.node = await nodeEngine(this.docker, this.settings.manager, start.task.NodeID).catch(() => undefined);
      this.attach(containerId);
      this.followLogs();
      await this.onDied();
      return this.failStart(EXITED_BEFORE_READY, service.ready);
    }
    const { task, containerId } = start;
    const node = await nodeEngine(this.docker, this.settings.manager, task.NodeID).catch((error: unknown) => {
      throw error instanceof PeakgateError
        ? new PeakgateError(error.code, `swarm service ${this.name}: ${error.message}`, { cause: error })
        : error;
    });
    this.node = node;
    this.attach(containerId);
    this.containerRunning = true;
    this.watchDeath();
    this.followLogs();
    await this.pin();
    const reader = await this.firstReading(containerId);
    const host = this.settings.serviceHost;
    await this.publishAt(await this.hostPort(task, service.port), host, service.ready);
    this.logs.note(
      `swarm service ${this.name} (task ${task.ID.slice(0, 12)}, container ${containerId.slice(0, 12)}, node ${describeNode(node.hostname, node.nodeId)}, engine ${node.address}) at ${this.url}, stats from ${reader.source}`,
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

  /** The node its task runs on and how its engine is reached, once the task runs. */
  get taskNode(): NodeEngine | undefined {
    return this.node;
  }

  get serviceName(): string {
    return this.name;
  }

  /** The engine of the task's node: its container is read, watched, logged and removed there. */
  protected override get engine(): Docker {
    return this.node?.docker ?? this.docker;
  }

  private attach(containerId: string): void {
    this.container = this.engine.getContainer(containerId);
  }

  /** One reading up front: no CPU, no verdict (the duet judges CPU per request). */
  private async firstReading(containerId: string): Promise<ResourceReader> {
    try {
      const reader = await this.openReader(AbortSignal.timeout(5000));
      await reader.read();
      return reader;
    } catch (error) {
      throw new PeakgateError(
        'PG_ERR_RUNTIME_NO_STATS',
        `swarm service ${this.name}: the engine of node ${describeNode(this.node?.hostname ?? '', this.node?.nodeId ?? '')} cannot give the CPU and memory of its task container ${containerId.slice(0, 12)} (${engineMessage(error)}); peakgate does not judge without them`,
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
    void this.followEvents(['oom']);
    this.waitForExit('not-running');
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

  /** The task's word on the exit code, once the manager has marked the task ended. */
  protected override async exitCodeHint(): Promise<number | null> {
    await this.refreshEndedTask();
    return this.lastTask?.Status?.ContainerStatus?.ExitCode ?? null;
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

  protected override crashDetail(): string {
    return this.lastTask !== undefined && taskEnded(this.lastTask)
      ? ` (swarm task ${describeTask(this.lastTask)})`
      : '';
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
    await this.removeContainer(this.containerRunning ? (this.settings.stopGraceSeconds + 5) * 1000 : undefined);
    const container = this.container;
    if (container === undefined) return;
    // Swarm removes the task's container as well: wait until it is gone, so no labelled leftover outlives stop().
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
