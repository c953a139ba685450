/**
 * Fault matrix, the Docker engine: unreachable at start (DOCKER_HOST naming a socket nobody
 * serves) is exit 3 with a clear message and no stack trace, and nothing is started. (The engine
 * stopping mid-run is an open row in docs/reliability.md: the real dockerd is shared here.)
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainRun, peakgateBin, root } from '../cli-support.js';

function peakgateWith(
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [peakgateBin, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

describe('the Docker engine is unreachable at start', () => {
  it.each([
    [
      'compare (images, --driver docker)',
      [
        'compare',
        path.join(root, 'test', 'fixtures', 'scenarios', 'compare-short.yaml'),
        '--driver',
        'docker',
        '--baseline',
        'peakgate/balancer:good',
        '--candidate',
        'peakgate/balancer:good',
      ],
    ],
    [
      'compare (images, driver chosen)',
      [
        'compare',
        path.join(root, 'test', 'fixtures', 'scenarios', 'compare-short.yaml'),
        '--baseline',
        'peakgate/balancer:good',
        '--candidate',
        'peakgate/balancer:good',
      ],
    ],
  ])(
    '%s: exit 3, PG_ERR_RUNTIME_UNREACHABLE, no stack trace',
    async (_what, args) => {
      const run = await peakgateWith({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, args);
      expect(run.code, explainRun(run)).toBe(3);
      expect(run.stderr).toContain('[PG_ERR_RUNTIME_UNREACHABLE]');
      expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
      expect(run.stderr).not.toContain('PG_ERR_INTERNAL');
    },
    60_000,
  );
});
