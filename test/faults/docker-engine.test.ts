/**
 * Fault matrix, the Docker engine: unreachable at start (DOCKER_HOST naming a socket nobody
 * serves) is exit 3 with a clear message and no stack trace, and nothing is started. The engine
 * stopping mid-trial (stopped: SIGTERM, or crashed: SIGKILL) is exit 3 too, never a verdict on
 * builds it took down with it, and once it is back `peakgate reap` leaves no peakgate container.
 * That runs on a second dockerd of the test's own (second-dockerd.ts): the main one is shared and
 * is never stopped. Root only; with CI=true it must run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, peakgateBin, root } from '../cli-support.js';
import { dockerOk, ensureImages } from '../runtime-support.js';
import { hasDocker0, SecondDockerd, secondDockerdUnavailable } from './second-dockerd.js';

function peakgateWith(
  env: NodeJS.ProcessEnv,
  args: string[],
  onStart?: (child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [peakgateBin, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onStart?.(child);
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

describe('the Docker engine stops mid-trial (a second dockerd of this test)', () => {
  let skipReason = dockerOk ? secondDockerdUnavailable() : 'no local Docker engine to copy the image from';
  let engine: SecondDockerd | undefined;
  let dir = '';
  let scenario = '';
  const docker0Before = hasDocker0();

  beforeAll(async () => {
    if (skipReason !== undefined) return;
    ensureImages();
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-engine-'));
    scenario = path.join(dir, 'engine-stops.yaml');
    // A long phase, so the engine is stopped while both sides are under load.
    await writeFile(
      scenario,
      `name: engine-stops
service: { port: 8080, ready: { http: /healthz, timeout: 20s }, resources: { cpus: 1, memory: 256m } }
load:
  phases: [{ name: peak, duration: 30s, rate: 30 }]
  requests: [{ path: "/route?key={{int 1 1000}}" }]
compare: { rounds: 1, max_rounds: 1 }
`,
    );
    try {
      engine = await SecondDockerd.create('fault');
      engine.loadImage('peakgate/balancer:good');
    } catch (error) {
      skipReason = (error as Error).message;
    }
  }, 180_000);

  afterAll(async () => {
    await engine?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
    // The engine everyone else uses keeps its default bridge.
    if (docker0Before) expect(hasDocker0(), 'docker0 is still there').toBe(true);
  }, 60_000);

  for (const [what, signal] of [
    ['stopped (SIGTERM, like `systemctl stop docker`)', 'SIGTERM'],
    ['crashed (SIGKILL)', 'SIGKILL'],
  ] as const) {
    it(`${what}: exit 3 naming the engine, no verdict, no stack trace; reap leaves nothing`, async (context) => {
      if (skipReason !== undefined || engine === undefined) {
        if (process.env.CI === 'true') expect.fail(`CI=true but ${skipReason}`);
        console.warn(`engine-stops test skipped: ${skipReason}`);
        context.skip();
        return;
      }
      const second = engine;
      const out = path.join(dir, `out-${signal}`);
      let stderr = '';
      let killedAt = 0;
      const run = await peakgateWith(
        { DOCKER_HOST: second.host },
        [
          'compare',
          scenario,
          '--driver',
          'docker',
          '--baseline',
          'peakgate/balancer:good',
          '--candidate',
          'peakgate/balancer:good',
          '--out',
          out,
        ],
        (child) => {
          child.stderr?.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
            // Both sides under load for a moment: stop the engine.
            if (killedAt === 0 && (stderr.match(/ measuring/g) ?? []).length >= 2) {
              killedAt = -1;
              setTimeout(() => {
                killedAt = Date.now();
                void second.stop(signal);
              }, 2000);
            }
          });
        },
      );
      const tookMs = Date.now() - killedAt;
      expect(killedAt, explainRun(run)).toBeGreaterThan(0);
      expect(run.code, explainRun(run)).toBe(3);
      expect(run.stderr).toContain('[PG_ERR_RUNTIME_UNREACHABLE]');
      expect(run.stderr).toContain(`the Docker engine at ${second.host} stopped answering during the run`);
      expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
      expect(run.stderr).not.toContain('PG_ERR_INTERNAL');
      // Never a verdict on builds the engine took down: no "crashed", no report.
      expect(run.stdout).not.toMatch(/PASS|FAIL/);
      expect(await readdir(out)).not.toContain('report.json');
      // A stopped engine stops its containers: seen at once. A killed one leaves them running under
      // their shims: the pings during the load (every 2 s, two failures in a row) stop it, long
      // before the 30 s phase would end.
      expect(tookMs).toBeLessThan(signal === 'SIGTERM' ? 10_000 : 15_000);
      // Back up: whatever it kept of this run, `peakgate reap` removes.
      await second.start();
      const reap = await peakgateWith({ DOCKER_HOST: second.host }, ['reap']);
      expect(reap.code, explainRun(reap)).toBe(0);
      expect(second.docker(['ps', '-a', '-q', '--filter', 'label=peakgate.managed=true']).trim()).toBe('');
      expect(second.docker(['network', 'ls', '-q', '--filter', 'label=peakgate.managed=true']).trim()).toBe('');
      expect(second.shimPids()).toEqual([]);
      console.info(
        `engine ${signal}: exit ${run.code} ${tookMs} ms after it; reap: ${reap.stdout.trim() || reap.stderr.trim()}`,
      );
    }, 180_000);
  }
});
