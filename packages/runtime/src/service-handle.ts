/**
 * What both drivers' started services share: the StartedService surface delegated to one
 * ServiceLifecycle, and the "never got ready" path. A driver's handle extends it and supplies how
 * to read usage, how to end and remove the service, and its exit record.
 */
import { type DriverName, PeakgateError, type ReadinessCheck, type ServiceExit } from '@peakgate/core';
import { portInUse, portTaken } from './free-port.js';
import type { LogSink } from './log-sink.js';
import { ServiceNotReadyError } from './not-ready-error.js';
import { describeCheck, type ReadyOutcome } from './readiness.js';
import type { ResourceReading, ServiceState, StartedService, StartOptions, StoppedService } from './service-driver.js';
import { ServiceLifecycle } from './service-lifecycle.js';

export abstract class ServiceHandle implements StartedService {
  abstract readonly driver: DriverName;
  abstract readonly id: string;
  abstract readonly url: string;
  abstract readonly port: number;
  readyMs = 0;
  protected readonly lifecycle: ServiceLifecycle;

  constructor(
    /** For the cleanup registry: "container peakgate-…", "process group 123 (node server.js)". */
    description: string,
    /** For errors: "peakgate-run1-candidate-ab12", "process 123". */
    protected readonly label: string,
    protected readonly logs: LogSink,
    protected readonly options: StartOptions,
    readonly cpuset: string | undefined,
  ) {
    this.lifecycle = new ServiceLifecycle(
      {
        description,
        readUsage: () => this.readUsage(),
        terminate: () => this.terminate(),
        settle: () => this.settle(),
        exitRecord: (crashed) => this.exitRecord(crashed),
        killSync: () => this.killSync(),
      },
      logs,
    );
  }

  /** CPU and memory of the live service, or undefined when there is nothing to read. */
  protected abstract readUsage(): Promise<{ cpuNanos: number; memoryBytes: number } | undefined>;
  /** Ends and removes the service; called once, by stop(). */
  protected abstract terminate(): Promise<void>;
  /** After a death of its own: a bounded wait for the last log lines. */
  protected abstract settle(): Promise<void>;
  protected abstract exitRecord(crashed: boolean): ServiceExit;
  /** Synchronous last resort when the program leaves (process groups: SIGKILL). */
  protected killSync(): void {}

  get state(): ServiceState {
    return this.lifecycle.state;
  }

  get logPath(): string {
    return this.logs.path;
  }

  get exited(): Promise<ServiceExit> {
    return this.lifecycle.exited;
  }

  get hasExited(): boolean {
    return this.lifecycle.hasEnded;
  }

  async cpuNanos(): Promise<number> {
    return (await this.sample()).cpuNanos;
  }

  sample(): Promise<ResourceReading> {
    return this.lifecycle.sample();
  }

  startSampling(onSample: (reading: ResourceReading) => void, intervalMs = 1000): () => void {
    return this.lifecycle.startSampling(onSample, intervalMs);
  }

  stop(): Promise<StoppedService> {
    return this.lifecycle.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Readiness passed: from now on an end of its own is a crash of a serving service. */
  protected markReady(startedAt: number): void {
    this.lifecycle.ready();
    this.readyMs = Math.round(performance.now() - startedAt);
  }

  /**
   * Readiness failed: stop it, then say why with the log tail (an aborted start is an
   * interruption; a port someone else holds is the sandbox's fault, not the build's).
   */
  protected async failStart(outcome: Exclude<ReadyOutcome, { ok: true }>, check: ReadinessCheck): Promise<never> {
    if (outcome.reason === 'aborted') {
      await this.stop();
      throw new PeakgateError('PG_ERR_INTERRUPTED', `start of ${this.label} aborted`);
    }
    const exitedFirst = outcome.reason === 'exited';
    const stopped = await this.stop();
    const inUse = portInUse(this.logs.lines(), this.port);
    if (inUse !== undefined) throw portTaken(inUse, this.label);
    const exit: ServiceExit = {
      ...stopped.exit,
      ready: false,
      crashed: exitedFirst,
      message: exitedFirst ? 'exited before it was ready' : 'did not become ready in time',
    };
    throw new ServiceNotReadyError(
      `${this.options.role} (${this.label}) ${outcome.message}${exit.exitCode !== null ? ` with exit code ${exit.exitCode}` : ''}; readiness: ${describeCheck(check)}`,
      exit,
    );
  }
}

/** Runs a new handle's launch; a launch that fails stops the handle first (nothing left running), then rethrows. */
export async function launched<T extends ServiceHandle>(handle: T, launch: (handle: T) => Promise<void>): Promise<T> {
  try {
    await launch(handle);
    return handle;
  } catch (error) {
    await handle.stop().catch(() => undefined);
    throw error;
  }
}
