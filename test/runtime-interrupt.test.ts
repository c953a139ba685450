/**
 * The CLI's signal policy with the real runtime (the library installs no signal handlers; the
 * CLI does, in cli/src/interrupt.ts): the first SIGINT/SIGTERM aborts the run and removes what it
 * started, exit 130 (143 for SIGTERM); a second one leaves at once, after SIGKILLing the process groups, without
 * waiting out a service that ignores SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakgateBin } from './cli-support.js';
import {
  balancerScript,
  dockerOk,
  dockerSkipReason,
  ensureImages,
  exists,
  labelledContainers,
  root,
  until,
} from './runtime-support.js';

/** Long enough that only a signal ends it: 1 s warm-up, then 60 s at 20 req/s. */
const SCENARIO = `name: interrupt
service:
  port: 8080
  ready: { http: /healthz, timeout: 20s }
load:
  warmup: { duration: 1s, rate: 20 }
  phases:
    - { name: hold, duration: 60s, rate: 20 }
  requests:
    - { method: GET, path: "/route?key={{int 1 100}}" }
`;

/** A service that ignores SIGTERM, so only a SIGKILL ends it before the 5 s grace period. */
const STUBBORN = `exec node -e "process.on('SIGTERM', () => {}); console.log('pid=' + process.pid); require('node:http').createServer((q, s) => s.end('{}')).listen(Number(process.env.PORT), '127.0.0.1')"`;

let dir: string;
let scenario: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-rt-interrupt-'));
  scenario = path.join(dir, 'scenario.yaml');
  await writeFile(scenario, SCENARIO);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Cli {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startRun(args: string[]): Cli {
  // Process records go to this file's own state dir, not the user's.
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: path.join(dir, 'state') };
  delete env.MODE; // vitest sets MODE=test; the sample balancer reads MODE
  const child = spawn(process.execPath, [peakgateBin, 'run', scenario, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stderr: () => stderr, exited };
}

/** Waits until the measured load runs (the service is ready and the warm-up is over). */
async function loadRunning(cli: Cli): Promise<void> {
  expect(await until(() => cli.stderr().includes('service ready at'), 30_000), cli.stderr()).toBe(true);
  await new Promise((r) => setTimeout(r, 1500));
}

/** The service's pid, from the one log file in outDir (both services print `pid=N` when they listen). */
async function pidFromLog(outDir: string): Promise<number> {
  const logs = (await readdir(outDir)).filter((name) => name.endsWith('.log'));
  expect(logs).toHaveLength(1);
  const log = await readFile(path.join(outDir, logs[0] as string), 'utf8');
  return Number(/pid=(\d+)/.exec(log)?.[1]);
}

describe.skipIf(process.platform !== 'linux')('interrupting `peakgate run --service` (process driver)', () => {
  it('SIGTERM: stops the load, removes the service, exits 143 (128 + SIGTERM) within 5 s', async () => {
    const outDir = path.join(dir, 'term');
    const cli = startRun(['--service', `node ${balancerScript}`, '--driver', 'process', '--out', outDir]);
    await loadRunning(cli);
    const pid = await pidFromLog(outDir);
    expect(exists(pid)).toBe(true);
    const sentAt = performance.now();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(143);
    expect(performance.now() - sentAt).toBeLessThan(5000);
    expect(cli.stderr()).toContain('SIGTERM');
    expect(exists(pid)).toBe(false);
  }, 60_000);

  it('a second SIGINT leaves at once with 130 and SIGKILLs a service that ignores SIGTERM', async () => {
    const outDir = path.join(dir, 'twice');
    const cli = startRun(['--service', STUBBORN, '--driver', 'process', '--out', outDir]);
    await loadRunning(cli);
    const pid = await pidFromLog(outDir);
    expect(exists(pid)).toBe(true);
    cli.child.kill('SIGINT');
    // The first one sent SIGTERM, which this service ignores: the stop waits out its grace period.
    await new Promise((r) => setTimeout(r, 500));
    expect(cli.child.exitCode).toBe(null);
    const secondAt = performance.now();
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(performance.now() - secondAt).toBeLessThan(1500);
    expect(await until(() => !exists(pid), 2000)).toBe(true);
  }, 60_000);
});

describe.skipIf(!dockerOk)(
  `interrupting \`peakgate run --service\` (docker; skipped: ${dockerOk ? '-' : dockerSkipReason})`,
  () => {
    beforeAll(() => ensureImages(), 300_000);

    it('SIGINT: removes the container and exits 130 within 5 s', async () => {
      const cli = startRun([
        '--service',
        'peakgate/balancer:good',
        '--driver',
        'docker',
        '--out',
        path.join(dir, 'docker'),
      ]);
      await loadRunning(cli);
      const runId = /\(run (\S+)\)/.exec(cli.stderr())?.[1] as string;
      expect(await labelledContainers(runId)).toHaveLength(1);
      const sentAt = performance.now();
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(130);
      expect(performance.now() - sentAt).toBeLessThan(5000);
      expect(await labelledContainers(runId)).toEqual([]);
    }, 90_000);
  },
);
