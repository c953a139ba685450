/**
 * The one table of peakgate's error codes. Codes are public API: add or deprecate, never
 * renumber or reuse. Each code carries the process exit code the CLI maps it to:
 * 2 = usage or invalid scenario (the user can fix the input), 3 = infrastructure (the sandbox
 * is broken: no engine, missing image, port taken, load engine failed), 130 = interrupted.
 * A failing verdict is not an error and has no code here.
 */
export const errorCodes = {
  PG_ERR_OPTS_INVALID: { exitCode: 2, summary: 'a command-line flag or argument is missing or invalid' },
  PG_ERR_SCENARIO_READ: { exitCode: 2, summary: 'the scenario file cannot be read' },
  PG_ERR_SCENARIO_PARSE: { exitCode: 2, summary: 'the scenario file is not valid YAML or JSON' },
  PG_ERR_SCENARIO_INVALID: { exitCode: 2, summary: 'the scenario does not match the schema' },
  PG_ERR_TARGET_REFUSED: {
    exitCode: 2,
    summary: 'the load target is not loopback and was not allowed with --allow-target',
  },
  PG_ERR_RUNTIME_UNREACHABLE: { exitCode: 3, summary: 'no Docker engine answers at the configured address' },
  PG_ERR_RUNTIME_IMAGE_MISSING: { exitCode: 3, summary: 'the image is not present locally and cannot be pulled' },
  PG_ERR_RUNTIME_PORT_TAKEN: { exitCode: 3, summary: 'the port the service needs is already in use' },
  PG_ERR_RUNTIME_START: { exitCode: 3, summary: 'the service could not be created or started' },
  PG_ERR_RUNTIME_STATE_DIR: {
    exitCode: 3,
    summary: 'the private state directory for process records is unsafe (not ours, or writable by others)',
  },
  PG_ERR_RUNTIME_NOT_READY: {
    exitCode: 3,
    summary:
      'the service exited or timed out before its readiness check passed (a fail verdict when it is the candidate)',
  },
  PG_ERR_LOAD_FAILED: { exitCode: 3, summary: 'the load engine failed' },
  PG_ERR_INFRA_BASELINE: { exitCode: 3, summary: 'the baseline failed too, so the sandbox cannot judge the candidate' },
  PG_ERR_SERVER: { exitCode: 3, summary: 'the HTTP API could not start' },
  PG_ERR_INTERNAL: { exitCode: 3, summary: 'a bug in peakgate' },
  PG_ERR_INTERRUPTED: { exitCode: 130, summary: 'stopped by Ctrl-C or SIGTERM before it finished' },
} as const satisfies Record<string, { exitCode: ExitCodeForError; summary: string }>;

/** 2 usage or invalid scenario, 3 infrastructure, 130 interrupted (the shell convention for SIGINT). */
export type ExitCodeForError = 2 | 3 | 130;

export type ErrorCode = keyof typeof errorCodes;

export interface PeakgateErrorOptions {
  cause?: unknown;
  /** Extra lines shown under the message (log tails, hints). */
  details?: string[];
}

export class PeakgateError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeForError;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: PeakgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PeakgateError';
    this.code = code;
    this.exitCode = errorCodes[code].exitCode;
    this.details = options.details ?? [];
  }
}

export function isPeakgateError(error: unknown): error is PeakgateError {
  return error instanceof PeakgateError;
}
