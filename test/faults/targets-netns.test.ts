/**
 * Fault matrix, targets: every non-loopback form is refused before a packet is sent, counted on
 * the wire, not only read from the message. Each case runs `peakgate run --target …` inside a
 * fresh network namespace (`unshare -n -m`, as root) whose only interface is `lo`, with a route
 * that sends 192.0.2.0/24 (TEST-NET-1) out through `lo` and a private /etc/hosts bind-mounted over
 * the real one. Nothing else lives in that namespace, so `lo`'s transmit counter in
 * /proc/self/net/dev is exact: a refused run must leave it at 0. The control case, the same target
 * allowed with --allow-target, must move it (so the counter can see an attempt).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakgateBin } from '../cli-support.js';

const usable = process.getuid?.() === 0 && canUnshare();
if (!usable) console.warn('targets-netns: skipped (needs root, unshare -n -m and iproute2)');
let dir: string;
let scenario: string;
let hosts: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-netns-'));
  scenario = path.join(dir, 'tiny.yaml');
  hosts = path.join(dir, 'hosts');
  await writeFile(
    scenario,
    'name: tiny\nload:\n  timeout: 1s\n  phases: [{ duration: 1s, rate: 5 }]\n  requests: [{ path: / }]\n',
  );
  await writeFile(hosts, '127.0.0.1 localhost\n192.0.2.10 evil.localhost elsewhere.test\n127.0.0.1 loop.test\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface NetnsRun {
  exit: number;
  txPackets: number;
  stderr: string;
}

/** One `peakgate run` in a fresh namespace; returns its exit code and lo's transmitted packets. */
function runInNamespace(target: string, extra: string[] = []): Promise<NetnsRun> {
  const args = [peakgateBin, 'run', scenario, '--target', target, '--json', ...extra].map(quote).join(' ');
  const script = [
    'set -e',
    `mount --bind ${quote(hosts)} /etc/hosts`,
    'ip link set lo up',
    'ip route add 192.0.2.0/24 dev lo',
    "tx() { awk '/^ *lo:/ { print $11 }' /proc/self/net/dev; }",
    'before=$(tx)',
    'set +e',
    `${quote(process.execPath)} ${args} >/dev/null 2>"$PG_ERR_FILE"`,
    'code=$?',
    'after=$(tx)',
    'echo "exit=$code tx=$((after - before))"',
  ].join('\n');
  const errFile = path.join(dir, `stderr-${Math.random().toString(16).slice(2)}`);
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', '-m', '--', 'sh', '-c', script], {
      env: { ...process.env, PG_ERR_FILE: errFile },
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
    child.on('close', async () => {
      const match = /exit=(\d+) tx=(-?\d+)/.exec(stdout);
      if (match === null) return reject(new Error(`no result from the namespace: ${stdout}${stderr}`));
      const { readFile } = await import('node:fs/promises');
      resolve({
        exit: Number(match[1]),
        txPackets: Number(match[2]),
        stderr: await readFile(errFile, 'utf8').catch(() => ''),
      });
    });
  });
}

describe.skipIf(!usable)('targets in an isolated network namespace (packets counted on lo)', () => {
  it.each([
    ['a TEST-NET address', 'http://192.0.2.10:80/'],
    ['its decimal form', 'http://3221225994/'],
    ['its hex form', 'http://0xc000020a/'],
    ['its octal form', 'http://0300.0000.0002.0012/'],
    ['its IPv4-mapped IPv6 form', 'http://[::ffff:c000:20a]/'],
    ['a *.localhost name that resolves elsewhere', 'http://evil.localhost:8080/'],
    ['a name that resolves elsewhere', 'http://elsewhere.test/'],
  ])(
    'refuses %s with exit 2 and sends no packet',
    async (_what, target) => {
      const run = await runInNamespace(target);
      expect(run.exit, run.stderr).toBe(2);
      expect(run.stderr).toContain('[PG_ERR_TARGET_REFUSED]');
      expect(run.stderr).toMatch(/192\.0\.2\.10|::ffff:c000:20a/);
      expect(run.txPackets).toBe(0);
    },
    30_000,
  );

  it('control: the same address allowed with --allow-target does send (the counter sees attempts)', async () => {
    const run = await runInNamespace('http://192.0.2.10:80/', ['--allow-target', '192.0.2.10']);
    expect(run.txPackets, run.stderr).toBeGreaterThan(0);
    expect(run.stderr).not.toContain('PG_ERR_TARGET_REFUSED');
  }, 30_000);

  it('a name that resolves to loopback is used by its address (no refusal)', async () => {
    const run = await runInNamespace('http://loop.test:1/');
    expect(run.stderr).not.toContain('PG_ERR_TARGET_REFUSED');
  }, 30_000);
});

function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function canUnshare(): boolean {
  try {
    // Root, unshare, mount namespaces and iproute2 all needed; a machine without them skips (with a warning).
    execFileSync('unshare', ['-n', '-m', '--', 'sh', '-c', 'ip link set lo up && ip route add 192.0.2.0/24 dev lo'], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}
