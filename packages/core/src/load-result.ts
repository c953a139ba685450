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
  /**
   * The same second per request name (load.requests[].name), when the mix has more than one kind of
   * request; with one kind the whole-mix figures are that kind's.
   */
  byName?: Record<string, SecondKindSample>;
  /** Set on samples of the discarded warm-up (streamed for progress, never stored in `series`; `second` counts from the warm-up start). */
  warmup?: boolean;
}

/** One request name's part of a second. */
export interface SecondKindSample {
  requests: number;
  errors: number;
  /** Encoded per-second latency histogram (µs) of this name's responses. */
  histogram: string;
}

/**
 * The figures of one kind of request (one `load.requests` entry, by its name) over a phase or a run:
 * counted and recorded like the whole mix, in every worker, and merged exactly.
 */
export interface RequestKindResult {
  requests: { total: number; ok: number; errors: number };
  errors: ErrorCounts;
  latency: LatencySummaryMs;
  histogram: string;
}

/**
 * Timeline phases only: how late each arrival left against its recorded offset ÷ speed (the achieved
 * schedule error). Lateness is recorded like latency (µs HDR histogram), so the workers' (and load shards') figures merge exactly.
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
  /** Per request name, in mix order (absent from results of engines that predate per-name figures). */
  byName?: Record<string, RequestKindResult>;
  /** Set for a timeline phase (`load.timeline`): the achieved schedule error. */
  schedule?: ScheduleError;
}

/** One load shard of a sharded run (`--shards N`): where it ran and what it sent in the measured phases. */
export interface LoadShardFigures {
  /** 0-based shard index (Swarm task slot − 1). */
  index: number;
  /** The node its task ran on (its host name). */
  node: string;
  /**
   * That node's swarm id: nodes of one machine (or cloned images) share a host name, the id tells
   * them apart. Absent when the task list never named a node.
   */
  nodeId?: string;
  /** Outcomes in the measured phases: responses, errors and dropped arrivals. */
  requests: number;
  errors: number;
  /** Requests sent per second over the measured phases. */
  achievedRate: number;
  /** The latest it got a phase's common start, by its own clock (0: on time). */
  startLagMs: number;
}

/** How a sharded run was spread (`--shards N`): absent from a single-host run. */
export interface LoadSharding {
  shards: LoadShardFigures[];
  workersPerShard: number;
  /**
   * How far apart the shards really began a phase, ms, worst phase: the spread of their start lags
   * (each worker's lag behind the common start, by its node's clock; across nodes the clocks'
   * offset comes on top, unmeasured).
   */
  startSkewMs: number;
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
  /** Per request name over all measured phases, in mix order. */
  byName?: Record<string, RequestKindResult>;
  phases: PhaseResult[];
  series: SecondSample[];
  /** Set when a phase replayed a timeline: its schedule error, over all timeline phases. */
  schedule?: ScheduleError;
  /** Set when the load ran as shards on several tasks (`--shards N`). */
  sharding?: LoadSharding;
}
