/**
 * Why a verdict is what it is, as data: what kind of thing happened, to which metric or side, in
 * which phase or round, and the numbers behind it. The judge produces findings; people read them
 * through one renderer, `describeReason` (wording/describe-reason.ts), so programs can act on the
 * kind and numbers without parsing text, and the text is written in one place.
 */
import type { MetricName, Role } from '../scenario/model.js';
import type { MetricDirection, MetricEstimate, MetricUnit } from './metric-estimate.js';

/** What every finding about a judged metric names. */
interface MetricSubject {
  metric: MetricName;
  /** Human name, e.g. "p99 latency". */
  label: string;
  /** Phase the metric was judged in (latency and throughput). */
  phase?: string;
  /** The request name, for a metric judged on one kind of request (`latency.p99{name=checkout}`). */
  request?: string;
  unit: MetricUnit;
  direction: MetricDirection;
}

/** Error counts of one side over the run. */
export interface ErrorCount {
  errors: number;
  total: number;
}

/** A metric's change against its relative limit, with the metric's estimates (see MetricJudgement). */
export interface ChangeFinding extends MetricSubject, MetricEstimate {
  /** limit: past the limit with confidence (fails); marginal: only the point estimate is past it. */
  kind: 'limit' | 'marginal';
  /** The noise floor, in the metric's unit; present only when it, not the limit, set the threshold. */
  floor?: number;
  /** Error rate only: the counts behind the rates and the interval of their difference. */
  errorRates?: {
    baseline: ErrorCount;
    candidate: ErrorCount;
    difference: { estimate: number; lower: number; upper: number };
    /** Smallest difference of rates that counts (a ratio: 0.001 is 0.1 points). */
    floor: number;
  };
  /** Set when a marginal metric fails the verdict because no rounds remain (`marginalVerdict: 'fail'`). */
  afterRounds?: number;
}

/** The candidate breaches an absolute SLO. */
export interface SloFinding extends MetricSubject {
  kind: 'slo';
  /** The candidate's value that breaches the SLO. */
  observed: number;
  slo: number;
  /** Which value was held to the SLO: the point estimate, or the worst candidate trial (peak memory). */
  scope: 'estimate' | 'worst-trial';
  /** The baseline's value, present when the baseline misses the SLO too. */
  baselineAlsoMisses?: number;
}

interface TrialSubject {
  role: Role;
  round: number;
  /** Last lines of the service log, for the report. */
  logTail: string[];
}

interface SideSubject {
  role: Role;
  /** Findings about a whole side carry no log. */
  logTail: string[];
  round?: undefined;
}

/**
 * A check that fails a side outright, whatever the statistics say. On the baseline side these
 * make the run an infrastructure error (the baseline is broken), on the candidate side a fail.
 */
export type OutrightFinding =
  /** The service never answered its readiness check (or the trial has no load result). */
  | (TrialSubject & { kind: 'not-ready'; detail?: string })
  | (TrialSubject & { kind: 'crashed'; exitCode: number | null })
  | (TrialSubject & { kind: 'oom-killed'; memoryPeakBytes?: number })
  /** The worst sliding window of errors in one trial (k6#2379: a service dying late hides in the run's rate). */
  | (TrialSubject & {
      kind: 'error-burst';
      errorRate: number;
      windowSeconds: number;
      fromSecond: number;
      toSecond: number;
      phase: string;
    })
  /** The round was stopped mid-trial by an abort rule (an error burst or compare.abort_on). */
  | (TrialSubject & { kind: 'aborted'; cause: 'error-burst' | 'slo'; detail: string; afterMs: number })
  /** The side's error rate over the run is above the error_rate SLO. */
  | (SideSubject & ErrorCount & { kind: 'error-slo'; slo: number })
  /** Without an SLO: the side answered mostly errors (at least `brokenErrorRate`). */
  | (SideSubject & ErrorCount & { kind: 'mostly-errors' })
  | (SideSubject & { kind: 'no-data' });

export type OutrightKind = OutrightFinding['kind'];

/** The baseline itself failed outright checks: the sandbox cannot judge the candidate. */
export interface BaselineBrokenFinding {
  kind: 'baseline-broken';
  findings: OutrightFinding[];
}

export type Finding = ChangeFinding | SloFinding | OutrightFinding | BaselineBrokenFinding;
export type FindingKind = Finding['kind'];
