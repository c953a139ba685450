/**
 * Cleanup on every exit path: SIGTERM removes what the process started (cleanup registry);
 * SIGKILL leaves it behind and the next reap (function or `peakgate reap`) removes it; reap never
 * touches what a live process owns.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocker, DockerDriver, reap } from '../packages/runtime/dist/index.js';
import {
  balancerScript,
  dockerOk,
  dockerSkipReason,
  ensureImages,
  labelledContainers,
  root,
  serviceSpec,
  uniqueRunId,
} from './runtime-support.js';

const runtimeDist = path.join(root, 'packages/runtime/dist/index.js');
const bin = path.join(root, 'packages/cli/bin/peakgate.js');

/** A peakgate-like owner process: starts one service with the built runtime, prints its id, then idles. */
const OWNER = `
import { DockerDriver, ProcessDriver } from ${JSON.stringify(runtimeDist)};
const env = process.env;
const spec = { port: 8080, ready: { kind: 'http', path: '/healthz', timeoutMs: 15000 }, env: {}, resources: {}, network: 'host' };
const driver = env.OWNER_DRIVER === 'docker' ? new DockerDriver() : new ProcessDriver();
const build = env.OWNER_DRIVER === 'docker'
  ? { kind: 'image', image: 'peakgate/balancer:good' }
  : { kind: 'command', command: 'exec node ' + env.OWNER_SCRIPT, env: { MODE: 'good' } };
const service = await driver.start(build, spec, { runId: env.OWNER_RUN, role: 'candidate', outDir: env.OWNER_OUT });
process.stdout.write(JSON.stringify({ id: service.id, url: service.url }) + '\\n');
setInterval(() => {}, 1000);
`;

async function startOwner(driver: 'docker' | 'process', runId: string, outDir: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', OWNER], {
    env: { ...process.env, OWNER_DRIVER: driver, OWNER_RUN: runId, OWNER_OUT: outDir, OWNER_SCRIPT: balancerScript },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('\n')) resolve(buffer.split('\n')[0] as string);
    });
    child.once('exit', (code) => reject(new Error(`owner exited with ${code} before starting`)));
  });
  return { child, ...(JSON.parse(line) as { id: string; url: string }) };
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-rt-reap-'));
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe.skipIf(!dockerOk)(`reaping containers (skipped: ${dockerOk ? '-' : dockerSkipReason})`, () => {
  const runIds: string[] = [];
  beforeAll(() => ensureImages(), 300_000);
  afterAll(async () => {
    for (const runId of runIds) expect(await labelledContainers(runId)).toEqual([]);
  });

  it('SIGTERM: the owner removes its container before it exits', async () => {
    const runId = uniqueRunId('rt-term');
    runIds.push(runId);
    const owner = await startOwner('docker', runId, outDir);
    expect(await labelledContainers(runId)).toEqual([owner.id]);
    await killAndWait(owner.child, 'SIGTERM');
    expect(owner.child.signalCode).toBe('SIGTERM');
    expect(await labelledContainers(runId)).toEqual([]);
  });

  it('SIGKILL: the container outlives its owner and the next reap() removes it', async () => {
    const runId = uniqueRunId('rt-kill');
    runIds.push(runId);
    const owner = await startOwner('docker', runId, outDir);
    await killAndWait(owner.child, 'SIGKILL');
    expect(await labelledContainers(runId)).toEqual([owner.id]);
    const result = await reap();
    expect(result.dockerReachable).toBe(true);
    expect(result.containers.map((c) => c.id)).toContain(owner.id);
    expect(result.containers.find((c) => c.id === owner.id)).toMatchObject({ runId, role: 'candidate' });
    expect(await labelledContainers(runId)).toEqual([]);
  });

  it('SIGKILL then `peakgate reap`: says what it removed and exits 0', async () => {
    const runId = uniqueRunId('rt-cli');
    runIds.push(runId);
    const owner = await startOwner('docker', runId, outDir);
    await killAndWait(owner.child, 'SIGKILL');
    const cli = spawnSync(process.execPath, [bin, 'reap'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(cli.status).toBe(0);
    expect(cli.stderr).toContain(`removed container peakgate-${runId}-candidate-`);
    expect(cli.stdout).toMatch(/reaped [1-9]\d* container\(s\)/);
    expect(await labelledContainers(runId)).toEqual([]);
  });

  it('leaves containers of live owners alone', async () => {
    const runId = uniqueRunId('rt-live');
    runIds.push(runId);
    await using service = await new DockerDriver().start(
      { kind: 'image', image: 'peakgate/balancer:good' },
      serviceSpec(),
      { runId, role: 'baseline', outDir },
    );
    const result = await reap();
    expect(result.containers.map((c) => c.id)).not.toContain(service.id);
    expect((await createDocker().getContainer(service.id).inspect()).State.Running).toBe(true);
  });
});

describe.skipIf(process.platform !== 'linux')('reaping process groups', () => {
  it('SIGKILL: the service group outlives its owner and reap() kills it', async () => {
    const owner = await startOwner('process', uniqueRunId('rt-pkill'), outDir);
    const pgid = Number(owner.id);
    await killAndWait(owner.child, 'SIGKILL');
    expect(groupAlive(pgid)).toBe(true);
    const result = await reap({ skipDocker: true });
    expect(result.processes.map((p) => p.pgid)).toContain(pgid);
    expect(await until(() => !groupAlive(pgid), 3000)).toBe(true);
  });

  it('SIGTERM: the owner kills its service group before it exits', async () => {
    const owner = await startOwner('process', uniqueRunId('rt-pterm'), outDir);
    const pgid = Number(owner.id);
    await killAndWait(owner.child, 'SIGTERM');
    expect(await until(() => !groupAlive(pgid), 3000)).toBe(true);
  });

  it('`peakgate reap` without a Docker engine says so and exits 0', () => {
    const cli = spawnSync(process.execPath, [bin, 'reap'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:9' },
    });
    expect(cli.status).toBe(0);
    expect(cli.stderr).toContain('no docker engine reachable');
    const json = spawnSync(process.execPath, [bin, 'reap', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:9' },
    });
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ dockerReachable: false, containers: [] });
  });
});
