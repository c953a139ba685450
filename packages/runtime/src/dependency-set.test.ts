import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DependencySpec } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { dependencyEnvPrefix, startDependencies } from './dependency-set.js';
import { isServiceNotReadyError } from './not-ready-error.js';
import { ProcessDriver } from './process/driver.js';

const echoServer = `exec node -e "require('net').createServer((s) => s.end('hi')).listen(process.env.PORT, '127.0.0.1')"`;

function dependency(name: string, command: string): DependencySpec {
  return {
    name,
    build: { kind: 'command', command, env: {} },
    port: 0,
    readyTimeoutMs: 10_000,
    env: {},
    resources: {},
  };
}

describe('startDependencies (process driver)', () => {
  it('names the variables after the dependency', () => {
    expect(dependencyEnvPrefix('kv-store')).toBe('PEAKGATE_DEP_KV_STORE');
  });

  it('starts each on its own port, tells the build where, and stops them', async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-deps-unit-'));
    const set = await startDependencies(
      new ProcessDriver(),
      [dependency('kv', echoServer), dependency('cache', echoServer)],
      {
        runId: 'unit',
        role: 'candidate',
        outDir,
        trial: 0,
      },
    );
    try {
      expect(set.env.PEAKGATE_DEP_KV_HOST).toBe('127.0.0.1');
      expect(Number(set.env.PEAKGATE_DEP_KV_PORT)).toBeGreaterThan(0);
      expect(set.env.PEAKGATE_DEP_KV_PORT).not.toBe(set.env.PEAKGATE_DEP_CACHE_PORT);
      expect(set.env.PEAKGATE_DEP_CACHE_URL).toBe(`http://127.0.0.1:${set.env.PEAKGATE_DEP_CACHE_PORT}`);
      expect(set.dependencies.map((d) => path.basename(d.service.logPath))).toEqual([
        'candidate-kv-0.log',
        'candidate-cache-0.log',
      ]);
    } finally {
      await set.stop();
    }
    expect(set.dependencies.every((d) => d.service.hasExited)).toBe(true);
  });

  it('fails at once when one dies while starting, naming it, with its log tail', async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-deps-unit-'));
    const started = performance.now();
    const failure = await startDependencies(
      new ProcessDriver(),
      [dependency('kv', echoServer), dependency('db', 'echo "db: no disk" >&2; exit 4')],
      { runId: 'unit', role: 'baseline', outDir, trial: 1 },
    ).catch((error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(8000);
    expect(isServiceNotReadyError(failure)).toBe(true);
    if (!isServiceNotReadyError(failure)) return;
    expect(failure.message).toMatch(/^dependency "db" of the baseline: /);
    expect(failure.exit.message).toBe('its dependency "db" exited before it was ready');
    expect(failure.exit.logTail.join('\n')).toContain('db: no disk');
  });
});
