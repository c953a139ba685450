/**
 * Item 9, tightened by issue 23: a process build is the pull request's code, so by default it gets
 * only PATH, HOME, LANG, the scenario's env and PORT. Only the person running peakgate can give it
 * the whole environment (`--inherit-env`); the scenario can only narrow that (`service.inherit_env:
 * false`), never widen it. The service here refuses to start (exit 7) when it sees the CI secret.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakgateBin, root } from '../cli-support.js';

const SERVICE = `node -e "if (process.env.PG_FAULTS_SECRET) { console.log('saw the secret'); process.exit(7) } if (process.env.FROM_SCENARIO !== 'yes' || !process.env.PATH) process.exit(8); require('http').createServer((q, r) => r.end('ok')).listen(+process.env.PORT, '127.0.0.1')"`;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-env-'));
  for (const inherit of [true, false])
    await writeFile(
      path.join(dir, `inherit-${inherit}.yaml`),
      `name: env
service: { inherit_env: ${inherit}, env: { FROM_SCENARIO: "yes" }, ready: { http: /, timeout: 5s } }
load:
  phases: [{ duration: 1s, rate: 10 }]
  requests: [{ path: / }]
`,
    );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(file: string, extra: readonly string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [peakgateBin, 'run', file, '--service', SERVICE, '--driver', 'process', '--out', path.join(dir, 'out'), ...extra],
      { cwd: root, env: { ...process.env, PG_FAULTS_SECRET: 'ci-token' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('what a process build inherits', () => {
  it('by default (inherit_env left at true): not the caller’s secret', async () => {
    const result = await run(path.join(dir, 'inherit-true.yaml'));
    expect(result.code, result.output).toBe(0);
    // The command line itself (echoed by peakgate) holds the words; the service's own line starts with them.
    expect(result.output).not.toMatch(/^saw the secret/m);
  }, 30_000);

  it('--inherit-env from the runner: the service sees the caller’s secret', async () => {
    const result = await run(path.join(dir, 'inherit-true.yaml'), ['--inherit-env']);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('saw the secret');
  }, 30_000);

  it('inherit_env: false narrows even --inherit-env: only PATH, HOME, LANG, the scenario env and PORT', async () => {
    const result = await run(path.join(dir, 'inherit-false.yaml'), ['--inherit-env']);
    expect(result.code, result.output).toBe(0);
  }, 30_000);
});
