/**
 * Every command's flags → outcome → exit code, as one table. The rows run the CLI in-process
 * through `main(argv, output)` with a capturing Output (fast: no process start per row); rows that
 * start services use the process driver with commands that fail at once or a tiny load. The row
 * that needs a real Ctrl-C spawns the built CLI. compare's pass/fail on real builds and the demo
 * are end to end in compare-e2e.test.ts (exit codes 0 and 1 with reports).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/dist/index.js';
import { captureOutput, explainRun, root, runPeakgate } from './cli-support.js';
import { startFastify, type TestServer } from './fixtures/servers.js';

/** A build that exits before it is ready: evidence of a bad build, never a broken sandbox. */
const DIES_AT_ONCE = `node -e "console.log('no config found'); process.exit(1)"`;
// Vitest sets MODE=test, which the sample balancer refuses: say which build it is.
const BALANCER = `MODE=good node ${JSON.stringify(path.join(root, 'docker/services/balancer/dist/server.js'))}`;

/** `compare` of two commands on the process driver, reports in `out`. */
const compareCommands = (baseline: string, candidate: string, out: string): string[] => [
  ...['compare', '{dir}/tiny.yaml', '--driver', 'process', '--out', out],
  ...['--baseline-cmd', baseline, '--candidate-cmd', candidate],
];

interface Row {
  /** What the row shows. */
  name: string;
  /** Arguments after `peakgate`; `{dir}` and `{url}` are replaced at run time. */
  argv: string[];
  /** The command's outcome, or the error code (or commander usage error) it ends with. */
  outcome: 'done' | 'pass' | 'fail' | 'bad-build' | 'usage' | `PG_ERR_${string}`;
  exit: 0 | 1 | 2 | 3;
  /** Text that must be on stdout or stderr. */
  stdout?: string;
  stderr?: string;
}

const rows: Row[] = [
  { name: 'help', argv: ['--help'], outcome: 'done', exit: 0, stdout: 'Usage: peakgate' },
  { name: 'help of a command', argv: ['compare', '--help'], outcome: 'done', exit: 0, stdout: '--baseline-cmd' },
  { name: 'no command', argv: [], outcome: 'usage', exit: 2, stderr: 'Usage: peakgate' },
  { name: 'unknown command', argv: ['frobnicate'], outcome: 'usage', exit: 2, stderr: "unknown command 'frobnicate'" },
  {
    name: 'unknown flag',
    argv: ['validate', '--frob', 'scenarios/balancer-peak.yaml'],
    outcome: 'usage',
    exit: 2,
    stderr: "unknown option '--frob'",
  },
  {
    name: 'validate: a valid scenario',
    argv: ['validate', 'scenarios/balancer-peak.yaml'],
    outcome: 'done',
    exit: 0,
    stdout: 'is valid',
  },
  { name: 'validate: no file', argv: ['validate'], outcome: 'usage', exit: 2, stderr: 'missing required argument' },
  {
    name: 'validate: a missing file',
    argv: ['validate', 'scenarios/no-such.yaml'],
    outcome: 'PG_ERR_SCENARIO_READ',
    exit: 2,
  },
  {
    name: 'validate: an invalid file',
    argv: ['validate', '{dir}/bad.yaml'],
    outcome: 'PG_ERR_SCENARIO_INVALID',
    exit: 2,
  },
  {
    name: 'run: neither --target nor --service',
    argv: ['run', '{dir}/tiny.yaml'],
    outcome: 'PG_ERR_OPTS_INVALID',
    exit: 2,
    stderr: '--service REF',
  },
  {
    name: 'run: a non-loopback target',
    argv: ['run', '{dir}/tiny.yaml', '--target', 'http://192.0.2.10:8080'],
    outcome: 'PG_ERR_TARGET_REFUSED',
    exit: 2,
  },
  {
    name: 'run: a bad --workers',
    argv: ['run', '{dir}/tiny.yaml', '--target', '{url}', '--workers', '0'],
    outcome: 'PG_ERR_OPTS_INVALID',
    exit: 2,
  },
  {
    name: 'run: --out without --service',
    argv: ['run', '{dir}/tiny.yaml', '--target', '{url}', '--out', '{dir}'],
    outcome: 'PG_ERR_OPTS_INVALID',
    exit: 2,
    stderr: '--out needs --service',
  },
  {
    name: 'run: a target that answers',
    argv: ['run', '{dir}/tiny.yaml', '--target', '{url}', '--workers', '1', '--json'],
    outcome: 'done',
    exit: 0,
    stdout: '"interrupted": false',
  },
  {
    name: 'run: an unknown driver',
    argv: ['run', '{dir}/tiny.yaml', '--service', 'x', '--driver', 'podman'],
    outcome: 'PG_ERR_OPTS_INVALID',
    exit: 2,
    stderr: '--driver: expected docker, swarm or process',
  },
  {
    name: 'run: a build that never gets ready',
    argv: ['run', '{dir}/tiny.yaml', '--service', DIES_AT_ONCE, '--driver', 'process', '--out', '{dir}/bad-build'],
    outcome: 'bad-build',
    exit: 1,
    stderr: 'no config found',
  },
  {
    name: 'compare: an image and a command',
    argv: ['compare', '{dir}/tiny.yaml', '--baseline', 'shop:1', '--candidate-cmd', 'node x.js'],
    outcome: 'PG_ERR_OPTS_INVALID',
    exit: 2,
  },
  {
    name: 'compare: a bad --rounds',
    argv: ['compare', '{dir}/tiny.yaml', '--baseline-cmd', 'a', '--candidate-cmd', 'b', '--rounds', '0'],
    outcome: 'PG_ERR_OPTS_INVALID',
    exit: 2,
  },
  {
    name: 'compare: a candidate that never gets ready',
    argv: compareCommands(BALANCER, DIES_AT_ONCE, '{dir}/fail'),
    outcome: 'fail',
    exit: 1,
    stdout: 'FAIL',
  },
  {
    name: 'compare: a baseline that is broken too',
    argv: compareCommands(DIES_AT_ONCE, DIES_AT_ONCE, '{dir}/infra'),
    outcome: 'PG_ERR_INFRA_BASELINE',
    exit: 3,
    stdout: 'ERROR: the sandbox could not judge',
  },
  {
    name: 'demo: an unknown driver',
    argv: ['demo', '--driver', 'podman'],
    outcome: 'PG_ERR_OPTS_INVALID',
    exit: 2,
  },
  { name: 'reap', argv: ['reap', '--json'], outcome: 'done', exit: 0, stdout: '"containers"' },
];

describe('peakgate commands: flags → outcome → exit code', () => {
  let dir: string;
  let server: TestServer;
  beforeAll(async () => {
    server = await startFastify();
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-cli-table-'));
    await writeFile(
      path.join(dir, 'tiny.yaml'),
      [
        'name: cli-table',
        'service:',
        '  ready: { http: /healthz, timeout: 10s }',
        'load:',
        '  phases:',
        '    - { name: hold, duration: 1s, rate: 20 }',
        '  requests:',
        '    - { path: "/route?key={{int 1 9}}" }',
        'compare:',
        '  rounds: 1',
        '  max_rounds: 1',
        '',
      ].join('\n'),
    );
    await writeFile(path.join(dir, 'bad.yaml'), 'name: bad\nload:\n  phases: []\n  requests: []\n');
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(rows)(
    '$name → $outcome → exit $exit',
    async (row) => {
      const argv = row.argv.map((arg) => arg.replaceAll('{dir}', dir).replaceAll('{url}', server.url));
      const output = captureOutput();
      const exit = await main(argv, output);
      const explain = `exit ${exit}\n--- stdout\n${output.stdout}\n--- stderr\n${output.stderr}`;
      expect(exit, explain).toBe(row.exit);
      if (row.outcome.startsWith('PG_ERR_')) expect(output.stderr, explain).toContain(`[${row.outcome}]`);
      if (row.stdout !== undefined) expect(output.stdout, explain).toContain(row.stdout);
      if (row.stderr !== undefined) expect(output.stderr, explain).toContain(row.stderr);
      // Errors are one line with their code, never a stack trace.
      if (row.exit !== 0) expect(output.stderr, explain).not.toMatch(/\n\s+at /);
    },
    60_000,
  );

  it('--version prints the CLI package version', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'packages/cli/package.json'), 'utf8')) as {
      version: string;
    };
    const output = captureOutput();
    expect(await main(['--version'], output)).toBe(0);
    expect(output.stdout).toBe(`${manifest.version}\n`);
  });

  it('run: Ctrl-C during the load → interrupted → exit 130, with the partial figures', async () => {
    const long = path.join(dir, 'long.yaml');
    await writeFile(
      long,
      (await readFile(path.join(dir, 'tiny.yaml'), 'utf8')).replace(
        'duration: 1s, rate: 20',
        'duration: 30s, rate: 20',
      ),
    );
    const run = await runPeakgate(['run', long, '--target', server.url, '--workers', '1', '--json'], 30_000, {
      interruptAfterMs: 2_500,
    });
    expect(run.code, explainRun(run)).toBe(130);
    const result = JSON.parse(run.stdout) as { interrupted: boolean; requests: { total: number } };
    expect(result.interrupted).toBe(true);
    expect(result.requests.total).toBeGreaterThan(0);
    expect(result.requests.total).toBeLessThan(20 * 30);
  }, 40_000);
});
