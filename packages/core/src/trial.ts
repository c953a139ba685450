/**
 * One trial: one build started fresh, warmed up, loaded with the measured phases, stopped.
 * The controller produces these; the judge consumes them; reports print them.
 */
import type { LoadResult } from './load-result.js';
import type { Role } from './scenario/model.js';

export interface ResourceSample {
  /** Milliseconds since the start of the measured load window. */
  atMs: number;
  /** Cumulative CPU time of the service in nanoseconds (cgroup usage or /proc). */
  cpuNanos: number;
  /** Memory in bytes (usage minus inactive file for Docker; RSS of the tree for processes). */
  memoryBytes: number;
}

/**
 * The service's CPU milliseconds per completed request over a measured window: the one formula
 * for `cpu.per_request`, used by the controller's trials and by the judge's windows. Zero requests
 * give 0 (no figure), not Infinity.
 */
export function cpuPerRequestMs(cpuSeconds: number, requests: number): number {
  return requests > 0 ? (cpuSeconds * 1000) / requests : 0;
}

/** What the runtime measured of the service during the measured window. */
export interface ServiceFigures {
  cpuSeconds: number;
  /** CPU milliseconds per completed request. */
  cpuPerRequestMs: number;
  memoryPeakBytes: number;
  /** Time from start to ready. */
  readyMs: number;
  /** CPU set the service ran on, when pinned. */
  cpuset?: string;
  samples: ResourceSample[];
}

/** How the service ended. A crash, OOM kill or failed readiness is evidence for the verdict. */
export interface ServiceExit {
  ready: boolean;
  crashed: boolean;
  oomKilled: boolean;
  exitCode: number | null;
  /** Last lines of the service's logs, for reasons a person can act on. */
  logTail: string[];
  /** What went wrong, in one line, when something did. */
  message?: string;
}

export interface TrialResult {
  role: Role;
  /** 1-based round number. */
  round: number;
  /** 0-based position in the run order. */
  order: number;
  /** Null when the service never became ready (no load was sent). */
  load: LoadResult | null;
  service: ServiceFigures | null;
  exit: ServiceExit;
  /** The load engine's CPU set, when pinned. */
  loadCpuset?: string;
  /**
   * The round's seed (common random numbers): both sides of a round draw every request and template
   * value from it. Absent from trials recorded before seeds were.
   */
  seed?: number;
  /** The service's log file, when it was started. */
  logPath?: string;
  /**
   * Set when the round was stopped early because the candidate failed mid-trial: on the
   * candidate's trial (`by: 'candidate'`) it is the cause; on the other side's trial it says that
   * trial was cut short and is not evidence against its build.
   */
  abort?: TrialAbort;
  /** Dependencies started beside the build, with their CPU over the measured window. */
  dependencies?: DependencyFigures[];
}

export interface TrialAbort {
  by: Role;
  kind: 'not-ready' | 'crashed' | 'oom-killed' | 'error-burst' | 'slo';
  /** One line a person can act on: "error rate 100% for 3 s", "latency.p99 812 ms > 250 ms for 3 s". */
  detail: string;
  /** Milliseconds from the start of the load (warm-up included) to the abort. */
  afterMs: number;
}

export interface DependencyFigures {
  name: string;
  /** CPU seconds over the measured window; null when it was not measured. */
  cpuSeconds: number | null;
  memoryPeakBytes: number | null;
  readyMs: number;
  /** Where the build was told it listens (host:port). */
  address: string;
}
