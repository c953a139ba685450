/**
 * End to end: `peakgate run <scenario> --service REF` as a real process, starting the sample
 * balancer as a local process and as a Docker container, loading it lightly (1 s warm-up at
 * 50 req/s, 2 s at 100 req/s) and reading the service figures from the --json result.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverName } from '../packages/core/dist/index.js';
import { createDocker, LABEL_MANAGED, LABEL_PID } from '../packages/runtime/dist/index.js';
import { type CliRun, runPeakgate } from './cli-support.js';
import {
  balancerScript,
  dockerMissingInCi,
  dockerOk,
  dockerSkipReason,
  ensureImages,
  exists,
  labelledContainers,
  root,
} from './runtime-support.js';

const SCENARIO = path.join(root, 'test', 'fixtures', 'run-service.yaml');

const peakgate = (args: string[], timeoutMs = 60_000): Promise<CliRun> => runPeakgate(args, timeoutMs);

/** The service figures and request count of a successful `run --service --json`. */
function expectServiceFigures(run: CliRun, driver: DriverName): { runId: string; logPath: string } {
  expect(run.code, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout);
  // 2 s at 100 req/s; the warm-up's 50 requests are not in the result.
  expect(result.requests.total).toBeGreaterThanOrEqual(190);
  expect(result.requests.total).toBeLessThanOrEqual(202);
  expect(result.requests.errors).toBe(0);
  expect(result.interrupted).toBe(false);
  const service = result.service;
  expect(service.driver).toBe(driver);
  expect(service.cpuSeconds).toBeGreaterThan(0);
  // The balancer spends well under 50 ms of CPU on a GET /route; a figure past that is a bad window.
  expect(service.cpuPerRequestMs).toBeGreaterThan(0);
  expect(service.cpuPerRequestMs).toBeLessThan(50);
  expect(service.cpuPerRequestMs).toBeCloseTo((service.cpuSeconds * 1000) / result.requests.total, 6);
  expect(service.memoryPeakBytes).toBeGreaterThan(1024 * 1024);
  expect(service.readyMs).toBeGreaterThan(0);
  expect(service.crashed).toBe(false);
  expect(run.stderr).toContain(`run ${service.runId}`);
  return { runId: service.runId, logPath: service.logPath };
}

describe('peakgate run --service (process driver)', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-run-service-'));
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('starts the command, loads it, reports its CPU, memory and readiness, and stops it', async () => {
    const run = await peakgate([
      'run',
      SCENARIO,
      '--service',
      `node ${balancerScript}`,
      '--driver',
      'process',
      '--out',
      outDir,
      '--json',
    ]);
    const { logPath } = expectServiceFigures(run, 'process');
    expect(path.dirname(logPath)).toBe(outDir);
    // The log holds the service's own output, and the service is gone once the CLI has exited.
    // (Its "SIGTERM, closing" line may or may not reach the log before the pipe closes; the
    // process table is the reliable witness. Dead but not yet reaped by init counts as gone.)
    const log = await readFile(logPath, 'utf8');
    expect(log).toContain('balancer listening');
    const pid = Number(/pid=(\d+)/.exec(log)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(exists(pid)).toBe(false);
  }, 60_000);

  it('exits 1 with the readiness message and the log tail when the command exits at once', async () => {
    const run = await peakgate([
      'run',
      SCENARIO,
      '--service',
      'node -e "console.log(\'no config found\'); process.exit(1)"',
      '--driver',
      'process',
      '--out',
      outDir,
      '--json',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('exited before it was ready');
    expect(run.stderr).toContain('PG_ERR_RUNTIME_NOT_READY');
    expect(run.stderr).toContain('no config found');
    expect(run.stderr).toContain('the build is bad');
  }, 60_000);

  it('stops the load at once and exits 1 with the log tail when the build dies in the warm-up', async () => {
    // An 8 s warm-up; the service answers for 300 ms, then exits.
    const scenario = path.join(outDir, 'long-warmup.yaml');
    await writeFile(
      scenario,
      (await readFile(SCENARIO, 'utf8')).replace('duration: 1s, rate: 50', 'duration: 8s, rate: 50'),
    );
    const dies = `node -e "require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, '127.0.0.1'); setTimeout(() => { console.log('dying now'); process.exit(7); }, 300)"`;
    const started = performance.now();
    const out = path.join(outDir, 'warmup-death');
    const run = await peakgate(['run', scenario, '--service', dies, '--driver', 'process', '--out', out, '--json']);
    const elapsedMs = performance.now() - started;
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('the service ended during the warm-up');
    expect(run.stderr).toContain('dying now');
    expect(run.stderr).toContain('the build is bad');
    expect(elapsedMs).toBeLessThan(6_000);
  }, 60_000);

  it('refuses --target with --service (exit 2) and asks for one of them', async () => {
    const both = await peakgate(['run', SCENARIO, '--service', 'node x.js', '--target', 'http://127.0.0.1:9']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('PG_ERR_OPTS_INVALID');
    expect(both.stderr).toContain('--target and --service');
    const neither = await peakgate(['run', SCENARIO]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--service REF');
  });
});

it.runIf(dockerMissingInCi)('has a Docker engine in CI', () => {
  expect.fail(`CI=true but ${dockerSkipReason}: the Docker suites must run in CI`);
});

describe.skipIf(!dockerOk)(
  `peakgate run --service (docker driver; skipped: ${dockerOk ? '-' : dockerSkipReason})`,
  () => {
    let outDir: string;
    beforeAll(async () => {
      ensureImages();
      outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-run-service-docker-'));
    }, 300_000);
    afterAll(async () => {
      await rm(outDir, { recursive: true, force: true });
    });

    it('starts the image, loads it, reports its figures and leaves no container behind', async () => {
      const run = await peakgate([
        'run',
        SCENARIO,
        '--service',
        'peakgate/balancer:good',
        '--driver',
        'docker',
        '--out',
        outDir,
        '--json',
      ]);
      const { runId } = expectServiceFigures(run, 'docker');
      expect(await labelledContainers(runId)).toEqual([]);
      const owned = await createDocker().listContainers({
        all: true,
        filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_PID}=${run.pid}`] },
      });
      expect(owned).toEqual([]);
    }, 90_000);

    it('exits 3 with PG_ERR_RUNTIME_IMAGE_MISSING and no stack trace for a missing image', async () => {
      const run = await peakgate([
        'run',
        SCENARIO,
        '--service',
        'peakgate/no-such-image:missing',
        '--driver',
        'docker',
        '--out',
        outDir,
      ]);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('PG_ERR_RUNTIME_IMAGE_MISSING');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }, 60_000);
  },
);
