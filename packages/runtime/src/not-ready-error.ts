import { PeakgateError, type ServiceExit } from '@peakgate/core';

/**
 * The service exited or timed out before its readiness check passed. For a candidate this is a
 * fail verdict with evidence (`exit`), not an infrastructure error: the controller catches it.
 */
export class ServiceNotReadyError extends PeakgateError {
  readonly exit: ServiceExit;

  constructor(message: string, exit: ServiceExit) {
    super('PG_ERR_RUNTIME_NOT_READY', message, { details: exit.logTail.slice(-20) });
    this.name = 'ServiceNotReadyError';
    this.exit = exit;
  }
}

export function isServiceNotReadyError(error: unknown): error is ServiceNotReadyError {
  return error instanceof ServiceNotReadyError;
}
