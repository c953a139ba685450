/**
 * The one place a finding becomes text: the verdict's reasons, a metric's reason, report.json's
 * `reasons` and the findings' `message`, the CLI's lines. Renderers that need a finding's parts
 * (a heading without the log lines) ask for them here instead of cutting the text apart.
 */
import type { ChangeFinding, Finding, OutrightFinding, SloFinding } from '../judge/finding.js';
import { formatChange, formatInterval, formatLimit, formatValue } from './format.js';
import { intervalEstimated, NO_INTERVAL, percentText, roundsText } from './verdict-wording.js';

export interface DescribeOptions {
  /** Append the last lines of the service log to trial findings. Default true. */
  logLines?: boolean;
}

/** The last non-empty lines of a log tail, joined to fit in one reason. */
export function lastLogLines(logTail: readonly string[], lines = 3, maxChars = 300): string {
  const text = logTail
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .map((line) => line.trim())
    .join(' | ');
  return text.length > maxChars ? `…${text.slice(text.length - maxChars + 1)}` : text;
}

// One decimal when needed: a look's corrected level (98.8%) must not read as 99% or 98%.
const percent = percentText;
const where = (phase: string | undefined): string => (phase === undefined ? '' : ` in phase ${phase}`);
/** "p99 latency of checkout": a metric judged on one request name names it. */
const subject = (finding: { label: string; request?: string }): string =>
  finding.request === undefined ? finding.label : `${finding.label} of ${finding.request}`;
const points = (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(2)} points`;

function describeErrorRate(finding: ChangeFinding, rates: NonNullable<ChangeFinding['errorRates']>): string {
  const { baseline, candidate, difference } = rates;
  const from = formatValue(finding.baseline, 'ratio');
  const to = formatValue(finding.candidate, 'ratio');
  const head =
    finding.kind === 'limit'
      ? `${subject(finding)} jumped from ${from} to ${to} (${candidate.errors} of ${candidate.total} requests; baseline ${baseline.errors} of ${baseline.total})`
      : `${subject(finding)} rose from ${from} to ${to}, not with ${percent(finding.confidence)} confidence`;
  const interval = intervalEstimated([difference.lower, difference.upper])
    ? `CI ${points(difference.lower)}..${points(difference.upper)}`
    : NO_INTERVAL;
  const detail = `${points(difference.estimate)}, ${interval}, floor ${points(rates.floor).slice(1)}`;
  return `${head} (${detail})`;
}

function describeChange(finding: ChangeFinding): string {
  if (finding.errorRates) return describeErrorRate(finding, finding.errorRates);
  const floorNote = finding.floor === undefined ? '' : `, floor ${formatValue(finding.floor, finding.unit)}`;
  const confidence = percent(finding.confidence);
  // A zero-width interval (one trial a side) was not estimated: say so instead of "CI +8%..+8%".
  const interval = intervalEstimated(finding.interval)
    ? `CI ${formatInterval(finding.interval)} at ${confidence}`
    : NO_INTERVAL;
  const head = `${subject(finding)} ${formatChange(finding.change)} (${interval}, limit ${formatLimit(finding.limit, finding.direction)}${floorNote})${where(finding.phase)}`;
  const values = `${formatValue(finding.baseline, finding.unit)} → ${formatValue(finding.candidate, finding.unit)}`;
  return finding.kind === 'limit'
    ? `${head}: ${values}`
    : `${head}: ${values}; past the limit but not with ${confidence} confidence`;
}

function describeSlo(finding: SloFinding): string {
  const observed = formatValue(finding.observed, finding.unit);
  const slo = formatValue(finding.slo, finding.unit);
  if (finding.scope === 'worst-trial')
    return `${subject(finding)} ${observed} in a candidate trial is above the SLO ${slo}`;
  const side = finding.direction === 'lower-is-better' ? 'above' : 'below';
  const also =
    finding.baselineAlsoMisses === undefined
      ? ''
      : ` (the baseline misses it too: ${formatValue(finding.baselineAlsoMisses, finding.unit)})`;
  return `${subject(finding)} ${observed}${where(finding.phase)} is ${side} the SLO ${slo}${also}`;
}

function describeOutright(finding: OutrightFinding, options: DescribeOptions): string {
  const { role } = finding;
  let text: string;
  switch (finding.kind) {
    case 'not-ready':
      text = `${role} never became ready in round ${finding.round}${finding.detail ? ` (${finding.detail})` : ''}`;
      break;
    case 'oom-killed': {
      const peak =
        finding.memoryPeakBytes === undefined ? '' : `, peak ${formatValue(finding.memoryPeakBytes, 'bytes')}`;
      text = `${role} was OOM-killed in round ${finding.round}${peak}`;
      break;
    }
    case 'crashed': {
      const code = finding.exitCode === null ? 'killed by a signal' : `exit ${finding.exitCode}`;
      text = `${role} crashed (${code}) in round ${finding.round}`;
      break;
    }
    case 'error-burst':
      text = `${role} answered ${(finding.errorRate * 100).toFixed(0)}% errors for ${finding.windowSeconds} s (seconds ${finding.fromSecond}-${finding.toSecond}, phase ${finding.phase}) in round ${finding.round}`;
      break;
    case 'aborted':
      text = `${role} stopped mid-trial in round ${finding.round} after ${(finding.afterMs / 1000).toFixed(1)} s: ${finding.detail}`;
      break;
    case 'error-slo':
      return `${role} error rate ${formatValue(finding.errors / finding.total, 'ratio')} (${finding.errors} of ${finding.total} requests) is above the SLO ${formatValue(finding.slo, 'ratio')}`;
    case 'mostly-errors':
      return `${role} answered ${formatValue(finding.errors / finding.total, 'ratio')} errors (${finding.errors} of ${finding.total} requests)`;
    case 'no-data':
      return `${role} completed no requests in any trial`;
  }
  const tail = options.logLines === false ? '' : lastLogLines(finding.logTail);
  return tail === '' ? text : `${text}: ${tail}`;
}

/** A finding as a sentence a person can act on. */
export function describeReason(finding: Finding, options: DescribeOptions = {}): string {
  switch (finding.kind) {
    case 'limit':
    case 'marginal': {
      const text = describeChange(finding);
      return finding.afterRounds === undefined
        ? text
        : `still marginal after ${roundsText(finding.afterRounds)}: ${text}`;
    }
    case 'slo':
      return describeSlo(finding);
    case 'baseline-broken':
      return `the baseline is broken, so the candidate cannot be judged: ${finding.findings
        .map((cause) => describeReason(cause, options))
        .join('; ')}`;
    default:
      return describeOutright(finding, options);
  }
}
