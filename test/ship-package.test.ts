/**
 * The released npm package, as a user gets it: `pnpm pack:release`'s tarball installed with
 * `npm i -g --prefix` and run with `npx --yes` in an empty folder outside the checkout, with a
 * fresh HOME and npm cache, and no PATH entry of the checkout. Nothing may resolve into the
 * checkout; every command a user starts with works from the installed files: --version, validate,
 * compare --driver process of two local builds, demo (its sample service and scenario ship inside),
 * serve, replay, and `peakgate images` (the sample images from the package's own files) when an
 * engine answers. npm must reach the registry for the third-party dependencies.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerMissingInCi, dockerOk, dockerSkipReason } from './runtime-support.js';
import { explain, freshEnv, packRelease, type Run, releaseVersion, root, run, tinyServer } from './ship-support.js';

/** What `import name` from pkgDir finds: the entry file, else the package's folder on node's search path. */
function resolveFrom(pkgDir: string, name: string): string {
  try {
    return createRequire(path.join(pkgDir, 'package.json')).resolve(name);
  } catch {
    for (let at = pkgDir; ; at = path.dirname(at)) {
      const candidate = path.join(at, 'node_modules', name);
      if (existsSync(path.join(candidate, 'package.json'))) return candidate;
      if (path.dirname(at) === at) throw new Error(`${name} is not installed for ${pkgDir}`);
    }
  }
}

/** Every file under dir, except in the folders named in skip. */
function listFiles(dir: string, skip: readonly string[]): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return skip.includes(entry.name) ? [] : listFiles(full, skip);
    return entry.isFile() ? [full] : [];
  });
}

describe('the peakgate npm package, installed outside the checkout', () => {
  let dir: string;
  let tarball: string;
  let env: NodeJS.ProcessEnv;
  let bin: string;
  let pkgDir: string;
  let work: string;
  let npxRun: Promise<Run>;
  const peakgate = (args: string[], timeoutMs = 30_000, interruptWhen?: RegExp) =>
    run(bin, args, { cwd: work, env, timeoutMs, ...(interruptWhen ? { interruptWhen } : {}) });

  beforeAll(async () => {
    // Outside the checkout, whatever TMPDIR says: resolution walks up from here.
    dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'peakgate-ship-')));
    if (dir.startsWith(root)) throw new Error(`temporary folder ${dir} is inside the checkout`);
    tarball = packRelease(dir);
    expect(tarball).toBe(path.join(dir, `peakgate-${releaseVersion}.tgz`));
    for (const sub of ['home', 'work', 'npx']) mkdirSync(path.join(dir, sub));
    work = path.join(dir, 'work');
    env = freshEnv(dir, [path.join(dir, 'global', 'bin')]);
    const install = await run('npm', ['install', '--global', '--prefix', path.join(dir, 'global'), tarball], {
      cwd: work,
      env,
      timeoutMs: 110_000,
    });
    expect(install.code, explain(install)).toBe(0);
    bin = path.join(dir, 'global', 'bin', 'peakgate');
    // npx in its own empty folder, while the other tests run (--prefer-offline: the cache is full
    // since the install). `./file.tgz`: npx takes a relative path as a package spec, an absolute
    // one as a command.
    copyFileSync(tarball, path.join(dir, 'npx', path.basename(tarball)));
    npxRun = run('npx', ['--yes', '--prefer-offline', `./${path.basename(tarball)}`, '--version'], {
      cwd: path.join(dir, 'npx'),
      env,
      timeoutMs: 110_000,
    });
    pkgDir = path.join(dir, 'global', 'lib', 'node_modules', 'peakgate');
  }, 150_000);

  afterAll(async () => {
    await npxRun;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('installs a bin and dependencies that all live in the temporary prefix, not the checkout', () => {
    expect(realpathSync(bin)).toBe(path.join(pkgDir, 'bin', 'peakgate.js'));
    const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      dependencies: Record<string, string>;
    };
    expect(manifest.name).toBe('peakgate');
    expect(manifest.version).toBe(releaseVersion);
    const deps = Object.entries(manifest.dependencies);
    expect(deps.length).toBeGreaterThan(5);
    for (const [name, version] of deps) {
      // Pinned, never a range or a workspace: specifier; no @peakgate/* package from a registry.
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(name).not.toMatch(/^@peakgate\//);
      // Where node finds it from the installed CLI (an entry file, or the package folder for a
      // package whose exports map resolves no bare import, like @types-only ones).
      const resolved = realpathSync(resolveFrom(pkgDir, name));
      expect(resolved.startsWith(`${dir}${path.sep}`), `${name} resolved to ${resolved}`).toBe(true);
    }
    // No path of the checkout is baked into what was packed (a bundler inlining a source path would).
    for (const file of listFiles(pkgDir, ['node_modules']))
      expect(readFileSync(file, 'utf8').includes(root), `${file} names ${root}`).toBe(false);
    // The files read at run time ship inside it.
    for (const file of [
      'dist/main.js',
      'dist/load-worker.js',
      'dist/shard-main.js',
      'scenarios/scenario.schema.json',
      'scenarios/balancer-peak.yaml',
      'docker/services/balancer/dist/server.js',
      'docker/services/kv/api.cjs',
      'docker/grafana/peakgate.json',
    ])
      expect(existsSync(path.join(pkgDir, file)), file).toBe(true);
  });

  it('--version is the package version, and a scenario validates', async () => {
    const version = await peakgate(['--version']);
    expect(version.code, explain(version)).toBe(0);
    expect(version.stdout.trim()).toBe(releaseVersion);
    const validate = await peakgate(['validate', path.join(pkgDir, 'scenarios', 'smoke.yaml')]);
    expect(validate.code, explain(validate)).toBe(0);
    expect(validate.stdout).toContain('scenario "smoke" is valid');
  });

  it('compares two local builds with --driver process and writes every report', async () => {
    for (const [name, spin] of [
      ['v1', 2_000],
      ['v2', 20_000],
    ] as const) {
      mkdirSync(path.join(work, name), { recursive: true });
      writeFileSync(path.join(work, name, 'server.mjs'), tinyServer(spin));
    }
    writeFileSync(
      path.join(work, 'tiny.yaml'),
      [
        'name: tiny',
        'service: { ready: { http: /healthz, timeout: 10s } }',
        'baseline: { command: "node server.mjs", cwd: ./v1 }',
        'candidate: { command: "node server.mjs", cwd: ./v2 }',
        'load:',
        '  warmup: { duration: 1s, rate: 50 }',
        '  phases: [{ name: hold, duration: 2s, rate: 50 }]',
        '  requests: [{ method: GET, path: /work }]',
        'compare: { rounds: 1 }',
        '',
      ].join('\n'),
    );
    const compare = await peakgate(['compare', 'tiny.yaml', '--driver', 'process', '--out', 'out'], 60_000);
    // The verdict is not the point here (one short round): that it ran and judged from the install is.
    expect([0, 1], explain(compare)).toContain(compare.code);
    const report = JSON.parse(readFileSync(path.join(work, 'out', 'report.json'), 'utf8')) as {
      verdict: string;
      environment: { peakgateVersion: string; driver: string };
    };
    expect(['pass', 'fail']).toContain(report.verdict);
    expect(report.environment.peakgateVersion).toBe(releaseVersion);
    expect(report.environment.driver).toBe('process');
    // report.html inlines uPlot, read from the installed dependency.
    const html = readFileSync(path.join(work, 'out', 'report.html'), 'utf8');
    expect(html).toContain('uPlot');
    for (const file of ['summary.md', 'junit.xml']) expect(existsSync(path.join(work, 'out', file)), file).toBe(true);
  }, 70_000);

  it('runs the demo from the sample service inside the package (stopped after its first builds are ready)', async () => {
    const demo = await peakgate(['demo', '--driver', 'process'], 60_000, /round 1: (baseline|candidate) warming up/);
    expect(demo.stderr, explain(demo)).toContain('driver process');
    expect(demo.stderr).toMatch(/round 1: baseline ready in \d+ ms/);
    expect(demo.stderr).toMatch(/round 1: candidate ready in \d+ ms/);
    // Ctrl-C during round 1: the interrupted exit, not a missing file (3) or a usage error (2).
    expect(demo.code, explain(demo)).toBe(130);
  }, 70_000);

  it('serves the HTTP API (/healthz, /metrics) and stops on SIGINT', async () => {
    const child = spawn(bin, ['serve', '--port', '0', '--data', path.join(work, 'server-data')], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening on (http:\/\/[^\s)]+)/.exec(stderr);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        void exited.then((code) => reject(new Error(`serve exited ${code} before listening:\n${stderr}`)));
      });
      const health = await fetch(new URL('/healthz', url));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const metrics = await fetch(new URL('/metrics', url));
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# HELP');
    } finally {
      child.kill('SIGINT');
      const code = await exited;
      clearTimeout(killer);
      expect([0, 130], `serve: exit ${code}\n${stderr}`).toContain(code);
    }
  });

  it('imports an access log with replay into a scenario that validates', async () => {
    const log = Array.from(
      { length: 40 },
      (_, i) =>
        `127.0.0.1 - - [07/Dec/2026:10:00:${String(i % 60).padStart(2, '0')} +0000] "GET /items/${i} HTTP/1.1" 200 12 "-" "curl/8"`,
    ).join('\n');
    writeFileSync(path.join(work, 'access.log'), `${log}\n`);
    const replay = await peakgate(['replay', 'access.log', '--out', 'replayed.yaml']);
    expect(replay.code, explain(replay)).toBe(0);
    const validate = await peakgate(['validate', 'replayed.yaml']);
    expect(validate.code, explain(validate)).toBe(0);
  });

  it('runs with npx --yes from an empty folder', async () => {
    const npx = await npxRun;
    expect(npx.code, explain(npx)).toBe(0);
    expect(npx.stdout.trim()).toBe(releaseVersion);
  }, 120_000);

  describe.skipIf(!dockerOk && !dockerMissingInCi)(`with Docker (skipped: ${dockerSkipReason})`, () => {
    it('builds the sample images from the package with peakgate images', async () => {
      expect(dockerOk, 'CI=true but no Docker engine answers').toBe(true);
      const images = await peakgate(['images'], 180_000);
      expect(images.code, explain(images)).toBe(0);
      expect(images.stdout).toContain('peakgate/balancer:good');
      expect(images.stdout).toContain('peakgate/balancer:regressed');
      expect(images.stdout).toContain('peakgate/kv-api:good');
    }, 190_000);

    it('compares two images on the engine', async () => {
      writeFileSync(
        path.join(work, 'images.yaml'),
        [
          'name: tiny-images',
          'service: { port: 8080, ready: { http: /healthz, timeout: 20s }, resources: { cpus: 1, memory: 256m } }',
          'baseline: { image: "peakgate/balancer:good" }',
          'candidate: { image: "peakgate/balancer:regressed" }',
          'load:',
          '  warmup: { duration: 1s, rate: 50 }',
          '  phases: [{ name: hold, duration: 2s, rate: 50 }]',
          '  requests: [{ method: GET, path: "/route?key={{int 1 100}}" }]',
          'compare: { rounds: 1 }',
          '',
        ].join('\n'),
      );
      const compare = await peakgate(['compare', 'images.yaml', '--out', 'out-docker'], 90_000);
      expect([0, 1], explain(compare)).toContain(compare.code);
      const report = JSON.parse(readFileSync(path.join(work, 'out-docker', 'report.json'), 'utf8')) as {
        environment: { driver: string };
      };
      expect(report.environment.driver).toBe('docker');
    }, 100_000);

    it('runs the demo on Docker with the images it built (stopped once both builds are ready)', async () => {
      const demo = await peakgate(['demo'], 60_000, /round 1: (baseline|candidate) warming up/);
      expect(demo.stderr, explain(demo)).toContain('driver docker');
      expect(demo.stderr).toMatch(/round 1: candidate ready in \d+ ms/);
      expect(demo.code, explain(demo)).toBe(130);
    }, 70_000);
  });
});
