/** Runs the built `peakgate` CLI as a real process or in-process, the way CI jobs and users run it. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeEach } from 'vitest';
import type { Output } from '../packages/cli/dist/index.js';

export const root = path.resolve(import.meta.dirname, '..');
export const peakgateBin = path.join(root, 'packages', 'cli', 'bin', 'peakgate.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/**
 * Spawns `peakgate ...args` from the repository root; resolves when it exits (killed after
 * timeoutMs). With `interruptAfterMs`, sends it one SIGINT (a Ctrl-C) after that long.
 */
export function runPeakgate(
  args: readonly string[],
  timeoutMs = 180_000,
  options: { interruptAfterMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    // Vitest sets MODE=test; the sample balancer reads MODE (good, regressed, ...) and refuses "test".
    const env = { ...process.env };
    delete env.MODE;
    // Set keys from options.env; a key set to undefined is removed.
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const child = spawn(process.execPath, [peakgateBin, ...args], {
      cwd: root,
      env,
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
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const interrupt =
      options.interruptAfterMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGINT'), options.interruptAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(interrupt);
      resolve({ code, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

/** The exit code and both streams, for assertion messages. */
export const explainRun = (run: CliRun): string =>
  `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** What an in-process `main(argv, output)` call printed, stream by stream. */
export interface CapturedOutput extends Output {
  stdout: string;
  stderr: string;
}

/** An Output that keeps everything the CLI prints, for in-process runs of `main`. */
export function captureOutput(): CapturedOutput {
  const captured: CapturedOutput = {
    stdout: '',
    stderr: '',
    result: (text) => {
      captured.stdout += text.endsWith('\n') ? text : `${text}\n`;
    },
    info: (text) => {
      captured.stderr += text.endsWith('\n') ? text : `${text}\n`;
    },
    error: (text) => {
      captured.stderr += text.endsWith('\n') ? text : `${text}\n`;
    },
  };
  return captured;
}

/** Whether util-linux `script` is here to give the CLI a pseudo-terminal. */
export const scriptAvailable = (): boolean => ['/usr/bin/script', '/bin/script'].some((file) => existsSync(file));

const shellQuote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `peakgate ...args` on a pseudo-terminal (util-linux `script`), the way a person at a
 * terminal sees it: stdout and stderr are both the terminal, so `output` holds both, with every
 * escape sequence. `env` as in runPeakgate (CI is removed unless given: a terminal run is not CI).
 */
export function runPeakgateInPty(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
  options: { columns?: number; cwd?: string } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', COLUMNS: '140', LINES: '40' };
    delete childEnv.MODE;
    delete childEnv.CI;
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete childEnv[key];
      else childEnv[key] = value;
    }
    const peakgate = [process.execPath, peakgateBin, ...args].map(shellQuote).join(' ');
    // `columns`: the pseudo-terminal's own size, set inside it (stty), as a terminal window has one.
    const command =
      options.columns === undefined ? peakgate : `stty cols ${options.columns} rows 40 && exec ${peakgate}`;
    // -q quiet, -f flush, -e return the child's exit code, -c run this command; the typescript goes to /dev/null.
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: options.cwd ?? root,
      env: childEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    // Decoded as a stream: a box-drawing character split across two chunks stays one character.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code, output });
    });
  });
}

/**
 * Options for an end-to-end verdict test: a whole comparison on a shared 2-core VM, judged A/A or
 * against a regressed build. A stall that hits both sides at once can make a correct gate say
 * "cannot judge" (the baseline's errors over the SLO) or leave a regression marginal; seen in CI
 * at 7806d92, where one round's p99 reached 0.8 s on both sides of an A/A. Such a test gets one
 * more attempt. A bug fails both; bench/calibrate, not CI, measures how often the gate errs.
 * Behaviour tests (crashes, refusals, interrupts) get none.
 */
export const VERDICT_TESTS = { retry: 1 } as const;

/**
 * Call once at the top of a file with VERDICT_TESTS: prints every failed attempt of a test that
 * may be retried, with its cause, so a pass on the second attempt still shows in the CI log why
 * the first one failed.
 */
export function printFailedAttempts(): void {
  beforeEach((context) => {
    context.onTestFailed(({ task }) => {
      if (!task.retry) return;
      const attempt = (task.result?.retryCount ?? 0) + 1;
      const cause = task.result?.errors?.[0]?.message ?? 'no message';
      console.warn(`attempt ${attempt} of "${task.name}" failed:\n${cause.slice(0, 4000)}`);
    });
  });
}
