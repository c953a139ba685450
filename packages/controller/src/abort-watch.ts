/**
 * Watches the candidate's per-second samples for a reason to stop the round: an error burst
 * (more than half the requests failed in each of 3 consecutive seconds) or a `compare.abort_on`
 * limit breached in each of 3 consecutive seconds. Three seconds, not one: one bad second (a GC
 * pause, a slow first connection) must not end a comparison.
 */
import type { AbortMetricName, SecondSample, TrialAbort } from '@peakgate/core';

export const ABORT_WINDOW_SECONDS = 3;
/** Share of errors in a second that counts towards an error burst. */
export const ABORT_ERROR_SHARE = 0.5;
/** Seconds with fewer requests are not judged (a ramp's first second, a closed model's stall). */
const MIN_REQUESTS_PER_SECOND = 5;

type Check = { name: AbortMetricName | 'error-burst'; limit: number; value: (s: SecondSample) => number };

export class AbortWatch {
  private readonly checks: Check[];
  private readonly streaks = new Map<string, { count: number; worst: number }>();

  constructor(abortOn: Partial<Record<AbortMetricName, number>> = {}) {
    const errorShare = (s: SecondSample) => s.errors / s.requests;
    this.checks = [{ name: 'error-burst', limit: ABORT_ERROR_SHARE, value: errorShare }];
    if (abortOn.error_rate !== undefined)
      this.checks.push({ name: 'error_rate', limit: abortOn.error_rate, value: errorShare });
    if (abortOn['latency.p50'] !== undefined)
      this.checks.push({ name: 'latency.p50', limit: abortOn['latency.p50'], value: (s) => s.p50Ms });
    if (abortOn['latency.p99'] !== undefined)
      this.checks.push({ name: 'latency.p99', limit: abortOn['latency.p99'], value: (s) => s.p99Ms });
  }

  /** Feeds one second; returns the abort (without `by` and `afterMs`) when a check has held for the window. */
  add(sample: SecondSample): Pick<TrialAbort, 'kind' | 'detail'> | undefined {
    if (sample.requests < MIN_REQUESTS_PER_SECOND) {
      this.streaks.clear();
      return undefined;
    }
    for (const check of this.checks) {
      const value = check.value(sample);
      const streak = this.streaks.get(check.name) ?? { count: 0, worst: 0 };
      if (value > check.limit)
        this.streaks.set(check.name, { count: streak.count + 1, worst: Math.max(streak.worst, value) });
      else this.streaks.delete(check.name);
      const now = this.streaks.get(check.name);
      if (now === undefined || now.count < ABORT_WINDOW_SECONDS) continue;
      const seconds = `for ${ABORT_WINDOW_SECONDS} consecutive seconds (${sample.phase} phase)`;
      if (check.name === 'error-burst')
        return {
          kind: 'error-burst',
          detail: `more than ${percent(check.limit)} errors ${seconds}, up to ${percent(now.worst)}`,
        };
      if (check.name === 'error_rate')
        return {
          kind: 'slo',
          detail: `abort_on error_rate ${percent(check.limit)} breached ${seconds}, up to ${percent(now.worst)}`,
        };
      return {
        kind: 'slo',
        detail: `abort_on ${check.name} ${check.limit} ms breached ${seconds}, up to ${Math.round(now.worst)} ms`,
      };
    }
    return undefined;
  }
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
