/**
 * What a judged metric is measured in and which way is better, and the estimates of one metric
 * (both sides, the change, its interval and limit). A finding (finding.ts) and a metric's
 * judgement (judgement.ts) both carry these, so they live below both: neither imports the other's
 * types to get them, and the judgement's findings do not make a circle.
 */

export type MetricStatus = 'pass' | 'fail' | 'marginal';
export type MetricUnit = 'ms' | 'bytes' | 'ratio' | 'req/s';
export type MetricDirection = 'lower-is-better' | 'higher-is-better';

/** A metric's estimates over all trials of each side, against its relative limit. */
export interface MetricEstimate {
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
}
