/**
 * What the load engine returns for one run against one target. Plain data (it crosses worker
 * threads and is written to report.json). Latency histograms travel as HdrHistogram compressed
 * base64 strings recorded in microseconds; merge them by adding, never by averaging percentiles.
 */
export interface LatencySummaryMs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  count: number;
}

/** Errors by kind. `status` counts responses whose status is not in `expect.status`. */
export interface ErrorCounts {
  status: number;
  timeout: number;
  refused: number;
  reset: number;
  other: number;
  /** Open model only: arrivals that could not be sent because every allowed connection was busy too long. */
  dropped: number;
}

/** One second of a phase, summed over all workers. */
export interface SecondSample {
  /** Seconds since the start of the measured load (warm-up excluded), 0-based. */
  second: number;
  phase: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** Encoded per-second latency histogram (µs), so windows can be re-merged exactly. */
  histogram: string;
  /** Set on samples of the discarded warm-up (streamed for progress, never stored in `series`; `second` counts from the warm-up start). */
  warmup?: boolean;
}

/**
 * Timeline phases only: how late each arrival left against its recorded offset ÷ speed (the achieved
 * schedule error). Lateness is recorded like latency (µs HDR histogram), so shards merge exactly.
 */
export interface ScheduleError {
  /** Arrivals the timeline scheduled (sent and dropped). */
  arrivals: number;
  /** Lateness of each arrival's send, ms: p50, p99, max, … */
  lateness: LatencySummaryMs;
  /** Encoded µs histogram of the lateness. */
  histogram: string;
}

export interface PhaseResult {
  name: string;
  model: 'open' | 'closed';
  durationMs: number;
  requests: { total: number; ok: number; errors: number };
  errors: ErrorCounts;
  statuses: Record<string, number>;
  rate: { asked: number | null; achieved: number };
  latency: LatencySummaryMs;
  histogram: string;
  /** Set for a timeline phase (`load.timeline`): the achieved schedule error. */
  schedule?: ScheduleError;
}

export interface LoadResult {
  target: string;
  startedAt: string;
  durationMs: number;
  /** How latency was measured: from the intended send time (open model) or from the actual send (closed). */
  latencyOrigin: 'intended-start' | 'actual-send' | 'mixed';
  /** True when the run was stopped early (Ctrl-C, abort); figures cover what was measured. */
  interrupted: boolean;
  workers: number;
  requests: { total: number; ok: number; errors: number };
  errors: ErrorCounts;
  statuses: Record<string, number>;
  rate: { asked: number | null; achieved: number };
  latency: LatencySummaryMs;
  /** Merged histogram over all measured phases. */
  histogram: string;
  phases: PhaseResult[];
  series: SecondSample[];
  /** Set when a phase replayed a timeline: its schedule error, over all timeline phases. */
  schedule?: ScheduleError;
}
