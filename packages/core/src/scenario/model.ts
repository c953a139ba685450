/**
 * The resolved scenario: what `loadScenarioFile` returns after schema validation, defaults and
 * unit normalisation (durations in ms, sizes in bytes, percentages as ratios, rates in req/s).
 * Inner code works only with these types; the written form lives in scenario/schema.ts.
 */
import type { LoadPlan } from '../load-plan.js';

export type Role = 'baseline' | 'candidate';

export type ReadinessCheck =
  | { kind: 'http'; path: string; timeoutMs: number }
  | { kind: 'tcp'; timeoutMs: number }
  | { kind: 'log'; pattern: string; timeoutMs: number };

export interface ResourceLimits {
  /** CPU limit in cores (Docker NanoCpus = cpus × 1e9). */
  cpus?: number;
  /** CPU set such as "1" or "0-1"; peakgate picks one when absent and the machine has cores to spare. */
  cpuset?: string;
  /** Memory limit in bytes, swap disabled. */
  memoryBytes?: number;
}

export interface ServiceSpec {
  /** Port the service listens on inside the container (docker driver). Default 8080. */
  port: number;
  ready: ReadinessCheck;
  env: Record<string, string>;
  /**
   * Process driver: false passes only PATH, HOME and LANG of peakgate's environment (plus env and
   * PORT); absent or true passes all of it (CI secrets included).
   */
  inheritEnv?: boolean;
  /** Docker driver: command override (argv). */
  command?: string[];
  resources: ResourceLimits;
  /** Docker driver network: host (default on Linux) or bridge with the port published on 127.0.0.1. */
  network: 'host' | 'bridge';
  /** Started once per trial beside each build, never shared between baseline and candidate. */
  dependencies?: DependencySpec[];
}

/**
 * A dependency of the service (a database, a cache): an image (docker driver) or a command
 * (process driver), started fresh for every trial beside each build. The build is told where it
 * listens in PEAKGATE_DEP_<NAME>_HOST, _PORT and _URL (docs/scenario.md).
 */
export interface DependencySpec {
  /** Name from the scenario (a map key): the DNS alias on the build's private network. */
  name: string;
  build: BuildSpec;
  /** Port it listens on inside its container (docker); a command gets a free one in PORT. */
  port: number;
  /** Undefined: the image's own HEALTHCHECK when it has one, else a TCP connect on the port. */
  ready?: ReadinessCheck;
  /** Timeout for the default readiness (HEALTHCHECK or TCP). */
  readyTimeoutMs: number;
  env: Record<string, string>;
  resources: ResourceLimits;
}

export type BuildSpec =
  | { kind: 'image'; image: string }
  | { kind: 'command'; command: string; cwd?: string; env: Record<string, string> }
  /** A build already deployed (`compare --baseline-url`): never from a scenario file, never started. */
  | { kind: 'url'; url: string };

/** Names of the metrics the judge knows. Limits and SLOs are keyed by these. */
export type MetricName =
  | 'latency.p50'
  | 'latency.p90'
  | 'latency.p99'
  | 'latency.p999'
  | 'cpu.per_request'
  | 'memory.peak'
  | 'error_rate'
  | 'throughput';

export interface CompareSpec {
  /** Rounds to run before the first decision (each round runs baseline and candidate once). */
  rounds: number;
  /** Upper bound on rounds while a metric is undecided (sequential testing, docs/judge.md). */
  maxRounds: number;
  /**
   * Wall-time budget of the comparison in ms (`compare.budget`): no round starts that would end
   * past it, estimated from the rounds so far. Absent: only maxRounds bounds the rounds.
   */
  budgetMs?: number;
  /** Relative limits as allowed change ratios: +10% is 0.10 (for throughput: allowed decrease). */
  limits: Partial<Record<MetricName, number>>;
  /** Absolute SLOs on the candidate alone: latency in ms, error_rate as a ratio, memory in bytes, cpu.per_request in ms. */
  slo: Partial<Record<MetricName, number>>;
  /** Confidence level of the intervals, e.g. 0.95. */
  confidence: number;
  /**
   * How a round runs its two trials: `duet` starts baseline and candidate together and loads
   * them at the same time on the same cores (machine noise then hits both alike; see
   * docs/judge.md), `alternate` runs them one after the other in A B, B A order.
   */
  schedule: 'duet' | 'alternate';
  /**
   * Stop a round at once when the candidate breaches one of these for 3 consecutive seconds
   * (latency in ms, error_rate as a ratio); absent or empty: only crashes, OOM kills and error
   * bursts stop a round.
   */
  abortOn?: Partial<Record<AbortMetricName, number>>;
  /**
   * Limits and SLOs on one kind of request (`latency.p99{name=checkout}: +10%`), keyed by request
   * name. Only latency percentiles and error_rate take a selector. Absent when none is written.
   */
  byRequest?: Record<string, RequestJudgeSpec>;
  /**
   * Limits on a dependency's CPU per request (`cpu.per_request{dependency=db}: +10%`), keyed by
   * dependency name, as ratios. A dependency's CPU is judged only when named here.
   */
  dependencyCpuLimits?: Record<string, number>;
}

/** Limits and SLOs on the requests of one name, in the same units as CompareSpec's. */
export interface RequestJudgeSpec {
  limits: Partial<Record<MetricName, number>>;
  slo: Partial<Record<MetricName, number>>;
}

/** The metrics `compare.abort_on` can watch second by second. */
export type AbortMetricName = 'latency.p50' | 'latency.p99' | 'error_rate';

export interface Scenario {
  name: string;
  description?: string;
  /** Absolute path of the file it came from, if any. */
  sourcePath?: string;
  service: ServiceSpec;
  baseline?: BuildSpec;
  candidate?: BuildSpec;
  load: LoadPlan;
  compare: CompareSpec;
}
