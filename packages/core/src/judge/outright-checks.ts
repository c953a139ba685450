/**
 * Checks that fail a side outright, whatever the statistics say: never ready, crashed, OOM-killed,
 * an error-rate SLO breach (or mostly errors without one), or a burst of errors (k6#2379: a
 * service that dies in the last 10 s shows as a few % errors over the whole run, so errors are
 * also read in short windows). Findings are data; describeReason words them.
 */

import type { CompareSpec, Role } from '../scenario/model.js';
import type { TrialResult } from '../trial.js';
import type { ErrorCount, OutrightFinding } from './finding.js';

export interface OutrightOptions {
  /** Length of the sliding error window, seconds. */
  burstSeconds: number;
  /** Error share in a window that counts as a burst. */
  burstErrorRate: number;
  /** Overall error share past which a side is broken even without an SLO. */
  brokenErrorRate: number;
}

export const DEFAULT_OUTRIGHT_OPTIONS: OutrightOptions = { burstSeconds: 5, burstErrorRate: 0.5, brokenErrorRate: 0.5 };

/** A trial cut short because the other side failed mid-trial is no evidence against its own build. */
function cutShortByOther(trial: TrialResult): boolean {
  return trial.abort !== undefined && trial.abort.by !== trial.role;
}

function trialFindings(trial: TrialResult, options: OutrightOptions): OutrightFinding[] {
  const { role, round, exit } = trial;
  const logTail = exit.logTail.slice(-10);
  if (cutShortByOther(trial)) return [];
  if (!exit.ready || trial.load === null) {
    return [{ kind: 'not-ready', role, round, logTail, ...(exit.message ? { detail: exit.message } : {}) }];
  }
  const findings: OutrightFinding[] = [];
  if (exit.oomKilled) {
    const peak = trial.service ? { memoryPeakBytes: trial.service.memoryPeakBytes } : {};
    findings.push({ kind: 'oom-killed', role, round, logTail, ...peak });
  } else if (exit.crashed) {
    findings.push({ kind: 'crashed', role, round, logTail, exitCode: exit.exitCode });
  }
  const abort = trial.abort;
  if (abort !== undefined && (abort.kind === 'error-burst' || abort.kind === 'slo')) {
    findings.push({
      kind: 'aborted',
      role,
      round,
      logTail,
      cause: abort.kind,
      detail: abort.detail,
      afterMs: abort.afterMs,
    });
  }
  const burst = worstErrorWindow(trial, options.burstSeconds);
  if (burst && burst.rate >= options.burstErrorRate) {
    findings.push({
      kind: 'error-burst',
      role,
      round,
      logTail,
      errorRate: burst.rate,
      windowSeconds: options.burstSeconds,
      fromSecond: burst.from,
      toSecond: burst.to,
      phase: burst.phase,
    });
  }
  return findings;
}

interface ErrorWindow {
  rate: number;
  from: number;
  to: number;
  phase: string;
}

/** The sliding window (by whole seconds) with the highest error share; windows under 10 requests are ignored. */
export function worstErrorWindow(trial: TrialResult, windowSeconds: number): ErrorWindow | undefined {
  const series = [...(trial.load?.series ?? [])].sort((a, b) => a.second - b.second);
  let worst: ErrorWindow | undefined;
  for (let start = 0; start < series.length; start++) {
    const first = series[start];
    if (!first) continue;
    let requests = 0;
    let errors = 0;
    let last = first;
    for (let k = start; k < series.length; k++) {
      const sample = series[k];
      if (!sample || sample.second >= first.second + windowSeconds) break;
      requests += sample.requests;
      errors += sample.errors;
      last = sample;
    }
    if (last.second - first.second + 1 < windowSeconds || requests < 10) continue;
    const rate = errors / requests;
    if (!worst || rate > worst.rate) worst = { rate, from: first.second, to: last.second + 1, phase: first.phase };
  }
  return worst;
}

/** Errors and requests of a side, summed over its trials. */
export function sideErrors(trials: readonly TrialResult[]): ErrorCount {
  let errors = 0;
  let total = 0;
  for (const trial of trials) {
    if (cutShortByOther(trial)) continue;
    errors += trial.load?.requests.errors ?? 0;
    total += trial.load?.requests.total ?? 0;
  }
  return { errors, total };
}

/** Findings for one side: per trial, then the side's overall error rate against the SLO. */
export function outrightFindings(
  role: Role,
  trials: readonly TrialResult[],
  spec: CompareSpec,
  options: OutrightOptions = DEFAULT_OUTRIGHT_OPTIONS,
): OutrightFinding[] {
  const findings = trials.flatMap((trial) => trialFindings(trial, options));
  const { errors, total } = sideErrors(trials);
  if (total > 0) {
    const rate = errors / total;
    const slo = spec.slo.error_rate;
    if (slo !== undefined && rate > slo) {
      findings.push({ kind: 'error-slo', role, logTail: [], errors, total, slo });
    } else if (rate >= options.brokenErrorRate) {
      findings.push({ kind: 'mostly-errors', role, logTail: [], errors, total });
    }
  } else if (trials.some((t) => !cutShortByOther(t)) && trials.every((trial) => trial.load !== null)) {
    findings.push({ kind: 'no-data', role, logTail: [] });
  }
  return findings;
}
