/**
 * The container image, peakgate/peakgate:<version> (`pnpm images`: docker/peakgate/build.sh, from
 * the release tarball): run as CI jobs run it, with the engine's socket mounted, host networking,
 * the job's folder as /work and the caller's uid, it gates two images on the host's engine and
 * leaves its reports, owned by that uid, in out/. `render k8s` names it as the load image. Without
 * the socket (or without the socket's group) it is an infrastructure error that says what to
 * mount, exit 3, and nothing is left running.
 */
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerMissingInCi, dockerOk, dockerSkipReason, ensureImages, labelledContainers } from './runtime-support.js';
import { explain, releaseVersion, root, run } from './ship-support.js';

const IMAGE = `peakgate/peakgate:${releaseVersion}`;
const SOCKET = '/var/run/docker.sock';
/** A uid and gid nobody on the machine has, when the test may give files away (root in CI). */
const canChown = process.getuid?.() === 0;
const USER = canChown ? { uid: 4321, gid: 4321 } : { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };

function imagePresent(image: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Containers started from the peakgate image (a `docker run --rm` that did not end would show here). */
function containersOfImage(): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `ancestor=${IMAGE}`], { encoding: 'utf8' })
    .split('\n')
    .filter((id) => id !== '');
}

const SCENARIO = [
  'name: ship-image',
  'service:',
  '  port: 8080',
  '  ready: { http: /healthz, timeout: 20s }',
  '  resources: { cpus: 1, memory: 256m }',
  'baseline: { image: "peakgate/balancer:good" }',
  'candidate: { image: "peakgate/balancer:regressed" }',
  'load:',
  '  warmup: { duration: 1s, rate: 50 }',
  '  phases: [{ name: hold, duration: 2s, rate: 50 }]',
  '  requests: [{ method: GET, path: "/route?key={{int 1 100}}" }]',
  'compare: { rounds: 1 }',
  '',
].join('\n');

describe.skipIf(!dockerOk && !dockerMissingInCi)(`the peakgate image (skipped: ${dockerSkipReason})`, () => {
  let dir: string;
  const docker = (args: string[], timeoutMs = 60_000) => run('docker', args, { cwd: dir, env: process.env, timeoutMs });

  beforeAll(() => {
    expect(dockerOk, 'CI=true but no Docker engine answers').toBe(true);
    ensureImages();
    if (!imagePresent(IMAGE)) {
      console.warn(`ship-image: building the missing image ${IMAGE}`);
      execFileSync('bash', [path.join(root, 'docker/peakgate/build.sh')], { stdio: 'inherit', timeout: 300_000 });
    }
    dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'peakgate-image-')));
    writeFileSync(path.join(dir, 'scenario.yaml'), SCENARIO);
    // The job's folder belongs to the caller, as a CI checkout does.
    if (canChown) {
      chownSync(dir, USER.uid, USER.gid);
      chownSync(path.join(dir, 'scenario.yaml'), USER.uid, USER.gid);
    }
  }, 330_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the package version', async () => {
    const version = await docker(['run', '--rm', '--network', 'none', IMAGE, '--version']);
    expect(version.code, explain(version)).toBe(0);
    expect(version.stdout.trim()).toBe(releaseVersion);
  });

  it('is one image: peakgate/load:local has the same layers, with the shard as its entrypoint', () => {
    const inspect = (image: string) =>
      JSON.parse(execFileSync('docker', ['image', 'inspect', image], { encoding: 'utf8' }))[0] as {
        RootFS: { Layers: string[] };
        Config: { Entrypoint: string[] };
      };
    const cli = inspect(IMAGE);
    const load = inspect('peakgate/load:local');
    expect(load.RootFS.Layers).toEqual(cli.RootFS.Layers);
    expect(cli.Config.Entrypoint.at(-1)).toMatch(/\/peakgate\/bin\/peakgate\.js$/);
    expect(load.Config.Entrypoint.at(-1)).toMatch(/\/peakgate\/dist\/shard-main\.js$/);
  });

  it('gates two images on the host engine with the socket mounted, reports in out/ owned by --user', async () => {
    const socketGroup = String(statSync(SOCKET).gid);
    const compare = await docker(
      [
        'run',
        '--rm',
        '--network',
        'host',
        '-v',
        `${SOCKET}:${SOCKET}`,
        '-v',
        `${dir}:/work`,
        '-w',
        '/work',
        '--user',
        `${USER.uid}:${USER.gid}`,
        '--group-add',
        socketGroup,
        IMAGE,
        'compare',
        'scenario.yaml',
        '--baseline',
        'peakgate/balancer:good',
        '--candidate',
        'peakgate/balancer:regressed',
        '--out',
        'out',
      ],
      120_000,
    );
    // One short round: the verdict may go either way; a judged comparison (0 or 1) is the point.
    expect([0, 1], explain(compare)).toContain(compare.code);
    for (const file of ['report.json', 'summary.md', 'junit.xml', 'report.html']) {
      const full = path.join(dir, 'out', file);
      expect(existsSync(full), file).toBe(true);
      expect(statSync(full).uid, `${file}'s owner`).toBe(USER.uid);
    }
    const report = JSON.parse(readFileSync(path.join(dir, 'out', 'report.json'), 'utf8')) as {
      verdict: string;
      environment: { driver: string; peakgateVersion: string };
    };
    expect(['pass', 'fail']).toContain(report.verdict);
    expect(report.environment.driver).toBe('docker');
    expect(report.environment.peakgateVersion).toBe(releaseVersion);
    expect(await labelledContainers()).toEqual([]);
    expect(containersOfImage()).toEqual([]);
  }, 130_000);

  it("render k8s's load image is this image", async () => {
    const render = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${dir}:/work:ro`,
      '-w',
      '/work',
      '--user',
      `${USER.uid}:${USER.gid}`,
      IMAGE,
      'render',
      'k8s',
      'scenario.yaml',
    ]);
    expect(render.code, explain(render)).toBe(0);
    expect(render.stdout).toContain(`image: ${IMAGE}`);
  });

  it('without the socket: exit 3, PG_ERR_RUNTIME_UNREACHABLE saying how to mount it, nothing left', async () => {
    const compare = await docker([
      'run',
      '--rm',
      '--network',
      'host',
      '-v',
      `${dir}:/work`,
      '-w',
      '/work',
      '--user',
      `${USER.uid}:${USER.gid}`,
      IMAGE,
      'compare',
      'scenario.yaml',
      '--out',
      'no-socket',
    ]);
    expect(compare.code, explain(compare)).toBe(3);
    expect(compare.stderr).toContain('[PG_ERR_RUNTIME_UNREACHABLE]');
    expect(compare.stderr).toContain(`-v ${SOCKET}:${SOCKET}`);
    expect(compare.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, 'no-socket', 'report.json'))).toBe(false);
    expect(await labelledContainers()).toEqual([]);
    expect(containersOfImage()).toEqual([]);
  });

  it.skipIf(!canChown)('with the socket but not its group: exit 3 naming --group-add', async () => {
    const compare = await docker([
      'run',
      '--rm',
      '--network',
      'host',
      '-v',
      `${SOCKET}:${SOCKET}`,
      '-v',
      `${dir}:/work`,
      '-w',
      '/work',
      '--user',
      `${USER.uid}:${USER.gid}`,
      IMAGE,
      'compare',
      'scenario.yaml',
      '--out',
      'no-group',
    ]);
    expect(compare.code, explain(compare)).toBe(3);
    expect(compare.stderr).toContain('[PG_ERR_RUNTIME_UNREACHABLE]');
    expect(compare.stderr).toContain('--group-add');
    expect(containersOfImage()).toEqual([]);
  });
});
