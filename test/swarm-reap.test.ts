/**
 * Cleanup of Swarm services, builds and load shards alike, on every exit path: SIGTERM makes the
 * owner remove its service (the cleanup registry, as the CLI's signal handler uses it); after
 * SIGKILL the service outlives its owner and `peakgate reap` removes it; reap never touches a live
 * owner's service, nor one without the full owner labels (the same rules as containers).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDocker, reap, SwarmDriver } from '../packages/runtime/dist/index.js';
import {
  ensureImages,
  firstLine,
  labelledContainers,
  root,
  serviceSpec,
  uniqueRunId,
  until,
} from './runtime-support.js';
import { ensureLoadImage, labelledServices, swarmMissingInCi, swarmOk, swarmSkipReason } from './swarm-support.js';

const runtimeDist = path.join(root, 'packages/runtime/dist/index.js');
const bin = path.join(root, 'packages/cli/bin/peakgate.js');

/** A peakgate-like owner: starts one swarm service, prints its id, idles; SIGTERM → cleanupAll(). */
const OWNER = `
import { cleanupAll, SwarmDriver } from ${JSON.stringify(runtimeDist)};
process.once('SIGTERM', () => void cleanupAll(20000).finally(() => process.kill(process.pid, 'SIGTERM')));
const spec = { port: 8080, ready: { kind: 'http', path: '/healthz', timeoutMs: 20000 }, env: {}, resources: {}, network: 'bridge' };
const service = await new SwarmDriver().start({ kind: 'image', image: 'peakgate/balancer:good' }, spec, {
  runId: process.env.OWNER_RUN, role: 'candidate', outDir: process.env.OWNER_OUT,
});
process.stdout.write(JSON.stringify({ id: service.id }) + '\\n');
setInterval(() => {}, 1000);
`;

/** The same for load shards: one replicated load service of two idle tasks. */
const LOAD_OWNER = `
import { cleanupAll, startLoadShards } from ${JSON.stringify(runtimeDist)};
process.once('SIGTERM', () => void cleanupAll(20000).finally(() => process.kill(process.pid, 'SIGTERM')));
const shards = await startLoadShards({
  runId: process.env.OWNER_RUN, role: 'candidate', shards: 2, env: {},
  command: ['node', '-e', 'setTimeout(() => {}, 120000)'],
});
process.stdout.write(JSON.stringify({ id: shards.serviceId, name: shards.name }) + '\\n');
setInterval(() => {}, 1000);
`;

async function startOwner(runId: string, outDir: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', OWNER], {
    env: { ...process.env, OWNER_RUN: runId, OWNER_OUT: outDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await firstLine(child);
  return { child, ...(JSON.parse(line) as { id: string }) };
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** No service and, once Swarm has removed it, no task container left for the run. */
async function nothingLeft(runId: string): Promise<boolean> {
  return (
    (await labelledServices(runId)).length === 0 &&
    (await until(async () => (await labelledContainers(runId)).length === 0, 15_000))
  );
}

it.runIf(swarmMissingInCi)('has a swarm manager engine in CI', () => {
  expect.fail(`CI=true but ${swarmSkipReason}: .ci/run must run \`docker swarm init\` so the swarm suites run`);
});

describe.skipIf(!swarmOk)(`reaping swarm services (skipped: ${swarmOk ? '-' : swarmSkipReason})`, () => {
  const runIds: string[] = [];
  const owners: ChildProcess[] = [];
  let outDir: string;

  beforeAll(async () => {
    ensureImages();
    ensureLoadImage();
    outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-swarm-reap-'));
  }, 300_000);
  afterEach(async () => {
    for (const owner of owners.splice(0)) await killAndWait(owner, 'SIGTERM');
  });
  afterAll(async () => {
    for (const runId of runIds) expect(await nothingLeft(runId), `leftovers of ${runId}`).toBe(true);
    await rm(outDir, { recursive: true, force: true });
  });

  it('SIGTERM: the owner removes its service (and Swarm its task container) before it exits', async () => {
    const runId = uniqueRunId('sw-term');
    runIds.push(runId);
    const owner = await startOwner(runId, outDir);
    owners.push(owner.child);
    expect((await labelledServices(runId)).length).toBe(1);
    await killAndWait(owner.child, 'SIGTERM');
    expect(owner.child.signalCode).toBe('SIGTERM');
    expect(await labelledServices(runId)).toEqual([]);
    expect(await nothingLeft(runId)).toBe(true);
  }, 60_000);

  it('SIGKILL: the service outlives its owner and `peakgate reap` removes it', async () => {
    const runId = uniqueRunId('sw-kill');
    runIds.push(runId);
    const owner = await startOwner(runId, outDir);
    await killAndWait(owner.child, 'SIGKILL');
    const [name] = await labelledServices(runId);
    expect(name).toMatch(new RegExp(`^peakgate-${runId}-candidate-`));
    const cli = spawnSync(process.execPath, [bin, 'reap'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stderr).toContain(
      `removed swarm service ${name} (run ${runId}, candidate, owner pid ${owner.child.pid}`,
    );
    expect(cli.stdout).toMatch(/reaped [1-9]\d* swarm services?/);
    expect(await nothingLeft(runId)).toBe(true);
  }, 60_000);

  async function startLoadOwner(runId: string) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', LOAD_OWNER], {
      env: { ...process.env, OWNER_RUN: runId },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    owners.push(child);
    const { id, name } = JSON.parse(await firstLine(child)) as { id: string; name: string };
    expect(name).toMatch(new RegExp(`^peakgate-${runId}-load-candidate-`));
    return { child, id, name };
  }

  it('SIGTERM: the owner of load shards removes their service and task containers before it exits', async () => {
    const runId = uniqueRunId('sw-lterm');
    runIds.push(runId);
    const { child, name } = await startLoadOwner(runId);
    expect(await labelledServices(runId)).toEqual([name]);
    await killAndWait(child, 'SIGTERM');
    expect(child.signalCode).toBe('SIGTERM');
    expect(await labelledServices(runId)).toEqual([]);
    expect(await labelledContainers(runId)).toEqual([]);
  }, 60_000);

  it("SIGKILL: a dead owner's load shards (role load-candidate) are reaped like its builds", async () => {
    const runId = uniqueRunId('sw-load');
    runIds.push(runId);
    const { child, id, name } = await startLoadOwner(runId);
    await killAndWait(child, 'SIGKILL');
    expect(await labelledServices(runId)).toEqual([name]);
    const result = await reap();
    expect(result.services).toContainEqual(
      expect.objectContaining({ id, name, runId, role: 'load-candidate', ownerPid: child.pid }),
    );
    expect(await nothingLeft(runId)).toBe(true);
  }, 60_000);

  it("leaves a live owner's service and services without the full owner labels alone", async () => {
    const runId = uniqueRunId('sw-live');
    runIds.push(runId);
    const docker = createDocker();
    await using live = await new SwarmDriver().start(
      { kind: 'image', image: 'peakgate/balancer:good' },
      serviceSpec({ network: 'bridge' }),
      { runId, role: 'baseline', outDir },
    );
    const dead = spawnSync('true').pid as number;
    const full = {
      'peakgate.managed': 'true',
      'peakgate.run': runId,
      'peakgate.role': 'candidate',
      'peakgate.pid': String(dead),
      'peakgate.pid-start': '1',
      'peakgate.host': hostname(),
      ...(process.platform === 'linux' ? { 'peakgate.pid-ns': readlinkSync('/proc/self/ns/pid') } : {}),
    };
    const create = async (name: string, labels: Record<string, string>) =>
      (
        await docker.createService({
          Name: `${name}-${runId}`.slice(0, 63),
          Labels: labels,
          TaskTemplate: {
            ContainerSpec: { Image: 'peakgate/balancer:good', Labels: labels },
            RestartPolicy: { Condition: 'none' },
          },
          Mode: { Replicated: { Replicas: 1 } },
        })
      ).id;
    const ids = {
      unlabelled: await create('pg-unlabelled', {}),
      partial: await create('pg-partial', { 'peakgate.managed': 'true', 'peakgate.run': runId }),
      // The control: every label right, owner dead. Without it this test could not fail.
      orphan: await create('pg-orphan', full),
    };
    try {
      const result = await reap();
      expect(result.services.map((s) => s.id)).toEqual(expect.arrayContaining([ids.orphan]));
      expect(result.services.map((s) => s.id)).not.toContain(live.id);
      expect(result.services.map((s) => s.id)).not.toContain(ids.unlabelled);
      expect(result.skippedServices.find((s) => s.id === ids.partial)?.reason).toBe('not-ours');
      for (const id of [live.id, ids.unlabelled, ids.partial])
        expect((await docker.getService(id).inspect()).ID, `service ${id} is still there`).toBe(id);
      await expect(docker.getService(ids.orphan).inspect()).rejects.toMatchObject({ statusCode: 404 });
      // The live one still serves.
      expect((await fetch(`${live.url}/healthz`)).ok).toBe(true);
    } finally {
      for (const id of [ids.unlabelled, ids.partial, ids.orphan])
        await docker
          .getService(id)
          .remove()
          .catch(() => undefined);
    }
  }, 60_000);
});
