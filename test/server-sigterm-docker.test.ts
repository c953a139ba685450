/**
 * SIGTERM of `peakgate serve` while a comparison runs on the docker driver: the server stops
 * accepting, cancels the comparison, removes its containers and exits 0 within 10 s, and the run
 * is recorded as cancelled. (The process-driver variant is in server-prometheus.test.ts.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakgateBin } from './cli-support.js';
import { freePort } from './prometheus-support.js';
import {
  dockerMissingInCi,
  dockerOk,
  dockerSkipReason,
  ensureImages,
  labelledContainers,
  root,
} from './runtime-support.js';

const SCENARIO = `name: server-sigterm-docker
service:
  port: 8080
  ready: { http: /healthz, timeout: 20s }
  resources: { cpus: 1, memory: 256m }
load:
  warmup: { duration: 2s, rate: 100 }
  phases:
    - { name: peak, duration: 20s, rate: 100 }
  requests:
    - { method: GET, path: "/route?key={{int 1 1000}}" }
compare:
  rounds: 2
`;

const suite = dockerOk || dockerMissingInCi ? describe : describe.skip;
if (!dockerOk) console.warn(`server-sigterm-docker: skipped: ${dockerSkipReason}`);

suite('peakgate serve on SIGTERM (docker driver)', () => {
  const token = randomBytes(16).toString('hex');
  let dataDir: string;
  let serve: ChildProcess;
  let log = '';
  let url: string;

  beforeAll(async () => {
    expect(dockerOk, dockerSkipReason).toBe(true);
    ensureImages();
    dataDir = await mkdtemp(path.join(tmpdir(), 'peakgate-serve-docker-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, PEAKGATE_TOKEN: token };
    delete env.MODE;
    serve = spawn(process.execPath, [peakgateBin, 'serve', '--port', String(port), '--data', dataDir], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    serve.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    for (let i = 0; i < 100; i += 1) {
      if (
        await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 300_000);

  afterAll(async () => {
    if (serve !== undefined && serve.exitCode === null) serve.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('cancels the running comparison, removes its containers and exits 0 within 10 s', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const response = await fetch(`${url}/runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        inline: SCENARIO,
        driver: 'docker',
        baseline: 'peakgate/balancer:good',
        candidate: 'peakgate/balancer:good',
      }),
    });
    expect(response.status, log).toBe(202);
    const { id } = (await response.json()) as { id: string };
    for (let i = 0; i < 300; i += 1) {
      const run = (await (await fetch(`${url}/runs/${id}`, { headers })).json()) as { progress: { stage: string } };
      if (run.progress.stage === 'peak') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The controller labels containers with the first 8 hex digits of the server's run id.
    expect((await labelledContainers(id.slice(0, 8))).length, log).toBeGreaterThan(0);
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)));
    serve.kill('SIGTERM');
    const code = await exited;
    expect(Date.now() - started, log).toBeLessThan(10_000);
    expect(code, log).toBe(0);
    expect(await labelledContainers(id.slice(0, 8))).toEqual([]);
    const state = JSON.parse(await readFile(path.join(dataDir, 'state.json'), 'utf8')) as {
      runs: Array<{ id: string; status: string }>;
    };
    expect(state.runs.find((run) => run.id === id)?.status).toBe('cancelled');
  }, 120_000);
});
