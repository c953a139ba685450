/**
 * The swarm driver against the real engine as a one-node swarm: a build as a one-replica service
 * pinned by a placement constraint, published in host mode, owner labels on the service and its
 * task container, CPU and memory from the task container that follow the load, the cpuset and
 * memory limit applied, restart policy none so a crash stays one, and errors that say why
 * (a constraint no node matches, a missing image, dependencies). After every test no service or
 * container labelled with the run id is left.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PeakgateError } from '../packages/core/dist/index.js';
import {
  createDocker,
  DEFAULT_SWARM_CONSTRAINT,
  isServiceNotReadyError,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_PID,
  LABEL_PID_NAMESPACE,
  LABEL_PID_START,
  LABEL_ROLE,
  LABEL_RUN,
  SwarmDriver,
  swarmConstraints,
} from '../packages/runtime/dist/index.js';
import { drive, ensureImages, labelledContainers, serviceSpec, uniqueRunId, until } from './runtime-support.js';
import { labelledServices, swarmMissingInCi, swarmOk, swarmSkipReason } from './swarm-support.js';

describe('placement constraints', () => {
  // PEAKGATE_SWARM_CONSTRAINT (comma-separated) is read by the controller's run request
  // (packages/controller/src/run-request.test.ts) and handed to the driver as this option.
  it('default to the manager, and an option wins', () => {
    expect(swarmConstraints(undefined)).toEqual([DEFAULT_SWARM_CONSTRAINT]);
    expect(swarmConstraints([])).toEqual([DEFAULT_SWARM_CONSTRAINT]);
    expect(DEFAULT_SWARM_CONSTRAINT).toBe('node.role==manager');
    expect(swarmConstraints(['node.hostname==a'])).toEqual(['node.hostname==a']);
  });
});

it.runIf(swarmMissingInCi)('has a swarm manager engine in CI', () => {
  expect.fail(`CI=true but ${swarmSkipReason}: .ci/run must run \`docker swarm init\` so the swarm suites run`);
});

describe.skipIf(!swarmOk)(`swarm driver (skipped: ${swarmOk ? '-' : swarmSkipReason})`, () => {
  const runId = uniqueRunId('rt-swarm');
  const driver = new SwarmDriver();
  const docker = createDocker();
  let outDir: string;
  const image = (mode: string) => ({ kind: 'image' as const, image: `peakgate/balancer:${mode}` });

  beforeAll(async () => {
    ensureImages();
    outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-rt-swarm-'));
  }, 300_000);

  afterEach(async () => {
    // Each test stops what it started: nothing labelled with this run may remain, service or container.
    expect(await labelledServices(runId)).toEqual([]);
    expect(await until(async () => (await labelledContainers(runId)).length === 0, 10_000)).toBe(true);
  });

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('runs a build as a labelled one-replica service on the manager, host-mode port, CPU and memory from its task', async () => {
    await using service = await driver.start(
      image('good'),
      serviceSpec({ network: 'bridge', resources: { cpus: 1, memoryBytes: 256 * 2 ** 20 } }),
      { runId, role: 'baseline', outDir, trial: 1, cpuset: '1' },
    );
    expect(service.driver).toBe('swarm');
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${service.url}/healthz`)).json()).toEqual({ status: 'ok', mode: 'good' });

    const spec = (await docker.getService(service.id).inspect()) as {
      Spec: {
        Labels: Record<string, string>;
        Mode: { Replicated?: { Replicas: number } };
        TaskTemplate: {
          RestartPolicy: { Condition: string };
          Placement: { Constraints: string[] };
          Resources: { Limits: { NanoCPUs?: number; MemoryBytes?: number } };
        };
        EndpointSpec: { Ports: Array<{ PublishMode: string; TargetPort: number }> };
      };
    };
    const owner = {
      [LABEL_MANAGED]: 'true',
      [LABEL_RUN]: runId,
      [LABEL_ROLE]: 'baseline',
      [LABEL_PID]: String(process.pid),
    };
    expect(spec.Spec.Labels).toMatchObject(owner);
    for (const label of [LABEL_HOST, LABEL_PID_START, LABEL_PID_NAMESPACE])
      expect(spec.Spec.Labels[label]).toBeTruthy();
    expect(spec.Spec.Mode.Replicated?.Replicas).toBe(1);
    expect(spec.Spec.TaskTemplate.RestartPolicy.Condition).toBe('none');
    expect(spec.Spec.TaskTemplate.Placement.Constraints).toEqual(['node.role==manager']);
    expect(spec.Spec.TaskTemplate.Resources.Limits).toEqual({ NanoCPUs: 1e9, MemoryBytes: 256 * 2 ** 20 });
    expect(spec.Spec.EndpointSpec.Ports).toMatchObject([{ PublishMode: 'host', TargetPort: 8080 }]);

    // The task container carries the same owner labels (reap judges containers by them too),
    // and the CPU set and no-swap limit the Swarm spec cannot express.
    const [containerId] = await labelledContainers(runId);
    const container = await docker.getContainer(containerId as string).inspect();
    expect(container.Config.Labels).toMatchObject(owner);
    expect(container.Config.Labels['com.docker.swarm.service.id']).toBe(service.id);
    expect(container.HostConfig.CpusetCpus).toBe('1');
    expect(container.HostConfig.MemorySwap).toBe(256 * 2 ** 20);
    expect(service.cpuset).toBe('1');

    const before = await service.sample();
    const load = await drive(service.url, { requests: 2000, concurrency: 8, maxMs: 3000 });
    const after = await service.sample();
    expect(load.ok).toBeGreaterThan(200);
    // The CPU of the task's container follows the load: several ms per second of load at least.
    expect(after.cpuNanos - before.cpuNanos).toBeGreaterThan(50e6);
    expect(after.memoryBytes).toBeGreaterThan(10 * 2 ** 20);

    const stopped = await service.stop();
    expect(stopped.exit).toMatchObject({ ready: true, crashed: false, oomKilled: false });
    expect(await readFile(stopped.logPath, 'utf8')).toMatch(/balancer listening on .* mode=good/);
    await expect(docker.getService(service.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);

  it('notices a crash of the task (restart policy none: no replacement task) with its exit code and last log line', async () => {
    await using service = await driver.start(
      image('crashy'),
      serviceSpec({ network: 'bridge', env: { CRASH_AFTER: '50' } }),
      { runId, role: 'candidate', outDir, trial: 2 },
    );
    await drive(service.url, { requests: 200, concurrency: 4, maxMs: 5000 });
    const exit = await Promise.race([service.exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(exit).toMatchObject({ crashed: true, oomKilled: false, exitCode: 1 });
    expect(service.state).toBe('crashed');
    expect((exit as { message: string }).message).toMatch(/exited with code 1 .*swarm task failed/);
    // Swarm did not start another task for it.
    const tasks = await docker.listTasks({ filters: { service: [service.id] } });
    expect(tasks).toHaveLength(1);
    const stopped = await service.stop();
    expect(stopped.exit.logTail.join('\n')).toContain('crashing after 50 requests');
  }, 60_000);

  it('notices an OOM kill of the task under its memory limit', async () => {
    await using service = await driver.start(
      image('leaky'),
      serviceSpec({ network: 'bridge', resources: { memoryBytes: 64 * 2 ** 20 } }),
      { runId, role: 'candidate', outDir },
    );
    await drive(service.url, { requests: 2000, concurrency: 2, path: '/route?key=k', maxMs: 15_000 });
    const exit = await Promise.race([service.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    expect(exit).toMatchObject({ crashed: true, oomKilled: true, exitCode: 137 });
    expect(exit?.message).toMatch(/OOM killer.*64 MiB/);
    expect(service.state).toBe('oom');
  }, 60_000);

  it('fails fast, not ready, with the exit code and log tail when the task exits before it is ready', async () => {
    const error = await driver
      .start(
        image('good'),
        serviceSpec({ command: ['node', '-e', 'console.error("bad config: no backends"); process.exit(3)'] }),
        { runId, role: 'candidate', outDir },
      )
      .catch((e: unknown) => e);
    expect(isServiceNotReadyError(error), String(error)).toBe(true);
    if (!isServiceNotReadyError(error)) return;
    expect(error.code).toBe('PG_ERR_RUNTIME_NOT_READY');
    expect(error.exit).toMatchObject({ ready: false, crashed: true, exitCode: 3 });
    expect(error.exit.logTail.join('\n')).toContain('bad config: no backends');
  }, 30_000);

  it('refuses, with exit 3 naming the constraint, when no node matches the placement', async () => {
    const nowhere = new SwarmDriver({ constraints: ['node.labels.peakgate-test-nowhere==1'] });
    const error = (await nowhere
      .start(image('good'), serviceSpec({ ready: { kind: 'tcp', timeoutMs: 3000 } }), {
        runId,
        role: 'baseline',
        outDir,
      })
      .catch((e: unknown) => e)) as PeakgateError;
    expect(error.code).toBe('PG_ERR_RUNTIME_START');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('node.labels.peakgate-test-nowhere==1');
    expect(error.message).toMatch(/pending/);
  }, 30_000);

  it('refuses a missing image and dependencies before creating anything', async () => {
    const missing = (await driver
      .start({ kind: 'image', image: 'peakgate/does-not-exist:1.0' }, serviceSpec(), {
        runId,
        role: 'baseline',
        outDir,
      })
      .catch((e: unknown) => e)) as PeakgateError;
    expect(missing.code).toBe('PG_ERR_RUNTIME_IMAGE_MISSING');
    const dependency = (await driver
      .start(image('good'), serviceSpec(), { runId, role: 'baseline', outDir, component: 'kv' })
      .catch((e: unknown) => e)) as PeakgateError;
    expect(dependency.code).toBe('PG_ERR_OPTS_INVALID');
    expect(dependency.message).toContain('service.dependencies');
  });
});
