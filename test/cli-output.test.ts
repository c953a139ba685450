/**
 * What the command line looks like to a person and to a CI job: help with examples on every
 * command, "did you mean" for mistyped commands and flags (exit 2), live progress bars on a
 * terminal (a pseudo-terminal from util-linux `script`) and plain lines elsewhere or with CI=true,
 * --quiet, --json keeping stdout pure JSON, NO_COLOR/FORCE_COLOR, and the GitHub step summary.
 * Comparisons are two copies of the sample balancer on the process driver, one short round.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/dist/index.js';
import {
  type CliRun,
  captureOutput,
  explainRun,
  root,
  runPeakgate,
  runPeakgateInPty,
  scriptAvailable,
} from './cli-support.js';

const BALANCER = `MODE=good node ${JSON.stringify(path.join(root, 'docker/services/balancer/dist/server.js'))}`;
const TINY = `name: tiny
service:
  ready: { http: /healthz, timeout: 20s }
load:
  warmup: { duration: 1s, rate: 50 }
  phases:
    - { name: hold, duration: 3s, rate: 80 }
  requests:
    - { method: GET, path: "/route?key={{int 1 100}}" }
  expect: { status: [200] }
compare:
  rounds: 1
  max_rounds: 1
`;
/** SGR colour sequences (ESC [ ... m); cursor movement is not colour. */
const ESC = String.fromCharCode(0x1b);
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
const pty = scriptAvailable();

let dir: string;
const compareArgs = (out: string): string[] => [
  ...['compare', path.join(dir, 'tiny.yaml'), '--driver', 'process', '--out', out],
  ...['--baseline-cmd', BALANCER, '--candidate-cmd', BALANCER],
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-cli-output-'));
  await writeFile(path.join(dir, 'tiny.yaml'), TINY);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('help and suggestions', () => {
  it('every command has examples in its help, and so has the program', async () => {
    const top = captureOutput();
    expect(await main(['--help'], top)).toBe(0);
    expect(top.stdout).toContain('Examples:\n  $ peakgate demo');
    const commands = [...(top.stdout.split('Commands:')[1] ?? '').matchAll(/^ {2}([a-z]+)/gm)]
      .map((m) => m[1] as string)
      .filter((name) => name !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['validate', 'run', 'compare', 'demo', 'report', 'reap', 'serve']));
    for (const command of commands) {
      const help = captureOutput();
      expect(await main([command, '--help'], help), command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`Examples:\\n {2}# .+\\n {2}\\$ .*peakgate ${command}\\b`));
    }
  });

  it.each([
    { argv: ['compare', 'x.yaml', '--round', '3'], hint: '(Did you mean --rounds?)' },
    { argv: ['demo', '--jsn'], hint: '(Did you mean --json?)' },
    { argv: ['comapre', 'x.yaml'], hint: '(Did you mean compare?)' },
    { argv: ['repot'], hint: '(Did you mean report?)' },
  ])('$argv.0 $argv.1: says it once with the suggestion, exit 2', async ({ argv, hint }) => {
    const output = captureOutput();
    expect(await main(argv, output)).toBe(2);
    // One line: what is wrong, the suggestion and the code; then where to look. Never twice.
    const lines = output.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^peakgate: unknown (option|command) '[a-z-]+' \(Did you mean [a-z-]+\?\) \[PG_ERR_OPTS_INVALID\]$/,
    );
    expect(lines[0]).toContain(hint);
    expect(lines[1]).toBe('(run with --help for usage)');
    expect(output.stderr).not.toContain('commander.');
    expect(output.stdout).toBe('');
  });
});

describe('a comparison in CI (not a terminal, CI=true, --json, GITHUB_STEP_SUMMARY)', () => {
  let run: CliRun;
  let summaryFile: string;
  const out = (): string => path.join(dir, 'ci-out');

  beforeAll(async () => {
    summaryFile = path.join(dir, 'step-summary.md');
    await writeFile(summaryFile, '# an earlier step\n\n');
    run = await runPeakgate([...compareArgs(out()), '--json'], 120_000, {
      env: { CI: 'true', GITHUB_STEP_SUMMARY: summaryFile, NO_COLOR: undefined, FORCE_COLOR: undefined },
    });
  }, 150_000);

  it('exits with a verdict and keeps stdout pure JSON: report.json and nothing else', async () => {
    expect([0, 1], explainRun(run)).toContain(run.code);
    expect(run.stdout.trimStart().startsWith('{')).toBe(true);
    const printed = JSON.parse(run.stdout) as { verdict: string };
    const saved = JSON.parse(await readFile(path.join(out(), 'report.json'), 'utf8')) as { verdict: string };
    expect(printed).toEqual(saved);
    expect(run.code).toBe(printed.verdict === 'pass' ? 0 : 1);
  });

  it('prints plain progress lines on stderr, without escape codes', () => {
    for (const line of [
      /^peakgate: comparing on the process driver, 1 round planned/m,
      /^round 1: baseline starting$/m,
      /^round 1: candidate ready in \d+ ms at http:\/\/127\.0\.0\.1:\d+$/m,
      /^round 1: candidate done: \d+ req, \d+ errors, p99 [\d.]+ ms/m,
    ]) {
      expect(run.stderr).toMatch(line);
    }
    expect(run.stderr).not.toContain('\x1b');
  });

  it('appends summary.md to $GITHUB_STEP_SUMMARY, keeping what earlier steps wrote', async () => {
    const summary = await readFile(summaryFile, 'utf8');
    const written = await readFile(path.join(out(), 'summary.md'), 'utf8');
    expect(summary.startsWith('# an earlier step\n\n## peakgate compare: tiny\n')).toBe(true);
    expect(summary).toContain(written);
  });

  describe('colour of the verdict (peakgate report on the saved run)', () => {
    const report = (outDir: string): string[] => ['report', out(), '--out', path.join(dir, outDir)];

    it('not a terminal: no colour; FORCE_COLOR=1: colour', async () => {
      const plain = await runPeakgate(report('plain'), 60_000, {
        env: { NO_COLOR: undefined, FORCE_COLOR: undefined },
      });
      expect(plain.stdout, explainRun(plain)).toMatch(/^(PASS|FAIL): /m);
      expect(plain.stdout).not.toMatch(SGR);
      const forced = await runPeakgate(report('forced'), 60_000, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
      expect(forced.stdout, explainRun(forced)).toMatch(SGR);
    });

    it.skipIf(!pty)('a terminal: colour; NO_COLOR=1: none, even with FORCE_COLOR', async () => {
      const coloured = await runPeakgateInPty(report('tty'), { NO_COLOR: undefined, FORCE_COLOR: undefined });
      expect(coloured.output).toMatch(SGR);
      const none = await runPeakgateInPty(report('tty-no-color'), { NO_COLOR: '1', FORCE_COLOR: '1' });
      expect(none.output).toMatch(/(PASS|FAIL): /);
      expect(none.output).not.toMatch(SGR);
    });
  });
});

describe.skipIf(!pty)(`a comparison on a terminal${pty ? '' : ' (skipped: util-linux script is missing)'}`, () => {
  it('draws live bars per side (round, phase, elapsed/total, rate, p99), then the coloured verdict', async () => {
    const run = await runPeakgateInPty(compareArgs(path.join(dir, 'tty-out')), {
      NO_COLOR: undefined,
      FORCE_COLOR: undefined,
    });
    expect([0, 1], run.output).toContain(run.code);
    const text = run.output;
    expect(text).toContain('\x1b[?25l'); // cursor hidden while bars draw...
    expect(text).toContain('\x1b[?25h'); // ...and shown again
    expect(text).toMatch(/round 1 of 1/);
    expect(text).toMatch(/baseline.{0,20} hold +[█░]+ {2}\d\/4s +\d+ req\/s {2}p99 [\d.]+ ms/);
    expect(text).toMatch(/candidate.{0,20} (hold|done) +[█░]+ {2}4\/4s/);
    expect(text).toContain('round 1: candidate done:');
    expect(text).toMatch(new RegExp(`${ESC}\\[3[12]m${ESC}\\[1m(PASS|FAIL): the candidate`));
  }, 150_000);

  it('--quiet: no progress at all, only the verdict', async () => {
    const run = await runPeakgateInPty([...compareArgs(path.join(dir, 'quiet-out')), '--quiet'], { NO_COLOR: '1' });
    expect([0, 1], run.output).toContain(run.code);
    expect(run.output).not.toContain('round 1');
    expect(run.output).not.toContain('\x1b[?25l');
    expect(run.output).not.toContain('reports:');
    expect(run.output).toMatch(/^(PASS|FAIL): the candidate/m);
  }, 150_000);
});
