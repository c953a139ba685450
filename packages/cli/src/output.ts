/**
 * Where the CLI writes. With --json, stdout carries only the result document and everything
 * meant for people goes to stderr, so `peakgate run --json | jq` always works.
 */
import pc from 'picocolors';

export interface Output {
  /** The machine-readable result or the human summary (stdout). */
  result(text: string): void;
  /** Progress and notes for people (stderr). */
  info(text: string): void;
  /** Errors for people (stderr). */
  error(text: string): void;
}

export const processOutput: Output = {
  result: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  info: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  error: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
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
