/**
 * The seams the controller depends on. The real implementations live in @peakgate/loadgen and
 * @peakgate/runtime and are adapted in adapters.ts; keeping the controller on these narrow
 * interfaces keeps it small and lets its logic be read without Docker or worker threads.
 */
import type {
  BuildSpec,
  ComparisonDriver,
  LoadPlan,
  LoadResult,
  ReportSide,
  Role,
  SecondSample,
  ServiceExit,
  ServiceSpec,
} from '@peakgate/core';

/** Start and end of each phase of a load run; the warm-up has `warmup: true` and index -1. */
export interface LoadPhaseEvent {
  type: 'start' | 'end';
  phase: string;
  /** 0-based index among the measured phases; -1 for the warm-up. */
  index: number;
  warmup: boolean;
}

export interface LoadRunOptions {
  target: string;
  /** Non-loopback hosts the user named (a remote engine's host); the target guard refuses any other. */
  allowHosts?: readonly string[];
  plan: LoadPlan;
  workers: number;
  signal?: AbortSignal;
  onSample?: (sample: SecondSample) => void;
  onPhase?: (event: LoadPhaseEvent) => void;
  /** Whose load this is: a runner that starts containers of its own (load shards) labels them with it. */
  owner?: { runId: string; role: Role };
  /** Cores for the load generator (duet CPU plan); a runner that cannot pin ignores it. */
  cpuset?: string;
  /**
   * The round's seed: every random draw of the load derives from it (common random numbers, the
   * same on both sides of a round); absent: the runner draws one.
   */
  seed?: number;
}

export interface LoadRunner {
  run(options: LoadRunOptions): Promise<LoadResult>;
}

export interface ServiceStartOptions {
  runId: string;
  role: Role;
  /** Index of the trial, used to name log files. */
  trial: number;
  outDir: string;
  cpuset?: string;
  signal?: AbortSignal;
}

export interface ResourceReading {
  cpuNanos: number;
  memoryBytes: number;
}

export interface RunningService {
  /** Base URL: 127.0.0.1, or the remote engine's host the user named. */
  readonly url: string;
  /** Hosts the load may go to besides loopback: the remote engine's host when DOCKER_HOST names it. */
  readonly allowHosts?: readonly string[];
  readonly readyMs: number;
  /** Where the service's output is written. */
  readonly logPath: string;
  /** The CPU set the service really runs on; absent when it could not be pinned. */
  readonly cpuset?: string;
  /**
   * One reading of cumulative CPU time and current memory; absent when nothing can be read (a
   * build already deployed with no CPU source): the trial then has load figures only.
   */
  read?(): Promise<ResourceReading>;
  /** Resolves when the service exits on its own (crash, OOM); never rejects. */
  readonly exited: Promise<ServiceExit>;
  /** Stops and removes the service (and its dependencies); returns how it ended and its log tail. */
  stop(): Promise<ServiceExit>;
  /** Its dependencies (service.dependencies), each read like the service; empty without any. */
  readonly dependencies?: readonly RunningDependency[];
}

export interface RunningDependency {
  readonly name: string;
  /** Where the build was told it listens (host:port). */
  readonly address: string;
  readonly readyMs: number;
  read(): Promise<ResourceReading>;
}

/** Outcome of a start attempt: a running service, or a build that never became ready (a verdict, not an error). */
export type StartOutcome = { ok: true; service: RunningService } | { ok: false; exit: ServiceExit };

export interface ServiceLauncher {
  readonly driver: ComparisonDriver;
  /** Where services run (docker: the engine and the host load goes to); absent: this machine. */
  readonly location?: { engine: string; serviceHost: string };
  /** Where each side runs, what load is aimed at, where CPU comes from (report.json environment.sides). */
  readonly sides?: Record<Role, ReportSide>;
  start(build: BuildSpec, service: ServiceSpec, options: ServiceStartOptions): Promise<StartOutcome>;
  /** Removes what dead peakgate processes left behind; returns how many. */
  reap(): Promise<number>;
  /**
   * Docker: throws PG_ERR_RUNTIME_UNREACHABLE when the engine no longer answers. A trial asks after
   * its load, because an engine that stops ends every container it runs, which must read as the
   * sandbox failing (exit 3), never as the build crashing. Absent for the process driver.
   */
  assertEngine?(): Promise<void>;
}
