/**
 * Shared by the release tests (ship-package, ship-image): the release tarball (`pnpm pack:release`,
 * made again from the built packages so it is this checkout's code), a child environment with
 * nothing of the workspace in it, and a bounded process runner.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');
export const releaseVersion = (
  JSON.parse(readFileSync(path.join(root, 'packages/cli/package.json'), 'utf8')) as {
    version: string;
  }
).version;

/**
 * Packs peakgate-<version>.tgz from the compiled packages (`pnpm test` has built them) into outDir,
 * not the checkout's dist/, which another test or a person may be reading; returns its path.
 */
export function packRelease(outDir: string): string {
  const script = path.join(root, 'scripts/pack-release.mjs');
  const out = execFileSync(process.execPath, [script, '--skip-build', '--out', outDir], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').at(-1) ?? '';
}

/** Variables a child may keep: how to reach the npm registry (proxy, CA), the engine, CI. */
const PASS_THROUGH =
  /^(https?_proxy|no_proxy|all_proxy|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|DOCKER_HOST|CI|npm_config_registry)$/i;

/**
 * An environment as a fresh user's: HOME and npm's cache inside `dir`, PATH without any folder of
 * this checkout (pnpm and vitest put node_modules/.bin there), no npm_config_* or pnpm variables
 * from the test runner, no MODE (vitest's; the sample balancer reads MODE).
 */
export function freshEnv(dir: string, extraPath: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (PASS_THROUGH.test(key)) env[key] = value;
  const inCheckout = (entry: string) =>
    path.resolve(entry).startsWith(`${root}${path.sep}`) || path.resolve(entry) === root;
  const pathEntries = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => entry !== '' && !inCheckout(entry));
  return {
    ...env,
    PATH: [...extraPath, ...pathEntries].join(path.delimiter),
    HOME: path.join(dir, 'home'),
    LANG: 'C.UTF-8',
    npm_config_cache: path.join(dir, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_loglevel: 'error',
  };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const explain = (run: Run): string =>
  `exit ${run.code}${run.signal ? ` (${run.signal})` : ''}\n--- stdout\n${run.stdout.slice(-4000)}\n--- stderr\n${run.stderr.slice(-4000)}`;

/**
 * Runs `command args` (killed with SIGKILL after timeoutMs). `interruptWhen`: sends one SIGINT as
 * soon as stderr matches it (a Ctrl-C at a known point).
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; interruptWhen?: RegExp },
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.interruptWhen !== undefined && !interrupted && options.interruptWhen.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A tiny HTTP build for the process driver: answers /healthz, burns `spin` loop turns per request. */
export function tinyServer(spin: number): string {
  return `import http from 'node:http';
const spin = ${spin};
http.createServer((req, res) => {
  let x = 0;
  for (let i = 0; i < spin; i++) x += Math.sqrt(i);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: true, x: x > 0 }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
}
