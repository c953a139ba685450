/**
 * The one run request (controller's run-request.ts) seen from the command line: every command that
 * starts builds takes the same default driver and, when that engine does not answer, fails with
 * the same PG_ERR_RUNTIME_UNREACHABLE line (exit 3) before anything is started or written; a bad
 * run variable is a usage error naming it. No engine is needed: DOCKER_HOST names a socket nobody
 * serves.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, root, runPeakgate } from './cli-support.js';

const SCENARIO = path.join(root, 'test', 'fixtures', 'scenarios', 'compare-short.yaml');
const NOWHERE = 'unix:///nonexistent/peakgate-test/docker.sock';
const UNREACHABLE = `peakgate: no Docker engine reachable at ${NOWHERE} (ENOENT); start Docker, fix DOCKER_HOST, or use --driver process [PG_ERR_RUNTIME_UNREACHABLE]`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-run-request-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('one default driver, one unreachable-engine error', () => {
  it.each([
    ['compare, images, no --driver', ['compare', SCENARIO, '--baseline', 'shop:1', '--candidate', 'shop:2']],
    ['run --service REF, no --driver (no fall back to process)', ['run', SCENARIO, '--service', 'shop:1']],
    ['demo --driver docker', ['demo', '--driver', 'docker']],
  ])('%s: exit 3 with the same line, nothing written', async (what, args) => {
    const out = path.join(dir, what.replace(/[^a-z]+/g, '-'));
    const run = await runPeakgate([...args, '--out', out], 30_000, {
      env: { DOCKER_HOST: NOWHERE, PEAKGATE_IMAGE: undefined },
    });
    expect(run.code, explainRun(run)).toBe(3);
    expect(run.stderr.trim().split('\n')).toContain(UNREACHABLE);
    expect(existsSync(out)).toBe(false);
  });
});

describe('run variables are validated where they are read', () => {
  it('a bad PEAKGATE_SERVICE_HOST is exit 2 naming the variable; with the process driver it does not apply', async () => {
    const bad = await runPeakgate(['run', SCENARIO, '--service', 'shop:1'], 30_000, {
      env: { PEAKGATE_SERVICE_HOST: 'tcp://staging:2375' },
    });
    expect(bad.code, explainRun(bad)).toBe(2);
    expect(bad.stderr).toContain(
      'PEAKGATE_SERVICE_HOST: expected a host name or IP address (no scheme, port or path), got "tcp://staging:2375" [PG_ERR_OPTS_INVALID]',
    );
    const ignored = await runPeakgate(
      ['run', SCENARIO, '--service', 'node -e "process.exit(9)"', '--driver', 'process', '--out', path.join(dir, 'p')],
      30_000,
      { env: { PEAKGATE_SERVICE_HOST: 'tcp://staging:2375' } },
    );
    // Not a usage error: the build ran (and was bad, exit 1).
    expect(ignored.code, explainRun(ignored)).toBe(1);
  });
});
