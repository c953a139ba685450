/**
 * What `peakgate serve` says on SIGTERM: that it cancels the running run only when one runs
 * (naming it), else a plain shutdown line; exit 0 either way. The built CLI as a real process;
 * the running run is a process-driver build that never gets ready, so no load is sent.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peakgateBin } from './cli-support.js';
import { freePort } from './prometheus-support.js';
import { root } from './runtime-support.js';

const TOKEN = randomBytes(16).toString('hex');
const MARK = `pgshutdown${randomBytes(4).toString('hex')}`;
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

let dataDir: string;
let serve: ChildProcess | undefined;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'peakgate-serve-shutdown-'));
});
afterEach(async () => {
  if (serve !== undefined && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function startServe(): Promise<{ url: string; log: () => string }> {
  const port = await freePort();
  let log = '';
  serve = spawn(
    process.execPath,
    [peakgateBin, 'serve', '--port', String(port), '--data', dataDir, '--allow-process'],
    {
      cwd: root,
      env: { ...process.env, PEAKGATE_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  serve.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  serve.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, log: () => log };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`serve did not start:\n${log}`);
}

async function sigterm(): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => serve?.once('exit', (code) => resolve(code)));
  serve?.kill('SIGTERM');
  return exited;
}

function leftovers(): string[] {
  try {
    return execFileSync('pgrep', ['-af', MARK], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('peakgate serve on SIGTERM', () => {
  it('says a plain shutdown line when nothing runs', async () => {
    const { log } = await startServe();
    expect(await sigterm(), log()).toBe(0);
    expect(log()).toContain('peakgate serve: SIGTERM: shutting down (no run in progress)');
    expect(log()).not.toContain('cancelling');
  }, 30_000);

  it('says it cancels the running run, naming it, when one runs', async () => {
    const { url, log } = await startServe();
    const never = `node -e "setTimeout(() => {}, 60000)" ${MARK}`;
    const scenario = `name: shutdown-test
service:
  ready: { http: /healthz, timeout: 50s }
baseline: { command: '${never}' }
candidate: { command: '${never}' }
load:
  phases: [{ name: peak, duration: 1s, rate: 10 }]
  requests: [{ method: GET, path: / }]
`;
    const response = await fetch(`${url}/runs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ inline: scenario }),
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = (await response.json()) as { id: string };
    for (let i = 0; i < 100 && leftovers().length === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(leftovers().length, log()).toBeGreaterThan(0);
    expect(await sigterm(), log()).toBe(0);
    expect(log()).toContain(`peakgate serve: SIGTERM: cancelling the running run ${id} (shutdown-test), stopping`);
    expect(leftovers()).toEqual([]);
  }, 60_000);
});
