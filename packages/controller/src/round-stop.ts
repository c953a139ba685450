/**
 * Stops a round at once when the candidate fails mid-trial (a crash, an OOM kill, an error burst,
 * a breached `compare.abort_on`): loading a build that has already failed only delays the verdict,
 * and in a duet round the baseline's load is stopped too (its figures would be judged against
 * nothing). The first cause wins; both trials read it to mark their results.
 */
import type { TrialAbort } from '@peakgate/core';

export class RoundStop {
  private readonly controller = new AbortController();
  private cause: TrialAbort | undefined;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The abort that stopped the round, if one did. */
  get abort(): TrialAbort | undefined {
    return this.cause;
  }

  stop(cause: TrialAbort): void {
    if (this.cause !== undefined) return;
    this.cause = cause;
    this.controller.abort();
  }
}
