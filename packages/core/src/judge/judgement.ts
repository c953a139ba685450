/**
 * What the judge returns. Plain data: the report embeds it, the controller reads
 * `needsMoreRounds` and `infrastructureError`, the CLI maps the verdict to an exit code.
 */
import type { MetricName } from '../scenario-model.js';
import type { Finding, OutrightFinding } from './finding.js';

export type MetricStatus = 'pass' | 'fail' | 'marginal';
export type MetricUnit = 'ms' | 'bytes' | 'ratio' | 'req/s';
export type MetricDirection = 'lower-is-better' | 'higher-is-better';

export interface MetricJudgement {
  name: MetricName;
  /** Phase the metric was judged in (latency and throughput are judged per phase). */
  phase?: string;
  /**
   * The request name the metric was judged on (`latency.p99{name=checkout}`); absent for the whole
   * mix. Limits and SLOs then come from `compare.byRequest[request]`.
   */
  request?: string;
  /**
   * The dependency whose CPU per request was judged (`cpu.per_request{dependency=db}`); absent for
   * the build itself. Its limit comes from `compare.dependencyCpuLimits`.
   */
  dependency?: string;
  /** Human name, e.g. "p99 latency". */
  label: string;
  unit: MetricUnit;
  direction: MetricDirection;
  /** Point estimates over all trials of a side (latency: percentile of the merged histograms). */
  baseline: number;
  candidate: number;
  /** candidate ÷ baseline. */
  change: number;
  /** Confidence interval of `change`. */
  interval: [number, number];
  /** Confidence the interval has (below the requested level when too few trials allow no more). */
  confidence: number;
  /** Allowed relative change (0.10 = +10%; for throughput: allowed decrease). */
  limit: number;
  /** Changes smaller than this, in the metric's unit, never fail (noise floor). */
  floor: number;
  /** Absolute SLO on the candidate, in the metric's unit, when set. */
  slo?: number;
  status: MetricStatus;
  /** Why the status is not pass, as text (`reasonFindings` rendered, joined with '; '); absent for pass. */
  reason?: string;
  /** Why the status is not pass, as data; absent for pass. */
  reasonFindings?: Finding[];
  /** How the interval was obtained. */
  method: 'hierarchical-bootstrap' | 'paired-bootstrap' | 'hodges-lehmann' | 'proportion-difference';
  /** Samples behind the interval on each side (windows, trials or requests). */
  samples: { baseline: number; candidate: number; kind: 'windows' | 'trials' | 'requests' };
  /** Error rate only: interval of the difference of rates (candidate − baseline). */
  difference?: { estimate: number; lower: number; upper: number };
}

export interface Judgement {
  verdict: 'pass' | 'fail';
  /**
   * Why the verdict is fail (a broken baseline first, then the candidate's outright findings, then
   * failing metrics); empty on pass. `reasons[i]` is `describeReason(reasonFindings[i])`.
   */
  reasons: string[];
  /** The same reasons as data: kind, metric or side, phase or round, and the numbers. */
  reasonFindings: Finding[];
  /** Marginal metrics, metrics that could not be judged, and other things worth a look. */
  warnings: string[];
  metrics: MetricJudgement[];
  /** Crashes, OOM kills, readiness failures and error checks, on either side (candidate first). */
  findings: OutrightFinding[];
  /** Set when the baseline itself is broken: the sandbox cannot judge (CLI exit 3). */
  infrastructureError?: string;
  /** True when a metric is marginal, nothing failed, and rounds remain (rounds < maxRounds). */
  needsMoreRounds: boolean;
  /** Complete rounds judged. */
  rounds: number;
  confidence: number;
}
