/**
 * The process driver with the sample service as a local command: readiness, CPU and RSS of the
 * whole tree from /proc that follow the load, crash detection, group kill, error codes.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeakgateError } from '../packages/core/dist/index.js';
import { isServiceNotReadyError, ProcessDriver, pendingCleanups } from '../packages/runtime/dist/index.js';
import { balancerScript, drive, exists, root, serviceSpec, uniqueRunId } from './runtime-support.js';

const groupAlive = (pgid: number): boolean => exists(-pgid);

describe.skipIf(process.platform !== 'linux')('process driver', () => {
  const runId = uniqueRunId('rt-process');
  const driver = new ProcessDriver({ stopGraceMs: 3000 });
  let outDir: string;
  const command = (env: Record<string, string> = {}, wrap = false) => ({
    kind: 'command' as const,
    // wrap: the shell stays the parent, so node is a child and its CPU must still be counted.
    command: wrap ? `node ${balancerScript}; echo "server ended"` : `exec node ${balancerScript}`,
    cwd: root,
    env,
  });

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-rt-process-'));
  });

  afterAll(async () => {
    expect(pendingCleanups()).toEqual([]);
    await rm(outDir, { recursive: true, force: true });
  });

  it("leaves no listener on the caller's abort signal after starts (a comparison shares one over every trial)", async () => {
    const { EventEmitter } = await import('node:events');
    const controller = new AbortController();
    for (let trial = 1; trial <= 2; trial++) {
      await using service = await driver.start(command({ MODE: 'good' }), serviceSpec(), {
        runId,
        role: 'baseline',
        outDir,
        trial,
        signal: controller.signal,
      });
      expect(service.readyMs).toBeLessThan(10_000);
    }
    expect(EventEmitter.getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('starts the command with PORT, measures tree CPU and RSS that follow the load, and kills the group on stop', async () => {
    await using service = await driver.start(command({ MODE: 'good' }, true), serviceSpec(), {
      runId,
      role: 'baseline',
      outDir,
      trial: 1,
    });
    expect(service.url).toBe(`http://127.0.0.1:${service.port}`);
    expect(service.readyMs).toBeLessThan(10_000);
    expect(service.state).toBe('ready');
    expect(await (await fetch(`${service.url}/healthz`)).json()).toEqual({ status: 'ok', mode: 'good' });
    const pgid = Number(service.id);
    expect(groupAlive(pgid)).toBe(true);

    const samples: number[] = [];
    const stopSampling = service.startSampling((reading) => samples.push(reading.cpuNanos), 250);
    const before = await service.sample();
    const load = await drive(service.url, { requests: 3000, concurrency: 8, maxMs: 3000 });
    const afterLoad = await service.sample();
    await new Promise((r) => setTimeout(r, 1000));
    const afterIdle = await service.sample();
    stopSampling();

    expect(load.ok).toBeGreaterThan(300);
    const loadCpuPerSec = (afterLoad.cpuNanos - before.cpuNanos) / (afterLoad.atMs - before.atMs) / 1e6;
    const idleCpuPerSec = (afterIdle.cpuNanos - afterLoad.cpuNanos) / (afterIdle.atMs - afterLoad.atMs) / 1e6;
    expect(loadCpuPerSec).toBeGreaterThan(0.1);
    expect(idleCpuPerSec).toBeLessThan(loadCpuPerSec / 4);
    // RSS of the tree: the shell plus node.
    expect(afterLoad.memoryBytes).toBeGreaterThan(20 * 2 ** 20);
    expect(samples.length).toBeGreaterThanOrEqual(3);

    const stopping = service.stop();
    expect(service.state).toBe('stopping');
    const stopped = await stopping;
    expect(service.state).toBe('stopped');
    expect(stopped.exit).toMatchObject({ ready: true, crashed: false, oomKilled: false });
    expect(stopped.logPath).toBe(path.join(outDir, 'baseline-1.log'));
    expect(await readFile(stopped.logPath, 'utf8')).toMatch(/balancer listening on http:\/\/0\.0\.0\.0:\d+ mode=good/);
    expect(groupAlive(pgid)).toBe(false);
  });

  it('pins to a CPU set with taskset', async () => {
    await using service = await driver.start(command({ MODE: 'good' }), serviceSpec(), {
      runId,
      role: 'candidate',
      outDir,
      cpuset: '0',
    });
    const status = await readFile(`/proc/${service.id}/status`, 'utf8');
    expect(status).toMatch(/Cpus_allowed_list:\s+0\n/);
    expect(service.cpuset).toBe('0');
  });

  it('notices a crash during the run with exit code and log tail', async () => {
    await using service = await driver.start(command({ MODE: 'crashy', CRASH_AFTER: '25' }), serviceSpec(), {
      runId,
      role: 'candidate',
      outDir,
    });
    await drive(service.url, { requests: 60, concurrency: 2, path: '/route?key=k', maxMs: 5000 });
    const exit = await Promise.race([service.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(exit).toMatchObject({ crashed: true, exitCode: 1, ready: true });
    expect(exit?.logTail.join('\n')).toContain('crashing after 25 requests');
    expect(exit?.message).toContain('code 1');
    expect(service.state).toBe('crashed');
    await service.stop();
    expect(service.state).toBe('crashed');
  });

  it('installs no process-wide signal handlers: signal policy belongs to the program (the CLI)', async () => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const before = signals.map((signal) => process.listenerCount(signal));
    await using service = await driver.start(command({ MODE: 'good' }), serviceSpec(), {
      runId,
      role: 'candidate',
      outDir,
    });
    expect(pendingCleanups()).toEqual([`process group ${service.id} (exec node ${balancerScript})`]);
    expect(signals.map((signal) => process.listenerCount(signal))).toEqual(before);
  });

  it('fails fast when the command exits before it is ready, with the exit code and output', async () => {
    const started = performance.now();
    const error = await driver
      .start({ kind: 'command', command: 'echo "missing config file" >&2; exit 4', env: {} }, serviceSpec(), {
        runId,
        role: 'candidate',
        outDir,
      })
      .catch((e: unknown) => e);
    expect(isServiceNotReadyError(error)).toBe(true);
    if (!isServiceNotReadyError(error)) return;
    expect(error.exit).toMatchObject({ ready: false, crashed: true, exitCode: 4 });
    expect(error.exit.logTail).toContain('missing config file');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('times out readiness and kills the group', async () => {
    const error = await driver
      .start(
        { kind: 'command', command: 'sleep 30 & sleep 30', env: {} },
        serviceSpec({ ready: { kind: 'tcp', timeoutMs: 800 } }),
        { runId, role: 'candidate', outDir },
      )
      .catch((e: unknown) => e);
    expect(isServiceNotReadyError(error)).toBe(true);
    if (!isServiceNotReadyError(error)) return;
    expect(error.message).toContain('not ready within 800 ms');
    expect(error.exit).toMatchObject({ ready: false, crashed: false });
  });

  it('reports a service that cannot bind its port as PG_ERR_RUNTIME_PORT_TAKEN (exit 3)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const error = (await driver
        .start(
          // A service that ignores PORT and insists on its own, which is taken.
          {
            kind: 'command',
            command: `MODE=good PORT=${taken} HOST=127.0.0.1 exec node ${balancerScript}`,
            cwd: root,
            env: {},
          },
          serviceSpec(),
          { runId, role: 'baseline', outDir },
        )
        .catch((e: unknown) => e)) as PeakgateError;
      expect(error.code, `${error.message} ${error.details?.join('|')}`).toBe('PG_ERR_RUNTIME_PORT_TAKEN');
      expect(error.exitCode).toBe(3);
      expect(error.message).toContain(String(taken));
    } finally {
      blocker.close();
    }
  });

  it('rejects an image build with a usage error', async () => {
    const error = (await driver
      .start({ kind: 'image', image: 'x:1' }, serviceSpec(), { runId, role: 'baseline', outDir })
      .catch((e: unknown) => e)) as PeakgateError;
    expect(error.code).toBe('PG_ERR_OPTS_INVALID');
  });
});
