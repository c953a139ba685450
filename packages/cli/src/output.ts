/**
 * Where the CLI writes. With --json, stdout carries only the result document and everything
 * meant for people goes to stderr, so `peakgate run --json | jq` always works.
 */
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
