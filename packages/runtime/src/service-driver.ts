/**
 * The one interface behind which peakgate starts a build of a service: `docker` (dockerode) and
 * `process` (a local shell command) implement it with the same result shapes.
 */
import type { BuildSpec, DriverName, Role, ServiceExit, ServiceSpec } from '@peakgate/core';

/**
 * Where a started service is in its life (service-lifecycle.ts): created → ready → stopping →
 * stopped, or crashed / oom when it ended on its own before stop().
 */
export type ServiceState = 'created' | 'ready' | 'stopping' | 'stopped' | 'crashed' | 'oom';

export interface StartOptions {
  /** Run id, stamped on containers (label peakgate.run) and log lines. */
  runId: string;
  role: Role;
  /** Directory for logs; the driver writes `<role>-<trial>.log` there (created if absent). */
  outDir: string;
  /** Number used in the log file name; when absent the next free number for this role is taken. */
  trial?: number;
  /** CPU set for the service ("1", "0-1"); overrides service.resources.cpuset. */
  cpuset?: string;
  /** Aborts a start in progress (readiness wait included); the service is removed. */
  signal?: AbortSignal;
  /**
   * A dependency's name when this start is one (dependency-set.ts): it names the log file
   * (`<role>-<name>-<trial>.log`), the container and its `peakgate.component` label.
   */
  component?: string;
  /** Docker: join this private network (bridge) instead of service.network, under these aliases. */
  network?: { name: string; aliases?: string[] };
  /** Docker: with no `ready` of its own, wait for the image's HEALTHCHECK when it has one. */
  preferHealthcheck?: boolean;
}

/** A private network for one build and its dependencies (docker); removed with them. */
export interface PrivateNetwork {
  readonly name: string;
  remove(): Promise<void>;
}

/** One reading of the service's resources. */
export interface ResourceReading {
  /** Cumulative CPU time in nanoseconds since the service started (monotonic). */
  cpuNanos: number;
  /** Memory now, in bytes: usage minus inactive file cache (docker), RSS of the tree (process). */
  memoryBytes: number;
  /** performance.now() when read, for rates over a window. */
  atMs: number;
}

export interface StoppedService {
  exit: ServiceExit;
  /** Highest memory reading seen by any sample() call during the life of the service. */
  memoryPeakBytes: number;
  logPath: string;
}

export interface StartedService extends AsyncDisposable {
  readonly driver: DriverName;
  /** Container id (docker) or process-group id as a string (process). */
  readonly id: string;
  /** Base URL: http://127.0.0.1:PORT, or the remote engine's host (docs/runtimes.md). */
  readonly url: string;
  readonly port: number;
  /** Milliseconds from the start call to a passing readiness check. */
  readonly readyMs: number;
  readonly logPath: string;
  /** The CPU set the service is pinned to, when it is. */
  readonly cpuset?: string;
  /** Cumulative CPU nanoseconds: read it at a window's edges, CPU seconds = difference / 1e9. */
  cpuNanos(): Promise<number>;
  /** CPU and memory now. */
  sample(): Promise<ResourceReading>;
  /** Calls onSample about every intervalMs (default 1000) until the returned function is called or the service ends. */
  startSampling(onSample: (reading: ResourceReading) => void, intervalMs?: number): () => void;
  /**
   * Settles once the service has ended for any reason and never rejects. `crashed` is true when it
   * ended on its own (crash, OOM kill) rather than through stop().
   */
  readonly exited: Promise<ServiceExit>;
  /** Where it is in its life; crashed or oom once it ended on its own. */
  readonly state: ServiceState;
  /** Whether the service has ended (exited has settled). */
  readonly hasExited: boolean;
  /** Stops (SIGTERM, then SIGKILL after a grace period) and removes it. Idempotent. */
  stop(): Promise<StoppedService>;
}

export interface ServiceDriver {
  readonly name: DriverName;
  start(build: BuildSpec, service: ServiceSpec, options: StartOptions): Promise<StartedService>;
  /** Docker: a user-defined bridge network labelled like the containers; absent where services share the host. */
  createNetwork?(options: Pick<StartOptions, 'runId' | 'role' | 'trial'>): Promise<PrivateNetwork>;
  /**
   * Where the services run: the engine's address and the host load reaches them on. Absent for
   * the process driver (this machine, 127.0.0.1).
   */
  readonly location?: ServiceLocation;
  /** How the driver measures a service's CPU, for the report's cpuSource (process: cgroup or /proc ticks). */
  readonly cpuSource?: string;
  /**
   * Swarm: pings the engines of the other nodes that run this driver's builds; rejects with
   * PG_ERR_RUNTIME_UNREACHABLE when one stopped answering. Absent where the launcher's own engine
   * check covers every build.
   */
  assertEngine?(): Promise<void>;
}

export interface ServiceLocation {
  /** The engine: `unix:///var/run/docker.sock` or DOCKER_HOST (`tcp://staging:2376`, `ssh://…`). */
  engine: string;
  /** Where load and probes reach published ports: 127.0.0.1, or the remote engine's host. */
  serviceHost: string;
  /** The user named serviceHost (DOCKER_HOST or PEAKGATE_SERVICE_HOST): the target guard may allow it. */
  explicit: boolean;
}
