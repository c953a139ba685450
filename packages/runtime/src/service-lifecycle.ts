/**
 * The life of one started service, written once for both drivers: an explicit state, the
 * `exited` promise, resource sampling, the cleanup registration, and an idempotent stop. A driver
 * composes it and supplies what differs (how to read usage, how to end and remove the service,
 * what its exit record says).
 *
 *   created ──ready()──► ready ──stop()──► stopping ──► stopped
 *      │                   │
 *      └──── died() ───────┴──► crashed | oom        (ended on its own, before stop())
 *
 * stop() from created or ready goes through stopping to stopped; stop() after a crash removes
 * what is left and the state stays crashed or oom.
 */
import type { ServiceExit } from '@peakgate/core';
import { registerCleanup } from './cleanup-registry.js';
import type { LogSink } from './log-sink.js';
import { SamplingLoop } from './sampling-loop.js';
import type { ResourceReading, ServiceState, StoppedService } from './service-driver.js';
import { UsageTracker } from './usage-tracker.js';

/** What a driver supplies. */
export interface ServiceControl {
  /** For the cleanup registry's messages: "container peakgate-…", "process group 123 (…)". */
  readonly description: string;
  /** CPU and memory now, or undefined when there is nothing to read yet. May throw (treated as no reading). */
  readUsage(): Promise<{ cpuNanos: number; memoryBytes: number } | undefined>;
  /** Ends and removes the service (signal, grace period, removal); called once, by stop(). */
  terminate(): Promise<void>;
  /** After the service ended on its own: bounded wait for its last log lines (and its group). */
  settle(): Promise<void>;
  /** The exit record; crashed = it ended on its own before stop(). */
  exitRecord(crashed: boolean): ServiceExit;
  /** A synchronous last resort for the cleanup registry (process groups: SIGKILL). */
  killSync?(): void;
}

export class ServiceLifecycle {
  readonly exited: Promise<ServiceExit>;
  private current: ServiceState = 'created';
  private ended = false;
  private resolveExited!: (exit: ServiceExit) => void;
  private stopping: Promise<StoppedService> | undefined;
  private readonly usage = new UsageTracker();
  private readonly sampling = new SamplingLoop(() => this.sample());
  private readonly unregister: () => void;

  constructor(
    private readonly control: ServiceControl,
    private readonly logs: LogSink,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    this.unregister = registerCleanup({
      description: control.description,
      cleanup: async () => {
        await this.stop();
      },
      ...(control.killSync ? { cleanupSync: () => control.killSync?.() } : {}),
    });
  }

  get state(): ServiceState {
    return this.current;
  }

  /** Whether the service has ended (on its own or through stop()). */
  get hasEnded(): boolean {
    return this.ended;
  }

  /** Whether the readiness check passed at some point. */
  get wasReady(): boolean {
    return this.readyOnce;
  }
  private readyOnce = false;

  ready(): void {
    this.readyOnce = true;
    if (this.current === 'created') this.current = 'ready';
  }

  /**
   * The driver saw the service end. Before stop() that is a crash (or an OOM kill): sampling stops
   * and, once the driver has collected the last words, `exited` settles. Idempotent.
   */
  died(how: { oomKilled: boolean }): void {
    if (this.ended) return;
    this.ended = true;
    this.sampling.stopAll();
    if (this.current !== 'created' && this.current !== 'ready') return;
    this.current = how.oomKilled ? 'oom' : 'crashed';
    void this.control.settle().then(() => this.resolveExited(this.control.exitRecord(true)));
  }

  async sample(): Promise<ResourceReading> {
    if (this.ended) return this.usage.last;
    try {
      const reading = await this.control.readUsage();
      return reading === undefined ? this.usage.last : this.usage.record(reading.cpuNanos, reading.memoryBytes);
    } catch {
      // Gone between checks (a vanished cgroup, an exited tree): the last reading stands.
      return this.usage.last;
    }
  }

  startSampling(onSample: (reading: ResourceReading) => void, intervalMs = 1000): () => void {
    return this.sampling.start(onSample, intervalMs);
  }

  /** Stops and removes the service; idempotent (every caller gets the same result). */
  stop(): Promise<StoppedService> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<StoppedService> {
    const crashedBefore = this.ended;
    if (!crashedBefore) this.current = 'stopping';
    this.sampling.stopAll();
    // A last reading while it still runs, so the figures cover the whole life.
    if (!crashedBefore) await this.sample();
    await this.control.terminate();
    this.ended = true;
    if (this.current === 'stopping') this.current = 'stopped';
    this.unregister();
    this.resolveExited(this.control.exitRecord(crashedBefore));
    const exit = await this.exited;
    await this.logs.close();
    return {
      exit: { ...exit, logTail: this.logs.lines() },
      memoryPeakBytes: this.usage.memoryPeakBytes,
      logPath: this.logs.path,
    };
  }
}
