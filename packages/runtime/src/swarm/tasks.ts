/**
 * The tasks of a one-replica Swarm service, as the manager reports them: which node runs it,
 * which container it is, which host port it got, and whether it has ended. With restart policy
 * `none` a service has exactly one task for its whole life, so "the task" is well defined.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';

/** The fields of a task (GET /tasks) peakgate reads. */
export interface SwarmTask {
  ID: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: {
    State?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
    PortStatus?: { Ports?: Array<{ TargetPort?: number; PublishedPort?: number; Protocol?: string }> };
  };
}

/** States a task never leaves (docs.docker.com, "Swarm task states"). */
const ENDED = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

export function taskEnded(task: SwarmTask): boolean {
  return ENDED.has(task.Status?.State ?? '');
}

export async function serviceTasks(docker: Docker, serviceId: string, signal?: AbortSignal): Promise<SwarmTask[]> {
  const list = (await docker.listTasks({
    filters: { service: [serviceId] },
    ...(signal !== undefined ? { abortSignal: signal } : {}),
  })) as SwarmTask[];
  return list;
}

/** The newest task of the service (there is one: replicas 1, restart none), or undefined. */
export async function currentTask(
  docker: Docker,
  serviceId: string,
  signal?: AbortSignal,
): Promise<SwarmTask | undefined> {
  const tasks = await serviceTasks(docker, serviceId, signal);
  return tasks[tasks.length - 1];
}

export type TaskStart =
  /** Its container runs (State running, a container id). */
  | { kind: 'running'; task: SwarmTask; containerId: string }
  /** It ended before it ran or while starting (failed, rejected: no such image, a bad spec). */
  | { kind: 'ended'; task: SwarmTask }
  /** Still not running when the time was up: unscheduled (no node matches) or stuck preparing. */
  | { kind: 'timeout'; task: SwarmTask | undefined }
  | { kind: 'aborted' };

/** Polls the task list until the service's task runs, ends, the time is up or the signal fires. */
export async function awaitTaskRunning(
  docker: Docker,
  serviceId: string,
  options: { timeoutMs: number; signal?: AbortSignal; pollMs?: number },
): Promise<TaskStart> {
  const deadline = performance.now() + options.timeoutMs;
  let last: SwarmTask | undefined;
  while (performance.now() < deadline) {
    if (options.signal?.aborted) return { kind: 'aborted' };
    last = await currentTask(docker, serviceId, AbortSignal.timeout(5000)).catch(() => last);
    if (last !== undefined) {
      const containerId = last.Status?.ContainerStatus?.ContainerID;
      if (last.Status?.State === 'running' && containerId) return { kind: 'running', task: last, containerId };
      if (taskEnded(last)) return { kind: 'ended', task: last };
    }
    await sleep(options.pollMs ?? 150, undefined, options.signal ? { signal: options.signal } : {}).catch(
      () => undefined,
    );
  }
  return { kind: 'timeout', task: last };
}

/** "failed: task: non-zero exit (1)", "pending: no suitable node (…)": what the manager says. */
export function describeTask(task: SwarmTask | undefined): string {
  if (task === undefined) return 'no task was created';
  const state = task.Status?.State ?? 'unknown';
  const why = task.Status?.Err || task.Status?.Message;
  return why ? `${state}: ${why}` : state;
}

/** The host port a task's target port was published on (host mode), if the manager knows it yet. */
export function publishedPort(task: SwarmTask, targetPort: number): number | undefined {
  const port = task.Status?.PortStatus?.Ports?.find((p) => p.TargetPort === targetPort && p.PublishedPort);
  return port?.PublishedPort;
}
