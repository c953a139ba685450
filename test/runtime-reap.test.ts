/**
 * Cleanup on every exit path: SIGTERM removes what the process started (cleanup registry);
 * SIGKILL leaves it behind and the next reap (function or `peakgate reap`) removes it; reap never
 * touches what a live process owns, nor anything it cannot prove peakgate started: containers
 * with partial labels or an owner in another PID namespace, planted or stale process records.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverName } from '../packages/core/dist/index.js';
import { createDocker, DockerDriver, ProcessDriver, reap } from '../packages/runtime/dist/index.js';
import {
  balancerScript,
  dockerOk,
  dockerSkipReason,
  ensureImages,
  exists,
  firstLine,
  labelledContainers,
  root,
  serviceSpec,
  uniqueRunId,
  until,
} from './runtime-support.js';

const runtimeDist = path.join(root, 'packages/runtime/dist/index.js');
const bin = path.join(root, 'packages/cli/bin/peakgate.js');

/**
 * A peakgate-like owner process: starts one service with the built runtime, prints its id, then
 * idles. The runtime installs no signal handlers; like the CLI (cli/src/interrupt.ts), the owner
 * answers SIGTERM with cleanupAll() and then ends by the signal as asked.
 */
const OWNER = `
import { cleanupAll, DockerDriver, ProcessDriver } from ${JSON.stringify(runtimeDist)};
process.once('SIGTERM', () => void cleanupAll(10000).finally(() => process.kill(process.pid, 'SIGTERM')));
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

async function startOwner(driver: DriverName, runId: string, outDir: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', OWNER], {
    env: { ...process.env, OWNER_DRIVER: driver, OWNER_RUN: runId, OWNER_OUT: outDir, OWNER_SCRIPT: balancerScript },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await firstLine(child);
  return { child, ...(JSON.parse(line) as { id: string; url: string }) };
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

const groupAlive = (pgid: number) => exists(-pgid);

/** A pid that no process has any more (a child that already exited). */
function deadPid(): number {
  const child = spawnSync('true');
  return child.pid as number;
}

function procStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
const procState = (pid: number) => procStat(pid)?.[0];
/** Field 22 of /proc/<pid>/stat, the start time in ticks. */
const startTicks = (pid: number) => Number(procStat(pid)?.[19]);

const ourNamespace = process.platform === 'linux' ? readlinkSync('/proc/self/ns/pid') : undefined;

let outDir: string;
let stateHome: string;
const savedStateHome = process.env.XDG_STATE_HOME;
beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-rt-reap-'));
  // Records of this file's owners (and of the CLI it runs) go to a private state dir of its own.
  stateHome = await mkdtemp(path.join(tmpdir(), 'peakgate-rt-state-'));
  process.env.XDG_STATE_HOME = stateHome;
});
afterAll(async () => {
  if (savedStateHome === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedStateHome;
  await rm(outDir, { recursive: true, force: true });
  await rm(stateHome, { recursive: true, force: true });
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
    expect(cli.stdout).toMatch(/reaped [1-9]\d* containers?/);
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

  it('touches no container without the full, well-formed owner labels, nor one whose owner is in another PID namespace', async () => {
    const runId = uniqueRunId('rt-labels');
    runIds.push(runId);
    const docker = createDocker();
    // The label names are a documented contract (docs/runtimes.md), so they are spelled out here.
    const full = {
      'peakgate.managed': 'true',
      'peakgate.run': runId,
      'peakgate.role': 'candidate',
      'peakgate.pid': String(deadPid()),
      // A start time no live process has: the owner is dead even if its pid was taken again.
      'peakgate.pid-start': '1',
      'peakgate.host': hostname(),
      ...(ourNamespace !== undefined ? { 'peakgate.pid-ns': ourNamespace } : {}),
    };
    const { 'peakgate.pid': _pid, ...withoutPid } = full;
    const create = async (labels: Record<string, string>) =>
      (await docker.createContainer({ Image: 'peakgate/balancer:good', Labels: labels })).id;
    const ids = {
      // What the probe planted: managed and host only.
      partial: await create({ 'peakgate.managed': 'true', 'peakgate.host': hostname(), 'peakgate.run': runId }),
      noPid: await create(withoutPid),
      badPid: await create({ ...full, 'peakgate.pid': 'NaN' }),
      otherNamespace: await create({ ...full, 'peakgate.pid-ns': 'pid:[1]' }),
      // The control: every label right, owner dead. Without it this test could not fail.
      orphan: await create(full),
    };
    try {
      const result = await reap();
      expect(result.containers.map((c) => c.id)).toContain(ids.orphan);
      const skipped = new Map(result.skippedContainers.map((c) => [c.id, c.reason]));
      expect(skipped.get(ids.partial)).toBe('not-ours');
      expect(skipped.get(ids.noPid)).toBe('not-ours');
      expect(skipped.get(ids.badPid)).toBe('not-ours');
      if (ourNamespace !== undefined) expect(skipped.get(ids.otherNamespace)).toBe('other-owner-namespace');
      const left = await labelledContainers(runId);
      expect(left.sort()).toEqual([ids.partial, ids.noPid, ids.badPid, ids.otherNamespace].sort());
    } finally {
      for (const id of Object.values(ids))
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
    }
  });

  it.skipIf(process.platform !== 'linux')(
    'SIGKILL of an owner its parent has not waited for yet (a zombie): the next reap() removes its container',
    async () => {
      const runId = uniqueRunId('rt-zombie');
      runIds.push(runId);
      // The parent starts the owner, SIGKILLs it, then blocks its event loop: libuv collects
      // exited children only from the loop, so the owner stays a zombie until the parent dies.
      const parentScript = `
        import { spawn } from 'node:child_process';
        const owner = spawn(process.execPath, ['--input-type=module', '-e', process.env.OWNER_CODE], { stdio: ['ignore', 'pipe', 'inherit'] });
        let buffer = '';
        owner.stdout.on('data', (chunk) => {
          buffer += chunk;
          if (!buffer.includes('\\n')) return;
          process.stdout.write(JSON.stringify({ ownerPid: owner.pid, ...JSON.parse(buffer.split('\\n')[0]) }) + '\\n');
          process.kill(owner.pid, 'SIGKILL');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
        });
      `;
      const parent = spawn(process.execPath, ['--input-type=module', '-e', parentScript], {
        env: { ...process.env, OWNER_CODE: OWNER, OWNER_DRIVER: 'docker', OWNER_RUN: runId, OWNER_OUT: outDir },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const line = await firstLine(parent);
        const { ownerPid, id } = JSON.parse(line) as { ownerPid: number; id: string };
        expect(await until(() => procState(ownerPid) === 'Z', 5000)).toBe(true);
        expect(await labelledContainers(runId)).toEqual([id]);
        const result = await reap();
        expect(result.containers.map((c) => c.id)).toContain(id);
        expect(await labelledContainers(runId)).toEqual([]);
      } finally {
        await killAndWait(parent, 'SIGKILL');
      }
    },
  );
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

  /** A process group of our own that peakgate never started: `sleep` leading its own group. */
  async function withSleepGroup(run: (pgid: number) => Promise<void>): Promise<void> {
    const sleeper = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const pgid = sleeper.pid as number;
    const exited = once(sleeper, 'exit');
    try {
      await run(pgid);
    } finally {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Killed already (a failing test).
      }
      await exited;
    }
  }

  /** Writes a record into the state dir as peakgate would, with the leader identity given. */
  function plantRecord(pgid: number, leader: { startTicks: number; cmdlines: string[][] }, mode = 0o600): string {
    const dir = path.join(stateHome, 'peakgate', 'processes');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${pgid}.json`);
    const record = {
      pgid,
      leaderStartTicks: leader.startTicks,
      leaderCmdlines: leader.cmdlines,
      ownerPid: deadPid(),
      ownerStartTicks: 1,
      ownerPidNamespace: ourNamespace,
      host: hostname(),
      runId: 'planted',
      role: 'candidate',
      command: 'sleep 300',
    };
    rmSync(file, { force: true });
    writeFileSync(file, JSON.stringify(record), { mode });
    chmodSync(file, mode);
    return file;
  }

  it('kills a recorded group only while its leader is the process recorded (start time and command line)', async () => {
    await withSleepGroup(async (pgid) => {
      const ticks = startTicks(pgid);
      // Another start time: the pid was reused.
      plantRecord(pgid, { startTicks: ticks + 1, cmdlines: [['sleep', '300']] });
      expect((await reap({ skipDocker: true })).processes.map((p) => p.pgid)).not.toContain(pgid);
      expect(groupAlive(pgid)).toBe(true);
      // The right start time but a command line the record never saw.
      plantRecord(pgid, { startTicks: ticks, cmdlines: [['/bin/sh', '-c', 'node server.js']] });
      expect((await reap({ skipDocker: true })).processes.map((p) => p.pgid)).not.toContain(pgid);
      expect(groupAlive(pgid)).toBe(true);
      // Writable by others, or not ours: ignored, whatever it says.
      plantRecord(pgid, { startTicks: ticks, cmdlines: [['sleep', '300']] }, 0o666);
      expect((await reap({ skipDocker: true })).processes.map((p) => p.pgid)).not.toContain(pgid);
      expect(groupAlive(pgid)).toBe(true);
      if (process.getuid?.() === 0) {
        chownSync(plantRecord(pgid, { startTicks: ticks, cmdlines: [['sleep', '300']] }), 65534, 65534);
        expect((await reap({ skipDocker: true })).processes.map((p) => p.pgid)).not.toContain(pgid);
        expect(groupAlive(pgid)).toBe(true);
      }
      // The control: a record that is right in every point is acted on, so the checks above can fail.
      plantRecord(pgid, { startTicks: ticks, cmdlines: [['sleep', '300']] });
      expect((await reap({ skipDocker: true })).processes.map((p) => p.pgid)).toContain(pgid);
      expect(await until(() => !groupAlive(pgid), 3000)).toBe(true);
    });
  });

  it('refuses a state directory that others may write to or that is not ours (exit 3), and kills nothing', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'peakgate-rt-unsafe-'));
    // The process driver refuses before it spawns anything.
    const expectRefusedStart = () =>
      expect(
        new ProcessDriver().start(
          { kind: 'command', command: `exec node ${balancerScript}`, env: { MODE: 'good' } },
          serviceSpec(),
          { runId: uniqueRunId('rt-unsafe'), role: 'candidate', outDir },
        ),
      ).rejects.toMatchObject({ code: 'PG_ERR_RUNTIME_STATE_DIR' });
    const previous = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = home;
    try {
      const dir = path.join(home, 'peakgate');
      mkdirSync(dir);
      chmodSync(dir, 0o777);
      await expect(reap({ skipDocker: true })).rejects.toMatchObject({ code: 'PG_ERR_RUNTIME_STATE_DIR' });
      await expectRefusedStart();
      const cli = spawnSync(process.execPath, [bin, 'reap'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, XDG_STATE_HOME: home, DOCKER_HOST: 'tcp://127.0.0.1:9' },
      });
      expect(cli.status).toBe(3);
      expect(cli.stderr).toContain('PG_ERR_RUNTIME_STATE_DIR');
      expect(cli.stderr).not.toMatch(/\n\s+at /);
      if (process.getuid?.() === 0) {
        chmodSync(dir, 0o700);
        chownSync(dir, 65534, 65534);
        await expect(reap({ skipDocker: true })).rejects.toMatchObject({ code: 'PG_ERR_RUNTIME_STATE_DIR' });
      }
      // One that cannot be made (under /proc, where Node's recursive mkdir would spin forever): refused at once.
      process.env.XDG_STATE_HOME = '/proc/peakgate-nonexistent';
      const startedAt = performance.now();
      await expectRefusedStart();
      expect(performance.now() - startedAt).toBeLessThan(2000);
      process.env.XDG_STATE_HOME = home;
      // Once it is private again it is used.
      chownSync(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
      chmodSync(dir, 0o700);
      await expect(reap({ skipDocker: true })).resolves.toMatchObject({ processes: [] });
    } finally {
      process.env.XDG_STATE_HOME = previous;
      await rm(home, { recursive: true, force: true });
    }
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
