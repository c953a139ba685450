/**
 * A remote staging engine: a second dockerd on a tcp loopback port (its own data, exec root and
 * containerd namespace, a bridge of its own, no iptables: it must not disturb the engine others use), the
 * sample image loaded into it, and a short comparison with DOCKER_HOST pointing at it. The load
 * goes to that engine's host (named with --service-host, which wins over PEAKGATE_SERVICE_HOST),
 * CPU comes from its stats API (not local cgroup files), and the report names the engine and,
 * per side, where it ran. Skipped with the reason when a second dockerd cannot start here,
 * except with CI=true, where it must run.
 */
import { execFileSync, execSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from './cli-support.js';
import { dockerOk, ensureImages, root } from './runtime-support.js';

function canStartDockerd(): string | undefined {
  if (!dockerOk) return 'no local Docker engine to copy the image from';
  if (process.getuid?.() !== 0) return 'a second dockerd needs root';
  try {
    execFileSync('sh', ['-c', 'command -v dockerd'], { stdio: 'ignore' });
  } catch {
    return 'dockerd is not installed';
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

let skipReason = canStartDockerd();
let dockerHost = '';
let dir = '';
let daemonPid: number | undefined;
let daemonExited: Promise<void> = Promise.resolve();
/**
 * The second daemon's own bridge. `--bridge none` would be simpler, but a dockerd started with it
 * deletes the host's `docker0` (it "removes the default bridge" at start), which breaks every
 * bridge-networked container of the engine everyone else uses: so it gets a bridge of its own.
 */
let bridge: string | undefined;
const hadDocker0 = () => {
  try {
    execFileSync('ip', ['link', 'show', 'docker0'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
let docker0Before = false;

const SCENARIO = join(root, 'test', 'fixtures', 'scenarios', 'remote-short.yaml');

describe('a remote engine (DOCKER_HOST=tcp://…)', () => {
  beforeAll(async () => {
    if (skipReason !== undefined) return;
    ensureImages();
    dir = await mkdtemp(join(tmpdir(), 'peakgate-dockerd-'));
    const port = await freePort();
    dockerHost = `tcp://127.0.0.1:${port}`;
    docker0Before = hadDocker0();
    try {
      const name = `pgremote${port % 100_000}`;
      const octet = port % 250;
      execFileSync('ip', ['link', 'add', name, 'type', 'bridge'], { stdio: 'ignore' });
      bridge = name;
      execFileSync('ip', ['addr', 'add', `10.254.${octet}.1/24`, 'dev', name], { stdio: 'ignore' });
      execFileSync('ip', ['link', 'set', name, 'up'], { stdio: 'ignore' });
    } catch (error) {
      skipReason = `cannot make a bridge for the second dockerd: ${(error as Error).message}`;
      return;
    }
    const daemon = spawn(
      'dockerd',
      [
        '-H',
        dockerHost,
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'dockerd.pid'),
        '--bridge',
        bridge,
        '--iptables=false',
        '--ip-masq=false',
        '--ip-forward=false',
        '--containerd-namespace',
        `pg-remote-${port}`,
        '--containerd-plugins-namespace',
        `pg-remote-${port}-plugins`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    daemonPid = daemon.pid;
    daemonExited = new Promise((resolve) => daemon.once('exit', () => resolve()));
    let stderr = '';
    daemon.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const env = { ...process.env, DOCKER_HOST: dockerHost };
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        execFileSync('docker', ['info'], { env, stdio: 'ignore', timeout: 5000 });
        break;
      } catch {
        if (daemon.exitCode !== null || Date.now() > deadline) {
          skipReason = `a second dockerd did not start: ${stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}`;
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    execSync(`docker save peakgate/balancer:good | DOCKER_HOST=${dockerHost} docker load`, { stdio: 'ignore' });
  }, 180_000);

  afterAll(async () => {
    if (daemonPid !== undefined) {
      // Only the daemon this test started (and its own containerd), by its process group.
      try {
        process.kill(-daemonPid, 'SIGTERM');
      } catch {
        // Gone already.
      }
      await Promise.race([daemonExited, new Promise((r) => setTimeout(r, 20_000))]);
    }
    if (dir) {
      // What the daemon mounted under its own directories (netns, overlays), deepest first.
      const mounts = (await readFile('/proc/mounts', 'utf8'))
        .split('\n')
        .map((line) => line.split(' ')[1] ?? '')
        .filter((target) => target.startsWith(`${dir}/`))
        .sort()
        .reverse();
      for (const target of mounts) execFileSync('umount', [target], { stdio: 'ignore' });
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
    if (bridge !== undefined) execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    // The engine everyone else uses must keep its default bridge.
    if (docker0Before) expect(hadDocker0(), 'docker0 is still there').toBe(true);
  }, 60_000);

  it('runs a comparison there: load to --service-host, CPU from its stats API, the engine in the report', async (context) => {
    if (skipReason !== undefined) {
      if (process.env.CI === 'true') expect.fail(`CI=true but ${skipReason}`);
      console.warn(`remote-engine test skipped: ${skipReason}`);
      context.skip();
    }
    const out = await mkdtemp(join(tmpdir(), 'peakgate-remote-'));
    const run = await runPeakgate(
      [
        'compare',
        SCENARIO,
        '--driver',
        'docker',
        '--baseline',
        'peakgate/balancer:good',
        '--candidate',
        'peakgate/balancer:good',
        // The flag wins over the variable: aimed at 192.0.2.1 (TEST-NET, unreachable), no trial
        // would ever get ready.
        '--service-host',
        '127.0.0.1',
        '--out',
        out,
        '--json',
      ],
      180_000,
      { env: { DOCKER_HOST: dockerHost, PEAKGATE_SERVICE_HOST: '192.0.2.1' } },
    );
    expect([0, 1], explainRun(run)).toContain(run.code);
    const report = JSON.parse(run.stdout) as {
      environment: {
        engine?: string;
        serviceHost?: string;
        sides?: Record<string, { driver: string; at: string; host: string; cpuSource: string | null }>;
      };
      trials: Array<{ requests: { total: number }; cpuSeconds: number | null }>;
    };
    expect(report.environment).toMatchObject({ engine: dockerHost, serviceHost: '127.0.0.1' });
    for (const role of ['baseline', 'candidate'])
      expect(report.environment.sides?.[role]).toMatchObject({ driver: 'docker', at: dockerHost, host: '127.0.0.1' });
    const summary = await readFile(join(out, 'summary.md'), 'utf8');
    expect(summary).toContain(`candidate: docker on ${dockerHost}, load to 127.0.0.1`);
    for (const trial of report.trials) {
      expect(trial.requests.total).toBeGreaterThan(0);
      expect(trial.cpuSeconds).toBeGreaterThan(0);
    }
    const log = await readFile(join(out, 'baseline-0.log'), 'utf8');
    expect(log).toContain('stats from stats-api');
    // The containers ran on the second engine, not on the local one.
    const remote = execSync(
      `DOCKER_HOST=${dockerHost} docker ps -a -q --filter label=peakgate.managed=true`,
    ).toString();
    expect(remote.trim()).toBe('');
  }, 180_000);
});

describe('--service-host', () => {
  it('is refused where it means nothing or is not a host, naming the flag (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        [
          'compare',
          SCENARIO,
          '--driver',
          'process',
          '--baseline-cmd',
          'true',
          '--candidate-cmd',
          'true',
          '--service-host',
          'staging',
        ],
        /--service-host applies to the docker and swarm drivers/,
      ],
      [
        ['compare', SCENARIO, '--driver', 'docker', '--service-host', 'http://staging:2375'],
        /--service-host: expected a host name/,
      ],
      [
        ['run', SCENARIO, '--target', 'http://127.0.0.1:9', '--service-host', 'staging'],
        /--service-host needs --service/,
      ],
      [
        ['demo', '--driver', 'process', '--service-host', 'staging'],
        /--service-host applies to the docker and swarm drivers/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runPeakgate(args, 30_000);
      expect(run.code, `${args.join(' ')}\n${explainRun(run)}`).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
  }, 120_000);
});
