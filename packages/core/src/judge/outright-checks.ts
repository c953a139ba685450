/**
 * Checks that fail a side outright, whatever the statistics say: never ready, crashed, OOM-killed,
 * an error-rate SLO breach, or a burst of errors (k6#2379: a service that dies in the last 10 s
 * shows as a few % errors over the whole run, so errors are also read in short windows).
 */

import { formatValue } from '../report/format.js';
import type { CompareSpec, Role } from '../scenario-model.js';
import type { TrialResult } from '../trial.js';
import type { OutrightFinding } from './judgement.js';

export interface OutrightOptions {
  /** Length of the sliding error window, seconds. */
  burstSeconds: number;
  /** Error share in a window that counts as a burst. */
  burstErrorRate: number;
  /** Overall error share past which a side is broken even without an SLO. */
  brokenErrorRate: number;
}

export const DEFAULT_OUTRIGHT_OPTIONS: OutrightOptions = { burstSeconds: 5, burstErrorRate: 0.5, brokenErrorRate: 0.5 };

/** The last non-empty lines of a log tail, joined to fit in one reason. */
export function lastLogLines(logTail: readonly string[], lines = 3, maxChars = 300): string {
  const text = logTail
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .map((line) => line.trim())
    .join(' | ');
  return text.length > maxChars ? `…${text.slice(text.length - maxChars + 1)}` : text;
}

function withLog(message: string, trial: TrialResult): string {
  const tail = lastLogLines(trial.exit.logTail);
  return tail === '' ? message : `${message}: ${tail}`;
}

function trialFindings(trial: TrialResult, options: OutrightOptions): OutrightFinding[] {
  const { role, round, exit } = trial;
  const logTail = exit.logTail.slice(-10);
  const findings: OutrightFinding[] = [];
  const detail = exit.message ? ` (${exit.message})` : '';
  if (!exit.ready || trial.load === null) {
    findings.push({
      role,
      round,
      kind: 'not-ready',
      logTail,
      message: withLog(`${role} never became ready in round ${round}${detail}`, trial),
    });
    return findings;
  }
  if (exit.oomKilled) {
    const peak = trial.service ? `, peak ${formatValue(trial.service.memoryPeakBytes, 'bytes')}` : '';
    findings.push({
      role,
      round,
      kind: 'oom-killed',
      logTail,
      message: withLog(`${role} was OOM-killed in round ${round}${peak}`, trial),
    });
  } else if (exit.crashed) {
    const code = exit.exitCode === null ? 'killed by a signal' : `exit ${exit.exitCode}`;
    findings.push({
      role,
      round,
      kind: 'crashed',
      logTail,
      message: withLog(`${role} crashed (${code}) in round ${round}`, trial),
    });
  }
  const burst = worstErrorWindow(trial, options.burstSeconds);
  if (burst && burst.rate >= options.burstErrorRate) {
    findings.push({
      role,
      round,
      kind: 'error-burst',
      logTail,
      message: withLog(
        `${role} answered ${(burst.rate * 100).toFixed(0)}% errors for ${options.burstSeconds} s (seconds ${burst.from}-${burst.to}, phase ${burst.phase}) in round ${round}`,
        trial,
      ),
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

function sideErrors(trials: readonly TrialResult[]): { errors: number; total: number } {
  let errors = 0;
  let total = 0;
  for (const trial of trials) {
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
      findings.push({
        role,
        kind: 'error-slo',
        logTail: [],
        message: `${role} error rate ${formatValue(rate, 'ratio')} (${errors} of ${total} requests) is above the SLO ${formatValue(slo, 'ratio')}`,
      });
    } else if (rate >= options.brokenErrorRate) {
      findings.push({
        role,
        kind: 'error-slo',
        logTail: [],
        message: `${role} answered ${formatValue(rate, 'ratio')} errors (${errors} of ${total} requests)`,
      });
    }
  } else if (trials.length > 0 && trials.every((trial) => trial.load !== null)) {
    findings.push({ role, kind: 'no-data', logTail: [], message: `${role} completed no requests in any trial` });
  }
  return findings;
}
