/**
 * Where the CLI writes. With --json, stdout carries only the result document and everything
 * meant for people goes to stderr, so `peakgate run --json | jq` always works.
 */
import { maskSecrets } from '@peakgate/core';
import pc from 'picocolors';
import { terminalText } from './terminal-text.js';

export interface Output {
  /** The machine-readable result or the human summary (stdout). */
  result(text: string): void;
  /** Progress and notes for people (stderr). */
  info(text: string): void;
  /** Errors for people (stderr). */
  error(text: string): void;
}

/**
 * stdout closed by its reader (`peakgate validate --json … | head`) is not an error of ours: stop
 * writing to it and let the command finish with its own exit code. Without this listener the
 * EPIPE arrives as an unhandled 'error' event and kills the process with a stack trace.
 */
let stdoutClosed = false;
let watchingStdout = false;

function writeResult(text: string): void {
  if (!watchingStdout) {
    watchingStdout = true;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') stdoutClosed = true;
      else throw error;
    });
  }
  if (stdoutClosed) return;
  process.stdout.write(forTerminal(text.endsWith('\n') ? text : `${text}\n`, process.stdout));
}

/**
 * The output boundary: every line the CLI prints leaves through here, so text from the scenario or
 * a service cannot drive the terminal or a CI runner (terminal-text.ts). Colour sequences are kept
 * only when this stream has colour on, i.e. when they can only be ours.
 */
function forTerminal(text: string, stream: { isTTY?: boolean }): string {
  // Values handed in with --env are masked before escaping, so an escape never hides one from the mask.
  return terminalText(maskSecrets(text), { keepColors: colorEnabled(stream) });
}

const writeStderr = (text: string): void => {
  process.stderr.write(forTerminal(text.endsWith('\n') ? text : `${text}\n`, process.stderr));
};

export const processOutput: Output = {
  result: writeResult,
  info: writeStderr,
  error: writeStderr,
};

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Whether to colour what goes to `stream`, decided in one place for every command:
 * NO_COLOR (any non-empty value, no-color.org) wins, then FORCE_COLOR (anything but "0" or
 * "false"), then colour only on a terminal that is not `TERM=dumb`. Read at call time, so a
 * test or a wrapper can set the environment.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** picocolors with colour on or off for `stream` (see colorEnabled). */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colors {
  return pc.createColors(colorEnabled(stream, env));
}
