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
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export const processOutput: Output = {
  result: writeResult,
  info: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  error: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};
