/**
 * Fault matrix, item 3 and 9 rows: output folders that cannot hold a report, misuse of the
 * command line. Every case must end at once with exit 2, a PG_ERR_ code and no stack trace, before
 * any service starts or any load is sent (the services here would answer; the report folder is
 * checked before them).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, root, runPeakgate } from '../cli-support.js';

let dir: string;
let scenario: string;
const service = (name: string) =>
  `node -e "require('http').createServer((q,r)=>r.end('${name}')).listen(+process.env.PORT,'127.0.0.1')"`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-out-'));
  scenario = path.join(dir, 'tiny.yaml');
  await writeFile(
    scenario,
    `name: tiny
baseline: { command: ${JSON.stringify(service('a'))} }
candidate: { command: ${JSON.stringify(service('b'))} }
service: { ready: { http: / } }
load:
  phases: [{ duration: 1s, rate: 20 }]
  requests: [{ path: / }]
compare: { rounds: 1 }
`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const compare = (...args: string[]) => runPeakgate(['compare', scenario, '--driver', 'process', ...args], 30_000);

function expectUsageError(run: Awaited<ReturnType<typeof runPeakgate>>, code: string, words: string): void {
  expect(run.code, explainRun(run)).toBe(2);
  expect(run.stderr).toContain(`[${code}]`);
  expect(run.stderr).toContain(words);
  expect(run.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  expect(run.stderr).not.toContain('starting'); // nothing started
}

describe('output folder', () => {
  it('--out under /proc fails at once (Node 20 recursive mkdir spun there forever at 100% CPU)', async () => {
    const started = Date.now();
    const run = await compare('--out', '/proc/peakgate-x/y');
    expectUsageError(run, 'PG_ERR_OUTPUT_DIR', 'output folder /proc/peakgate-x/y');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('--out naming an existing file, or a path through one', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    expectUsageError(await compare('--out', file), 'PG_ERR_OUTPUT_DIR', 'it is not a folder');
    expectUsageError(
      await compare('--out', path.join(file, 'sub')),
      'PG_ERR_OUTPUT_DIR',
      'a part of the path is a file',
    );
  });

  const mountable = process.getuid?.() === 0 && canMountTmpfs();
  it.skipIf(!mountable)(
    'a read-only folder and a nearly full disk are refused before any load (tmpfs mounts, as root)',
    async () => {
      const readOnly = path.join(dir, 'ro');
      const small = path.join(dir, 'small');
      await mkdir(readOnly);
      await mkdir(small);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', readOnly]);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', small]);
      try {
        expectUsageError(
          await compare('--out', path.join(readOnly, 'out')),
          'PG_ERR_OUTPUT_DIR',
          'read-only file system',
        );
        expectUsageError(await compare('--out', small), 'PG_ERR_OUTPUT_DIR', 'free; a run needs at least 16 MiB');
        expect(await readdir(small)).toEqual([]); // the write check leaves nothing behind
      } finally {
        execFileSync('umount', [readOnly]);
        execFileSync('umount', [small]);
      }
    },
  );
});

describe('misuse', () => {
  it('--service-cwd naming no folder is exit 2, not a bad build (exit 1)', async () => {
    const run = await runPeakgate(
      [
        'run',
        scenario,
        '--service',
        service('a'),
        '--service-cwd',
        '/nonexistent-peakgate',
        '--out',
        path.join(dir, 'misuse'),
      ],
      30_000,
    );
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain(
      "the candidate's working directory /nonexistent-peakgate does not exist [PG_ERR_OPTS_INVALID]",
    );
  });

  it('--rounds above the schema maximum (50) is refused', async () => {
    expectUsageError(await compare('--rounds', '51'), 'PG_ERR_OPTS_INVALID', 'from 1 to 50');
  });

  it("commander's usage errors carry a PG_ERR_ code", async () => {
    const run = await runPeakgate(['compare', scenario, '--no-such-flag'], 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--no-such-flag'");
    expect(run.stderr).toContain('[PG_ERR_OPTS_INVALID]');
  });

  it('stdout closed by its reader (`peakgate … --json | head -c 1`) ends writing quietly: no EPIPE crash, exit 0', async () => {
    // 5 MB through the CLI's own Output into a reader that leaves after one byte: far past a pipe buffer.
    const output = path.join(root, 'packages', 'cli', 'dist', 'output.js');
    const script = `import { processOutput } from ${JSON.stringify(output)}; for (let i = 0; i < 50; i++) processOutput.result('x'.repeat(100000)); setTimeout(() => {}, 200);`;
    const run = await new Promise<{ stderr: string }>((resolve) => {
      const child = spawn(
        'bash',
        [
          '-c',
          `node --input-type=module -e ${shellQuote(script)} | head -c 1 >/dev/null; echo "node-exit=\${PIPESTATUS[0]}" >&2`,
        ],
        { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('close', () => resolve({ stderr }));
    });
    expect(run.stderr).not.toContain('EPIPE');
    expect(run.stderr).toContain('node-exit=0');
  });
});

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function canMountTmpfs(): boolean {
  try {
    execFileSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d" && rmdir "$d"'], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}
