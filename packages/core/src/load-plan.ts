/**
 * The load plan: a scenario's `load` section after validation and unit normalisation.
 * Everything downstream of the scenario loader works in these units (ms, req/s, counts)
 * and never parses strings again. A LoadPlan is the validated form: the scenario rules are the one
 * place its values are checked (positive durations and rates, at least one phase and request,
 * placeholders that parse, requests that reach the wire as written), so code that builds one by hand
 * must keep to the same bounds (docs/scenario.md). The load engine checks only that every request is
 * sendable before it connects.
 */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface RequestTemplate {
  /**
   * What per-name results and metric selectors call this kind of request. The scenario loader always
   * sets it (default: method and path template, request-name.ts); a hand-built plan may leave it out.
   */
  name?: string;
  weight: number;
  method: HttpMethod;
  /** May contain `{{int a b}}`, `{{uuid}}`, `{{pick a b c}}` placeholders. */
  path: string;
  headers: Record<string, string>;
  /** Raw body (templated). Mutually exclusive with `json`. */
  body?: string;
  /** JSON body; string leaves are templated. Sent with content-type application/json. */
  json?: unknown;
}

/** Open model: arrivals per second, linear ramp from `from` to `to` over the phase. */
export interface OpenLoad {
  model: 'open';
  /** For a timeline: its mean rate (arrivals ÷ duration), for reports; the timeline decides the arrivals. */
  rate: { from: number; to: number };
  /** Upper bound on concurrent in-flight requests (connections) the scheduler may use. */
  maxConnections: number;
  /**
   * Set when the arrivals come from a timeline file (`load.timeline`) instead of the rate: each
   * arrival is sent at its recorded offset ÷ `speed`, with the request the file names.
   */
  timeline?: TimelinePlan;
}

/** A timeline phase's source: the checked file (re-read by the load engine) and the replay speed. */
export interface TimelinePlan {
  /** Absolute path of the timeline file. */
  path: string;
  speed: number;
  arrivals: number;
  /** Offset of the last arrival in the file, ms (unscaled). */
  lastOffsetMs: number;
  /** Most arrivals in one second of the recording (unscaled). */
  peakPerSecond: number;
}

/** Closed model: a fixed number of connections, each sending as fast as responses return. */
export interface ClosedLoad {
  model: 'closed';
  connections: number;
}

export interface LoadPhase {
  name: string;
  durationMs: number;
  load: OpenLoad | ClosedLoad;
}

export interface LoadPlan {
  /** Discarded warm-up phase, run before the measured phases. */
  warmup?: LoadPhase;
  phases: LoadPhase[];
  requests: RequestTemplate[];
  /** Statuses that count as success; any other status counts as an error. */
  expectStatus: number[];
  /** Per-request timeout. */
  timeoutMs: number;
}
