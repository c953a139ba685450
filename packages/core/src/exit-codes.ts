/**
 * The one table of peakgate's process exit codes. The values are a contract (docs/errors.md, the
 * design's "exit codes"): a CI job branches on them, so a value never changes and none is reused.
 * Everything else is produced from or checked against this table: the CLI picks every exit code
 * here (cli/src/main.ts, interrupt.ts), each error code's exit code is typed to be one of these
 * (errors.ts), `peakgate --help` lists them with exitCodesHelp(), and exit-codes.test.ts compares
 * docs/errors.md's exit-code table with this one both ways.
 *
 * `meaning` is the docs/errors.md row, word for word; `help` is the few words `--help` shows.
 * An interruption exits 128 + the signal's number, the shell's convention that lets a CI runner
 * tell a cancelled job (SIGTERM) from a Ctrl-C (SIGINT).
 */
export const exitCodes = {
  pass: {
    code: 0,
    help: 'pass',
    meaning: 'pass: the candidate is safe to release (or, for `run`/`validate`/`reap`, the command worked)',
  },
  fail: {
    code: 1,
    help: 'the candidate is unsafe',
    meaning: 'fail: the candidate is unsafe (regression past a limit, SLO breach, crash, OOM kill, never ready)',
  },
  usage: {
    code: 2,
    help: 'usage or invalid scenario',
    meaning: 'usage error or invalid scenario: fix the command line or the file',
  },
  infrastructure: {
    code: 3,
    help: 'the sandbox is broken',
    meaning:
      'infrastructure error: no Docker engine, image missing, port taken, load engine failed, baseline broken too',
  },
  interrupted: {
    code: 130,
    signal: 'SIGINT',
    help: 'interrupted by Ctrl-C (SIGINT)',
    meaning:
      'interrupted by Ctrl-C (SIGINT); what was measured is still printed (and, for `compare --out`, written as a report marked `aborted`), containers are removed',
  },
  terminated: {
    code: 143,
    signal: 'SIGTERM',
    help: 'by SIGTERM',
    meaning: 'the same, interrupted by SIGTERM (a CI runner cancelling the job)',
  },
  hangup: {
    code: 129,
    signal: 'SIGHUP',
    help: 'by SIGHUP',
    meaning: 'the same, interrupted by SIGHUP (the terminal that started it closed)',
  },
} as const satisfies Record<string, ExitCodeRow>;

export interface ExitCodeRow {
  code: number;
  /** The signal whose arrival ends the command with this code (128 + its number). */
  signal?: NodeJS.Signals;
  /** The few words `peakgate --help` lists. */
  help: string;
  /** The docs/errors.md row, word for word. */
  meaning: string;
}

export type ExitCodeName = keyof typeof exitCodes;
type Row<N extends ExitCodeName> = (typeof exitCodes)[N];

/** The exit code an error code can carry: usage 2, infrastructure 3, interrupted 130 (never a verdict's 0 or 1). */
export type ExitCodeForError = Row<'usage' | 'infrastructure' | 'interrupted'>['code'];

/** The signals that interrupt a command, each with its own exit code. */
export type InterruptSignal = { [N in ExitCodeName]: Row<N> extends { signal: infer S } ? S : never }[ExitCodeName];

export const interruptSignals: readonly InterruptSignal[] = Object.values(exitCodes).flatMap((row: ExitCodeRow) =>
  row.signal === undefined ? [] : [row.signal as InterruptSignal],
);

/** 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP. */
export function exitCodeForSignal(signal: InterruptSignal): number {
  const row = Object.values(exitCodes).find((candidate: ExitCodeRow) => candidate.signal === signal);
  // Unreachable while InterruptSignal is derived from the table; a plain fallback keeps it total.
  return row?.code ?? exitCodes.interrupted.code;
}

/** "0 pass, 1 the candidate is unsafe, …, 129 by SIGHUP": every code in table order, for `--help`. */
export function exitCodesHelp(): string {
  return Object.values(exitCodes)
    .map((row: ExitCodeRow) => `${row.code} ${row.help}`)
    .join(', ');
}
