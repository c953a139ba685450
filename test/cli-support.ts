/** Runs the built `peakgate` CLI as a real process or in-process, the way CI jobs and users run it. */
import { spawn } from 'node:child_process';
import path from 'node:path';
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
  options: { interruptAfterMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    // Vitest sets MODE=test; the sample balancer reads MODE (good, regressed, ...) and refuses "test".
    const env = { ...process.env };
    delete env.MODE;
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
