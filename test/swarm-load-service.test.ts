/**
 * Load shards as one replicated Swarm service, against the real engine as a one-node swarm: N
 * tasks of the load image on the manager's host network, each told its slot and node through
 * Swarm's service templates (the caller's values passed literally), owner labels on the service
 * and its task containers, CPU set applied on our node, a killed shard that stays dead (restart
 * policy none) with its exit code, and remove() that leaves nothing labelled behind. The tasks run
 * a placeholder `node -e` instead of the shard itself: this is the runtime's part, not the load's.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PeakgateError } from '../packages/core/dist/index.js';
import {
  createDocker,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_PID,
  LABEL_PID_NAMESPACE,
  LABEL_PID_START,
  LABEL_ROLE,
  LABEL_RUN,
  pendingCleanups,
  type RunningLoadShards,
  type ShardTaskState,
  startLoadShards,
} from '../packages/runtime/dist/index.js';
import { labelledContainers, uniqueRunId, until } from './runtime-support.js';
import { ensureLoadImage, labelledServices, swarmMissingInCi, swarmOk, swarmSkipReason } from './swarm-support.js';

const IDLE = ['node', '-e', 'setTimeout(() => {}, 120000)'];

it.runIf(swarmMissingInCi)('has a swarm manager engine in CI', () => {
  expect.fail(`CI=true but ${swarmSkipReason}: .ci/run must run \`docker swarm init\` so the swarm suites run`);
});

describe.skipIf(!swarmOk)(`load shards on swarm (skipped: ${swarmOk ? '-' : swarmSkipReason})`, () => {
  const runId = uniqueRunId('rt-load');
  const docker = createDocker();
  const started: RunningLoadShards[] = [];
  let manager: { nodeId: string; hostname: string };

  beforeAll(async () => {
    ensureLoadImage();
    const info = (await docker.info()) as { Name: string; Swarm: { NodeID: string } };
    manager = { nodeId: info.Swarm.NodeID, hostname: info.Name };
  }, 300_000);

  afterEach(async () => {
    for (const shards of started.splice(0)) await shards.remove();
    // Each test removes what it started: nothing labelled with this run may remain.
    expect(await labelledServices(runId)).toEqual([]);
    expect(await until(async () => (await labelledContainers(runId)).length === 0, 10_000)).toBe(true);
  });

  /** Polls tasks() until check holds (or ms pass); returns the last answer. */
  async function tasksUntil(
    shards: RunningLoadShards,
    check: (tasks: ShardTaskState[]) => boolean,
    ms = 30_000,
  ): Promise<ShardTaskState[]> {
    let last: ShardTaskState[] = [];
    await until(async () => {
      last = await shards.tasks();
      return check(last);
    }, ms);
    return last;
  }

  /** The task containers of a service on this engine, inspected. */
  async function taskContainers(serviceId: string) {
    const list = await docker.listContainers({
      all: true,
      filters: { label: [`com.docker.swarm.service.id=${serviceId}`] },
    });
    return Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
  }

  it('runs N labelled tasks on the host network, one per slot, told their slot and node; a killed one stays dead', async () => {
    const notes: string[] = [];
    const shards = await startLoadShards({
      runId,
      role: 'candidate',
      shards: 3,
      env: { PEAKGATE_CONTROLLER: 'http://127.0.0.1:9', PEAKGATE_PATH: '/route?key={{int 1 1000}}' },
      cpuset: '0',
      command: IDLE,
      onNote: (text) => notes.push(text),
    });
    started.push(shards);
    expect(shards.name).toMatch(new RegExp(`^peakgate-${runId}-load-candidate-[a-z0-9]+$`));
    expect(pendingCleanups()).toContain(`swarm service ${shards.name}`);

    const running = await tasksUntil(shards, (tasks) => tasks.filter((t) => t.state === 'running').length === 3);
    expect(running.map((t) => [t.index, t.state, t.nodeId, t.node, t.ended, t.exitCode])).toEqual(
      [0, 1, 2].map((index) => [index, 'running', manager.nodeId, manager.hostname, false, null]),
    );

    const service = (await docker.getService(shards.serviceId).inspect()) as {
      Spec: {
        Labels: Record<string, string>;
        Mode: { Replicated?: { Replicas: number } };
        TaskTemplate: { RestartPolicy: { Condition: string } };
        EndpointSpec?: { Ports?: unknown[] };
      };
    };
    const owner = {
      [LABEL_MANAGED]: 'true',
      [LABEL_RUN]: runId,
      [LABEL_ROLE]: 'load-candidate',
      [LABEL_PID]: String(process.pid),
    };
    expect(service.Spec.Labels).toMatchObject(owner);
    for (const label of [LABEL_HOST, LABEL_PID_START, LABEL_PID_NAMESPACE])
      expect(service.Spec.Labels[label]).toBeTruthy();
    expect(service.Spec.Mode.Replicated?.Replicas).toBe(3);
    expect(service.Spec.TaskTemplate.RestartPolicy.Condition).toBe('none');
    expect(service.Spec.EndpointSpec?.Ports ?? []).toEqual([]);

    // The task containers: owner labels, host network, the templates resolved per task, the
    // caller's values literal, and the CPU set (applied in the background once each runs).
    expect(
      await until(
        async () => (await taskContainers(shards.serviceId)).every((c) => c.HostConfig.CpusetCpus === '0'),
        15_000,
      ),
    ).toBe(true);
    const containers = await taskContainers(shards.serviceId);
    expect(containers).toHaveLength(3);
    const env = (c: (typeof containers)[number], key: string) =>
      c.Config.Env.find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1);
    expect(containers.map((c) => env(c, 'PEAKGATE_SHARD_SLOT')).sort()).toEqual(['1', '2', '3']);
    for (const container of containers) {
      expect(container.Config.Labels).toMatchObject(owner);
      expect(container.HostConfig.NetworkMode).toBe('host');
      expect(env(container, 'PEAKGATE_SHARD_NODE')).toBe(manager.hostname);
      expect(env(container, 'PEAKGATE_CONTROLLER')).toBe('http://127.0.0.1:9');
      expect(env(container, 'PEAKGATE_PATH')).toBe('/route?key={{int 1 1000}}');
    }
    // The note follows the last update's answer, which the inspect above may have overtaken.
    await until(() => notes.length > 0, 5000);
    expect(notes.join('\n')).toMatch(/load shard\(s\) 0, 1, 2 on .* pinned to CPU set 0/);

    // Kill shard 1 (slot 2): it ends failed with exit code 137, and Swarm starts no replacement.
    const victim = containers.find((c) => env(c, 'PEAKGATE_SHARD_SLOT') === '2');
    await docker.getContainer(victim?.Id as string).kill();
    const after = await tasksUntil(shards, (tasks) => tasks[1]?.ended === true, 15_000);
    expect(after[1]).toMatchObject({ index: 1, state: 'failed', ended: true, exitCode: 137 });
    expect(after[1]?.detail).toMatch(/^failed: .*137/);
    expect(after.filter((t) => t.state === 'running').map((t) => t.index)).toEqual([0, 2]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await docker.listTasks({ filters: { service: [shards.serviceId] } })).toHaveLength(3);

    const removeStarted = performance.now();
    await shards.remove();
    expect(performance.now() - removeStarted).toBeLessThan(15_000);
    expect(await labelledServices(runId)).toEqual([]);
    expect(await labelledContainers(runId)).toEqual([]);
    expect(pendingCleanups()).not.toContain(`swarm service ${shards.name}`);
    await shards.remove(); // idempotent
  }, 90_000);

  it('reports a shard that cannot be placed as pending with the manager’s reason', async () => {
    const shards = await startLoadShards({
      runId,
      role: 'baseline',
      shards: 2,
      env: {},
      constraints: ['node.labels.peakgate-test-nowhere==1'],
      command: IDLE,
    });
    started.push(shards);
    const tasks = await tasksUntil(
      shards,
      (list) => list.length === 2 && list.every((t) => /no suitable node/.test(t.detail)),
    );
    expect(tasks.map((t) => [t.index, t.state, t.nodeId, t.ended])).toEqual([
      [0, 'pending', '', false],
      [1, 'pending', '', false],
    ]);
    expect(tasks[0]?.detail).toMatch(/^pending: no suitable node/);
  }, 60_000);

  it('refuses a missing image before creating anything, telling how to build it', async () => {
    const error = (await startLoadShards({
      runId,
      role: 'baseline',
      shards: 1,
      env: {},
      image: 'peakgate/does-not-exist:1.0',
    }).catch((e: unknown) => e)) as PeakgateError;
    expect(error.code).toBe('PG_ERR_RUNTIME_IMAGE_MISSING');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('pnpm images');
  });
});
