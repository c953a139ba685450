/**
 * The verdict's words, shared by every renderer (report.html, summary.md, junit.xml) and the CLI's
 * verdict lines, so the same run never reads "unsafe" in one place and "not safe" in another, a
 * stop reason is a sentence and not an enum value, and a count of rounds is pluralised.
 */
import type { StopReason } from '../judge/judgement.js';
import type { Role } from '../scenario/model.js';

/**
 * One colour per side in every picture of a run (report.html's charts and bars; other renderers
 * that draw both sides use the same two).
 */
export const BASELINE_COLOR = '#1f6fb2';
export const CANDIDATE_COLOR = '#d9480f';
export const SIDE_COLORS: Readonly<Record<Role, string>> = { baseline: BASELINE_COLOR, candidate: CANDIDATE_COLOR };

/** The verdict's headline, by state: the one wording of pass, fail, error and aborted. */
export const VERDICT_HEADLINE = {
  pass: 'PASS: the candidate holds this load as well as the baseline',
  fail: 'FAIL: the candidate is not safe to release',
  error: 'ERROR: the sandbox could not judge the candidate',
  aborted: 'ABORTED: no verdict',
} as const;

export type VerdictState = keyof typeof VERDICT_HEADLINE;

/** Which headline a run gets: an infrastructure error or an abort is never a pass or a fail. */
export function verdictState(run: {
  verdict: 'pass' | 'fail' | 'aborted';
  infrastructureError?: string | undefined;
  aborted?: boolean | undefined;
}): VerdictState {
  if (run.aborted === true || run.verdict === 'aborted') return 'aborted';
  if (run.infrastructureError !== undefined) return 'error';
  return run.verdict;
}

/** "1 round", "3 rounds". */
export function roundsText(count: number): string {
  return `${count} ${count === 1 ? 'round' : 'rounds'}`;
}

/** A confidence level as a percentage with one decimal when needed: 0.95 → "95%", 0.9817 → "98.2%". */
export function percentText(confidence: number): string {
  return `${Math.round(confidence * 1000) / 10}%`;
}

/** Why a comparison ran no further round, as the end of "stopped because …". */
export function stopReasonText(reason: StopReason, verdict: 'pass' | 'fail' | 'aborted'): string {
  switch (reason) {
    case 'decided':
      return verdict === 'fail' ? 'a failure decided it' : 'every metric was decided';
    case 'outright':
      return 'an outright failure decided it';
    case 'max-rounds':
      return 'max_rounds was reached';
    case 'budget':
      return 'another round would have passed the time budget';
  }
}

/** How many looks the per-look level is corrected for: one per round from `rounds` (at least 2) to `max_rounds`. */
export function plannedLooks(plannedRounds: number, maxRounds: number): number {
  return Math.max(1, Math.floor(maxRounds) - Math.max(2, Math.floor(plannedRounds)) + 1);
}

/**
 * The confidence of the run in words, once: "95%" when each interval is at the stated level, or
 * "95% overall; each interval at 98.2% (corrected for up to 4 looks)" when the sequential rule
 * raised the per-look level (docs/judge.md).
 */
export function confidenceText(stated: number, perLook: number, looks: number): string {
  if (Math.abs(perLook - stated) < 1e-9) return percentText(stated);
  return `${percentText(stated)} overall; each interval at ${percentText(perLook)} (corrected for up to ${looks} looks)`;
}

/** Said in place of an interval that was not estimated (one trial a side: zero width). */
export const NO_INTERVAL = 'no interval';

/**
 * Which metrics have no interval, and why, for a header: "1 round: no interval for CPU per
 * request (one trial a side; an interval needs at least 2 rounds)". Names come as the renderer
 * escaped them.
 */
export function noIntervalText(rounds: number, names: readonly string[]): string {
  return `${roundsText(rounds)}: ${NO_INTERVAL} for ${names.join(', ')} (one trial a side; an interval needs at least 2 rounds)`;
}

/** A zero-width interval (lower = upper) was not estimated: it must not be shown as a confidence interval. */
export function intervalEstimated(interval: readonly [number, number]): boolean {
  return Number.isFinite(interval[0]) && Number.isFinite(interval[1]) ? interval[1] > interval[0] : true;
}

/** A metric's interval was estimated: the difference of rates for an error rate, the ratio's otherwise. */
export function metricIntervalEstimated(metric: {
  interval: readonly [number, number];
  difference?: { lower: number; upper: number } | undefined;
}): boolean {
  return metric.difference === undefined
    ? intervalEstimated(metric.interval)
    : intervalEstimated([metric.difference.lower, metric.difference.upper]);
}

/** "p99 latency (peak)", "CPU per request", "p99 latency of checkout (peak)": a metric as the verdict and every page name it. */
export function metricDisplayName(metric: {
  readonly label: string;
  readonly phase?: string | undefined;
  readonly request?: string | undefined;
}): string {
  const label = metric.request === undefined ? metric.label : `${metric.label} of ${metric.request}`;
  return metric.phase === undefined ? label : `${label} (${metric.phase})`;
}
