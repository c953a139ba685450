/**
 * The one table of peakgate's error codes. Codes are public API: add or deprecate, never
 * renumber or reuse. Each code carries the process exit code the CLI maps it to, one of the exit
 * code table's (exit-codes.ts, typed so no other value compiles):
 * 2 = usage or invalid scenario (the user can fix the input), 3 = infrastructure (the sandbox
 * is broken: no engine, missing image, port taken, load engine failed), 130 = interrupted (the CLI
 * exits 143 instead when the signal was SIGTERM, 129 for SIGHUP: exitCodeForSignal).
 * A failing verdict is not an error and has no code here.
 */
import type { ExitCodeForError } from './exit-codes.js';

export const errorCodes = {
  PG_ERR_OPTS_INVALID: { exitCode: 2, summary: 'a command-line flag or argument is missing or invalid' },
  PG_ERR_SCENARIO_READ: { exitCode: 2, summary: 'the scenario file cannot be read' },
  PG_ERR_OUTPUT_DIR: {
    exitCode: 2,
    summary:
      'the output folder cannot be made or written, or its disk is nearly full (checked before any load, and when the reports are written)',
  },
  PG_ERR_OUTPUT_UNSAFE: {
    exitCode: 2,
    summary:
      'the output folder is, holds, or is reached through a symbolic link (or holds a special file): peakgate never writes through one, --force or not',
  },
  PG_ERR_OUTPUT_FOREIGN: {
    exitCode: 2,
    summary:
      'the output folder already holds files and no marker of an earlier peakgate run (refused unless --force), or the file to write is not one peakgate wrote',
  },
  PG_ERR_OUTPUT_LOCKED: {
    exitCode: 2,
    summary: 'another peakgate run (the message names its pid) is using the output folder',
  },
  PG_ERR_SCENARIO_PARSE: { exitCode: 2, summary: 'the scenario file is not valid YAML or JSON' },
  PG_ERR_SCENARIO_INVALID: { exitCode: 2, summary: 'the scenario does not match the schema' },
  PG_ERR_SCENARIO_ENV_NOT_ALLOWED: {
    exitCode: 2,
    summary:
      'the scenario reads an environment variable ({{env NAME}}) that was not handed in with --env NAME (the same answer whether it exists or not)',
  },
  PG_ERR_SCENARIO_ENV_UNSET: {
    exitCode: 2,
    summary: 'the scenario reads an environment variable that was handed in with --env NAME but is not set',
  },
  PG_ERR_REPLAY_READ: {
    exitCode: 2,
    summary: 'peakgate replay cannot read its input (missing, unreadable, corrupt gzip or HAR)',
  },
  PG_ERR_REPLAY_EMPTY: {
    exitCode: 2,
    summary: 'peakgate replay found no usable request in its input (or in the --window)',
  },
  PG_ERR_REPLAY_SPAN: {
    exitCode: 2,
    summary:
      'peakgate replay: the recorded times span a run longer than 24 h at the chosen speed (narrow with --window)',
  },
  PG_ERR_INIT_EXISTS: {
    exitCode: 2,
    summary: 'peakgate init would overwrite a file that exists (give --force to replace it); nothing was written',
  },
  PG_ERR_INIT_PATH: {
    exitCode: 2,
    summary: 'peakgate init would write outside the repository folder or through a symbolic link; nothing was written',
  },
  PG_ERR_TARGET_REFUSED: {
    exitCode: 2,
    summary: 'the load target is not loopback and was not allowed with --allow-target',
  },
  PG_ERR_RUNTIME_UNREACHABLE: { exitCode: 3, summary: 'no Docker engine answers at the configured address' },
  PG_ERR_RUNTIME_IMAGE_MISSING: { exitCode: 3, summary: 'the image is not present locally and cannot be pulled' },
  PG_ERR_RUNTIME_IMAGE_BUILD: {
    exitCode: 3,
    summary: '`peakgate images` could not build an image (no ldd for the host node, or the engine refused the build)',
  },
  PG_ERR_RUNTIME_PORT_TAKEN: { exitCode: 3, summary: 'the port the service needs is already in use' },
  PG_ERR_RUNTIME_START: { exitCode: 3, summary: 'the service could not be created or started' },
  PG_ERR_RUNTIME_STATE_DIR: {
    exitCode: 3,
    summary: 'the private state directory for process records is unsafe (not ours, or writable by others)',
  },
  PG_ERR_RUNTIME_NO_SWARM: {
    exitCode: 3,
    summary: '--driver swarm needs an engine that is a Docker Swarm manager (`docker swarm init`)',
  },
  PG_ERR_RUNTIME_NO_STATS: {
    exitCode: 3,
    summary: "the engine cannot give a swarm task container's CPU and memory, so nothing would be judged fairly",
  },
  PG_ERR_RUNTIME_NOT_READY: {
    exitCode: 3,
    summary:
      'the service exited or timed out before its readiness check passed (a fail verdict when it is the candidate)',
  },
  PG_ERR_LOAD_FAILED: { exitCode: 3, summary: 'the load engine failed' },
  PG_ERR_LOAD_SHARD: {
    exitCode: 3,
    summary: 'a load shard (--shards) died, never started or never reported: no verdict on fewer requests than asked',
  },
  PG_ERR_INFRA_BASELINE: { exitCode: 3, summary: 'the baseline failed too, so the sandbox cannot judge the candidate' },
  PG_ERR_SERVER: { exitCode: 3, summary: 'the HTTP API could not start' },
  PG_ERR_SERVER_LISTEN: {
    exitCode: 3,
    summary: 'peakgate serve or --metrics-port could not listen on its host and port (taken, or no such address)',
  },
  PG_ERR_SERVER_TOKEN_REQUIRED: {
    exitCode: 2,
    summary: 'peakgate serve was asked to bind a non-loopback host without a token (PEAKGATE_TOKEN or --token-file)',
  },
  PG_ERR_SERVER_DATA: { exitCode: 3, summary: 'the server data directory cannot be read or written' },
  PG_ERR_SERVER_UNAUTHORIZED: { exitCode: 2, summary: 'HTTP 401: the bearer token is missing or wrong' },
  PG_ERR_SERVER_REQUEST_INVALID: {
    exitCode: 2,
    summary: 'HTTP 400: the request does not match the route schema or the API rules (the field is named)',
  },
  PG_ERR_SERVER_NOT_FOUND: { exitCode: 2, summary: 'HTTP 404: no such run, report or route' },
  PG_ERR_SERVER_CONFLICT: {
    exitCode: 2,
    summary: 'HTTP 409: the run has already ended, or its report is not written yet',
  },
  PG_ERR_SERVER_BODY_TOO_LARGE: { exitCode: 2, summary: 'HTTP 413: the request body is over the size limit' },
  PG_ERR_SERVER_SHUTTING_DOWN: {
    exitCode: 3,
    summary: 'HTTP 503: the server is shutting down and accepts no new runs',
  },
  PG_ERR_INTERNAL: { exitCode: 3, summary: 'a bug in peakgate' },
  PG_ERR_INTERRUPTED: {
    exitCode: 130,
    summary: 'stopped by Ctrl-C (exit 130) or SIGTERM (exit 143) before it finished',
  },
} as const satisfies Record<string, { exitCode: ExitCodeForError; summary: string }>;

/** Typed from the one exit-code table: a row here can only carry 2, 3 or 130 (exit-codes.ts). */
export type { ExitCodeForError };

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
