/**
 * A candidate that dies at start (issue 27): the verdict's reason quotes the log line that says why
 * (`Error: Cannot find module …`, a dozen lines above Node's epilogue), not only the last lines
 * (`requireStack: [] | } | Node.js v20`), and prints where the whole log was written (the default run
 * folder `.peakgate/runs/<time>` under the current folder when there is no --out).
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, peakgateBin, root } from './cli-support.js';

const BALANCER = `MODE=good node ${JSON.stringify(path.join(root, 'docker/services/balancer/dist/server.js'))}`;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-crash-'));
  await writeFile(
    path.join(dir, 'tiny.yaml'),
    `name: tiny
service:
  ready: { http: /healthz, timeout: 10s }
load:
  warmup: { duration: 1s, rate: 20 }
  phases:
    - { name: hold, duration: 1s, rate: 20 }
  requests:
    - { method: GET, path: /healthz }
compare:
  rounds: 1
  max_rounds: 1
`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs peakgate in `cwd` (the run folder goes under it), plain output, COLUMNS=80. */
function peakgateIn(
  cwd: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '80', NO_COLOR: '1' };
    delete env.MODE;
    delete env.CI;
    const child = spawn(process.execPath, [peakgateBin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

describe('a candidate that dies at start', () => {
  it('names the error line and the full log path, within 80 columns', async () => {
    const run = await peakgateIn(dir, [
      ...['compare', 'tiny.yaml', '--driver', 'process'],
      ...['--baseline-cmd', BALANCER, '--candidate-cmd', `node -e "require('nope-missing-module')"`],
    ]);
    expect(run.code, explainRun(run)).toBe(1);
    const reason = run.stdout.replace(/\n {4}(?!full log)/g, ' ');
    expect(reason).toMatch(
      /- candidate never became ready in round 1 \(exited before it was ready\): Error: Cannot find module 'nope-missing-module'/,
    );
    const log = /^ {4}full log: (\.\/\.peakgate\/runs\/\S+\/candidate-\d+\.log)$/m.exec(run.stdout)?.[1];
    expect(log, run.stdout).toBeDefined();
    const logFile = path.join(dir, log as string);
    expect(existsSync(logFile)).toBe(true);
    expect(await readFile(logFile, 'utf8')).toContain("Cannot find module 'nope-missing-module'");
    for (const line of run.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  }, 90_000);

  it('a baseline that dies at start: the sandbox cannot judge (exit 3), and says why the same way', async () => {
    const run = await peakgateIn(dir, [
      ...['compare', 'tiny.yaml', '--driver', 'process'],
      ...['--baseline-cmd', `node -e "require('nope-baseline-module')"`, '--candidate-cmd', BALANCER],
    ]);
    expect(run.code, explainRun(run)).toBe(3);
    expect(run.stdout.replace(/\n {2,4}(?!full log)/g, ' ')).toContain(
      "baseline never became ready in round 1 (exited before it was ready): Error: Cannot find module 'nope-baseline-module'",
    );
    expect(run.stdout).toMatch(/^ {4}full log: \.\/\.peakgate\/runs\/\S+\/baseline-\d+\.log$/m);
  }, 90_000);
});
