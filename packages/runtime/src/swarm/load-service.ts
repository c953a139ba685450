/**
 * Load shards on Docker Swarm: one replicated service of N tasks, each running the load image
 * (`peakgate/load:local`: the peakgate image with the shard as its entrypoint, docker/peakgate)
 * with its shard slot in its environment. What this module does and what it leaves to the
 * controller:
 * - restart policy `none`: a shard that dies stays dead, so the controller can see it and turn it
 *   into an infrastructure error naming the shard (a replacement would send a second schedule);
 * - host network, no published ports: a shard reaches the controller and the builds on the
 *   loopback address of its node, as the single-host load engine does;
 * - Swarm service templates give every task `PEAKGATE_SHARD_SLOT` (1..N) and `PEAKGATE_SHARD_NODE`
 *   (its node's host name); the rest of the environment is the caller's, passed literally;
 * - the owner labels (role `load-baseline` / `load-candidate`) sit on the service and its task
 *   containers, so `reap()` removes a dead owner's load services like its builds, and nothing else;
 * - the service is registered with the cleanup registry while it exists (Ctrl-C, SIGTERM);
 * - `tasks()` reports the newest task of every slot (state, node, exit code); deciding that a shard
 *   failed, never started or never reported is the controller's job.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_LOAD_SHARDS, PeakgateError, type Role, SHARD_ENV } from '@peakgate/core';
import type Docker from 'dockerode';
import { registerCleanup } from '../cleanup-registry.js';
import { createDocker, engineMessage, isUnreachable, statusOf, unreachableError } from '../docker/client.js';
import { containerLabels } from '../labels.js';
import { assertSwarmImage } from './image.js';
import { swarmManager } from './manager.js';
import { describeTask, type SwarmTask, serviceTasks, taskEnded } from './tasks.js';

/** The load image `pnpm images` builds (docker/peakgate/Dockerfile, target `load`). */
export const DEFAULT_LOAD_IMAGE = 'peakgate/load:local';

/** Seconds between SIGTERM and SIGKILL when the service is removed. */
const STOP_GRACE_SECONDS = 5;
/** How long remove() waits for the task containers to go (they are force-removed on the way). */
const REMOVE_WAIT_MS = 15_000;
/** How long the CPU-set pinning waits for the shards on our node to run. */
const PIN_WAIT_MS = 60_000;

export interface LoadShardsSpec {
  runId: string;
  /** The side this load drives: the service is labelled `load-<role>`. */
  role: Role;
  /** Replicas, 1..MAX_LOAD_SHARDS. */
  shards: number;
  /** Default DEFAULT_LOAD_IMAGE; the controller's run request fills it from PEAKGATE_LOAD_IMAGE. */
  image?: string;
  /** Passed to every task literally (Swarm template syntax in values is escaped). */
  env: Record<string, string>;
  /** Swarm placement constraints for the shards (default: none, any node). */
  constraints?: string[];
  /** Task containers on the engine's own node get CpusetCpus = this (best effort, see onNote). */
  cpuset?: string;
  /**
   * Replaces the image's entrypoint and CMD (Swarm `Command`, like `docker run --entrypoint`):
   * `['node', '-e', '…']`. For tests; the load image's own entrypoint is the shard.
   */
  command?: string[];
  /** Aborts the start (nothing is left created) and stops the CPU-set pinning. */
  signal?: AbortSignal;
  docker?: Docker;
  /** What went wrong or was done on the way that is not fatal (pinning). */
  onNote?: (text: string) => void;
}

export interface ShardTaskState {
  /** 0-based shard index = task Slot - 1. */
  index: number;
  /** The node the task was scheduled on ('' until it is). */
  nodeId: string;
  /** That node's host name ('' until scheduled). */
  node: string;
  /** Swarm task state: new, pending, assigned, accepted, preparing, starting, running, complete, failed, ... */
  state: string;
  /** describeTask(task): "failed: task: non-zero exit (1)". */
  detail: string;
  /** The task is in a state it never leaves (complete, failed, rejected, shutdown, ...). */
  ended: boolean;
  /** Its container's exit code once ended; null while it runs or when it never had one. */
  exitCode: number | null;
  /**
   * Set when the manager reports the task's node down ("heartbeat failure"): the task may still
   * read `running`, but nothing on that node reaches the manager any more.
   */
  nodeDown?: string;
}

export interface RunningLoadShards {
  readonly name: string;
  readonly serviceId: string;
  /** The newest task of every slot 0..shards-1 (a slot with no task yet is absent), by index. */
  tasks(signal?: AbortSignal): Promise<ShardTaskState[]>;
  /** Removes the service, waits (bounded, ~15 s) until its task containers are gone; idempotent, never rejects. */
  remove(): Promise<void>;
}

/** The image the shards run: the option (PEAKGATE_LOAD_IMAGE, resolved by the controller), else DEFAULT_LOAD_IMAGE. */
export function loadImage(option?: string): string {
  return option !== undefined && option !== '' ? option : DEFAULT_LOAD_IMAGE;
}

/** `peakgate-<run>-load-<role>-<rand>`: a service name must be a DNS label (letters, digits, '-', ≤ 63). */
export function loadServiceName(runId: string, role: Role, random = Math.random().toString(36).slice(2, 8)): string {
  const base = `peakgate-${runId}-load-${role}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 55);
  return `${base}-${random}`;
}

/**
 * Swarm expands Go templates in a task's environment (that is how the slot gets in), so a caller's
 * value holding `{{` (a scenario's `{{int 1 1000}}`) would be parsed as one: each `{{` becomes an
 * action that prints it. A lone `}}` outside an action is literal text already.
 */
export function escapeSwarmTemplate(value: string): string {
  return value.replaceAll('{{', '{{"{{"}}');
}

export interface LoadServiceSpecInput {
  name: string;
  image: string;
  shards: number;
  env: Record<string, string>;
  constraints: readonly string[];
  command?: readonly string[];
  labels: Record<string, string>;
}

/** The service the shards run as (pure: what startLoadShards sends to the manager). */
export function loadServiceSpec(input: LoadServiceSpecInput): Docker.CreateServiceOptions {
  const env = [
    ...Object.entries(input.env)
      .filter(([key]) => key !== SHARD_ENV.slot && key !== SHARD_ENV.node)
      .map(([key, value]) => `${key}=${escapeSwarmTemplate(value)}`),
    `${SHARD_ENV.slot}={{.Task.Slot}}`,
    `${SHARD_ENV.node}={{.Node.Hostname}}`,
  ];
  return {
    Name: input.name,
    Labels: input.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: input.image,
        Env: env,
        // Command, not Args: the load image has an ENTRYPOINT, which Args would only extend.
        ...(input.command !== undefined ? { Command: [...input.command] } : {}),
        Labels: input.labels,
        // An init as PID 1: SIGTERM reaches node (which ignores it as PID 1 without a handler).
        Init: true,
        StopGracePeriod: STOP_GRACE_SECONDS * 1e9,
      },
      // A dead shard stays dead: the controller names it (exit 3) instead of a second schedule.
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: [...input.constraints] },
      // The node's own network: the controller and the builds are on its loopback.
      Networks: [{ Target: 'host' }],
    },
    Mode: { Replicated: { Replicas: input.shards } },
    // No ports and no virtual IP: nothing is published, nothing needs the ingress network.
    EndpointSpec: { Mode: 'dnsrr' },
  };
}

/** The fields of a listed task this module reads beyond SwarmTask's. */
export interface ShardTask extends SwarmTask {
  Slot?: number;
  CreatedAt?: string;
}

function createdAt(task: ShardTask): number {
  const at = task.CreatedAt === undefined ? Number.NaN : Date.parse(task.CreatedAt);
  return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
}

/** The newest task of every slot 1..shards, by slot (tasks outside that range are ignored). */
export function newestBySlot(tasks: readonly ShardTask[], shards: number): Map<number, ShardTask> {
  const newest = new Map<number, ShardTask>();
  for (const task of tasks) {
    const slot = task.Slot;
    if (slot === undefined || !Number.isInteger(slot) || slot < 1 || slot > shards) continue;
    const held = newest.get(slot);
    if (held === undefined || createdAt(task) >= createdAt(held)) newest.set(slot, task);
  }
  return newest;
}

/**
 * Exit code of an ended task: the manager's ContainerStatus.ExitCode (omitted when 0, so a
 * `complete` task without one exited 0), else the code in "non-zero exit (137)".
 */
function exitCodeOf(task: ShardTask): number | null {
  const code = task.Status?.ContainerStatus?.ExitCode;
  if (code !== undefined) return code;
  if (task.Status?.State === 'complete') return 0;
  const quoted = /non-zero exit \((\d+)\)/.exec(task.Status?.Err ?? '');
  return quoted ? Number(quoted[1]) : null;
}

/** Slot k's newest task as ShardTaskState (index k - 1), sorted by index; node names by node id. */
export function shardStates(
  tasks: readonly ShardTask[],
  shards: number,
  nodeNames: ReadonlyMap<string, string>,
  nodesDown: ReadonlyMap<string, string> = new Map(),
): ShardTaskState[] {
  return [...newestBySlot(tasks, shards).entries()]
    .sort(([a], [b]) => a - b)
    .map(([slot, task]) => {
      const ended = taskEnded(task);
      const nodeId = task.NodeID ?? '';
      const down = nodesDown.get(nodeId);
      return {
        index: slot - 1,
        nodeId,
        node: nodeId === '' ? '' : (nodeNames.get(nodeId) ?? ''),
        state: task.Status?.State ?? 'unknown',
        detail: describeTask(task),
        ended,
        exitCode: ended ? exitCodeOf(task) : null,
        ...(down !== undefined ? { nodeDown: down } : {}),
      };
    });
}

/**
 * Starts `shards` load tasks as one Swarm service and returns once the manager accepted it (the
 * tasks are then being scheduled: watch them with tasks()). Refuses before creating anything when
 * the engine is not a swarm manager (PG_ERR_RUNTIME_NO_SWARM) or lacks the image
 * (PG_ERR_RUNTIME_IMAGE_MISSING).
 */
export async function startLoadShards(spec: LoadShardsSpec): Promise<RunningLoadShards> {
  if (!Number.isInteger(spec.shards) || spec.shards < 1 || spec.shards > MAX_LOAD_SHARDS)
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `load shards must be a whole number from 1 to ${MAX_LOAD_SHARDS}, got ${spec.shards}`,
    );
  const badKey = Object.keys(spec.env).find((key) => key === '' || key.includes('='));
  if (badKey !== undefined)
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `load shard environment: invalid variable name "${badKey}"`);
  const docker = spec.docker ?? createDocker();
  const image = loadImage(spec.image);
  const interrupted = () => new PeakgateError('PG_ERR_INTERRUPTED', `start of the ${spec.role}'s load shards aborted`);
  if (spec.signal?.aborted) throw interrupted();
  const manager = await swarmManager(docker);
  await assertSwarmImage(docker, image, "for peakgate's load image: `pnpm images`");
  if (spec.signal?.aborted) throw interrupted();
  const name = loadServiceName(spec.runId, spec.role);
  let created: Docker.Service;
  try {
    created = await docker.createService(
      loadServiceSpec({
        name,
        image,
        shards: spec.shards,
        env: spec.env,
        constraints: spec.constraints ?? [],
        ...(spec.command !== undefined ? { command: spec.command } : {}),
        labels: containerLabels(spec.runId, `load-${spec.role}`),
      }),
    );
  } catch (error) {
    if (isUnreachable(error)) throw unreachableError(docker, error);
    if (statusOf(error) === 503)
      throw new PeakgateError('PG_ERR_RUNTIME_NO_SWARM', `cannot create service ${name}: ${engineMessage(error)}`, {
        cause: error,
      });
    throw new PeakgateError(
      'PG_ERR_RUNTIME_START',
      `cannot create swarm service ${name} (${spec.shards} load shard(s) from ${image}): ${engineMessage(error)}`,
      { cause: error },
    );
  }
  const shards = new LoadShards(docker, created.id, name, spec.shards, spec.onNote ?? (() => undefined));
  if (spec.signal?.aborted) {
    await shards.remove();
    throw interrupted();
  }
  if (spec.cpuset !== undefined) shards.pinOnNode(spec.cpuset, manager.nodeId, manager.hostname, spec.signal);
  return shards;
}

class LoadShards implements RunningLoadShards {
  private readonly nodeNames = new Map<string, string>();
  /** Nodes the manager reports down, with its word ("heartbeat failure"), as of the last tasks(). */
  private readonly nodesDown = new Map<string, string>();
  private readonly ending = new AbortController();
  private readonly unregister: () => void;
  private removing: Promise<void> | undefined;
  private pinning: Promise<void> = Promise.resolve();

  constructor(
    private readonly docker: Docker,
    readonly serviceId: string,
    readonly name: string,
    private readonly shards: number,
    private readonly note: (text: string) => void,
  ) {
    this.unregister = registerCleanup({ description: `swarm service ${name}`, cleanup: () => this.remove() });
  }

  async tasks(signal?: AbortSignal): Promise<ShardTaskState[]> {
    try {
      const tasks = (await serviceTasks(this.docker, this.serviceId, signal)) as ShardTask[];
      // Every time, not only for new nodes: a node that goes down takes its shards with it.
      if (tasks.some((task) => task.NodeID)) await this.refreshNodes(signal);
      return shardStates(tasks, this.shards, this.nodeNames, this.nodesDown);
    } catch (error) {
      if (signal?.aborted) throw error;
      if (isUnreachable(error)) throw unreachableError(this.docker, error);
      throw new PeakgateError(
        'PG_ERR_RUNTIME_START',
        `cannot list the tasks of swarm service ${this.name}: ${engineMessage(error)}`,
        { cause: error },
      );
    }
  }

  private async refreshNodes(signal?: AbortSignal): Promise<void> {
    const nodes = (await this.docker.listNodes(signal !== undefined ? { abortSignal: signal } : {})) as Array<{
      ID: string;
      Description?: { Hostname?: string };
      Status?: { State?: string; Message?: string };
    }>;
    this.nodesDown.clear();
    for (const node of nodes) {
      this.nodeNames.set(node.ID, node.Description?.Hostname ?? '');
      if (node.Status?.State === 'down' || node.Status?.State === 'disconnected')
        this.nodesDown.set(node.ID, `${node.Status.State}${node.Status.Message ? `: ${node.Status.Message}` : ''}`);
    }
  }

  remove(): Promise<void> {
    this.removing ??= this.removeOnce();
    return this.removing;
  }

  private async removeOnce(): Promise<void> {
    this.ending.abort();
    try {
      await this.docker.getService(this.serviceId).remove();
    } catch (error) {
      if (statusOf(error) !== 404) this.note(`swarm service ${this.name}: remove failed: ${engineMessage(error)}`);
    }
    await this.pinning;
    await this.signalTaskContainers();
    await this.containersGone();
    this.unregister();
  }

  /**
   * The manager takes a few seconds to tell the node's agent to stop a removed service's tasks
   * (about 3 s here); a SIGTERM straight to the task containers on our engine ends the shards at
   * once. Swarm then removes the stopped containers as usual.
   */
  private async signalTaskContainers(): Promise<void> {
    const running = await this.taskContainers(true).catch(() => []);
    await Promise.all(
      running.map(({ Id }) =>
        this.docker
          .getContainer(Id)
          .kill({ signal: 'SIGTERM' })
          .catch(() => undefined),
      ),
    );
  }

  /**
   * Swarm stops the tasks of a removed service and removes their containers when it gets to it
   * (a few seconds here). This waits for them on the engine we talk to, removing each one that
   * has stopped itself (as the swarm driver does) and force-removing what still runs after the
   * grace period, for at most REMOVE_WAIT_MS.
   */
  private async containersGone(): Promise<void> {
    const startedAt = performance.now();
    const removing = new Set<string>();
    let forced = false;
    for (;;) {
      const containers = await this.taskContainers().catch(() => undefined);
      if (containers !== undefined && containers.length === 0) return;
      const elapsed = performance.now() - startedAt;
      if (elapsed >= REMOVE_WAIT_MS) {
        this.note(
          `swarm service ${this.name}: ${containers?.length ?? 'some'} task container(s) still present ${REMOVE_WAIT_MS / 1000} s after its removal`,
        );
        return;
      }
      const force = !forced && elapsed >= (STOP_GRACE_SECONDS + 2) * 1000;
      if (force) forced = true;
      const doomed = (containers ?? []).filter(
        (container) => force || (container.State !== 'running' && !removing.has(container.Id)),
      );
      for (const container of doomed) removing.add(container.Id);
      // 404: Swarm removed it meanwhile; 409: a removal is already under way. Both end the same.
      await Promise.all(
        doomed.map((container) =>
          this.docker
            .getContainer(container.Id)
            .remove({ force: true, v: true })
            .catch(() => undefined),
        ),
      );
      await sleep(100);
    }
  }

  private async taskContainers(runningOnly = false): Promise<Array<{ Id: string; State: string }>> {
    const list = await this.docker.listContainers({
      all: !runningOnly,
      filters: { label: [`com.docker.swarm.service.id=${this.serviceId}`] },
      abortSignal: AbortSignal.timeout(5000),
    });
    return list.map((container) => ({ Id: container.Id, State: container.State }));
  }

  /**
   * Swarm services have no CPU set: each task of ours that runs on the engine's own node is
   * updated there (`CpusetCpus`), so the load sits on the load cores, away from the builds. Best
   * effort and never fatal: failures and a timeout become notes. Tasks on other nodes are left
   * as they are (their engines are out of reach).
   */
  pinOnNode(cpuset: string, nodeId: string, hostname: string, signal?: AbortSignal): void {
    const stop = signal !== undefined ? AbortSignal.any([signal, this.ending.signal]) : this.ending.signal;
    this.pinning = this.pinLoop(cpuset, nodeId, hostname, stop).catch((error: unknown) =>
      this.note(`load shards of ${this.name}: CPU set ${cpuset} not applied: ${engineMessage(error)}`),
    );
  }

  private async pinLoop(cpuset: string, nodeId: string, hostname: string, stop: AbortSignal): Promise<void> {
    const deadline = performance.now() + PIN_WAIT_MS;
    const seen = new Set<string>();
    const pinned: number[] = [];
    while (!stop.aborted) {
      const tasks = await serviceTasks(this.docker, this.serviceId, AbortSignal.any([stop, AbortSignal.timeout(5000)]))
        .then((list) => list as ShardTask[])
        .catch(() => undefined);
      let waiting = tasks === undefined;
      const newest = newestBySlot(tasks ?? [], this.shards);
      for (let slot = 1; slot <= this.shards && tasks !== undefined; slot++) {
        const task = newest.get(slot);
        if (task === undefined || !task.NodeID) {
          waiting = true;
          continue;
        }
        if (task.NodeID !== nodeId || taskEnded(task)) continue;
        const containerId = task.Status?.ContainerStatus?.ContainerID;
        if (task.Status?.State !== 'running' || !containerId) {
          waiting = true;
          continue;
        }
        if (seen.has(containerId)) continue;
        seen.add(containerId);
        try {
          await this.docker.getContainer(containerId).update({ CpusetCpus: cpuset });
          pinned.push(slot - 1);
        } catch (error) {
          this.note(
            `load shard ${slot - 1}: cannot set CPU set ${cpuset} on its container ${containerId.slice(0, 12)}: ${engineMessage(error)}`,
          );
        }
      }
      if (!waiting) break;
      if (performance.now() >= deadline) {
        this.note(
          `load shards of ${this.name}: stopped waiting for the shards on ${hostname} to run after ${PIN_WAIT_MS / 1000} s; those not running yet keep every CPU`,
        );
        break;
      }
      await sleep(200, undefined, { signal: stop }).catch(() => undefined);
    }
    if (pinned.length > 0)
      this.note(`load shard(s) ${pinned.sort((a, b) => a - b).join(', ')} on ${hostname} pinned to CPU set ${cpuset}`);
  }
}
