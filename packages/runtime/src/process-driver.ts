/**
 * The process driver: runs a build as a shell command in its own process group (detached), tells
 * it its port in PORT, captures stdout/stderr, measures CPU and RSS of the whole tree from /proc,
 * and kills the whole group on every path (stop, failed start, Ctrl-C/SIGTERM, process exit).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { type BuildSpec, PeakgateError, type ServiceExit, type ServiceSpec } from '@peakgate/core';
import { registerCleanup } from './cleanup-registry.js';
import { findFreePort, portInUse, portTaken } from './free-port.js';
import { LogSink } from './log-sink.js';
import { ServiceNotReadyError } from './not-ready-error.js';
import { readCmdline, readProcStat, treeUsage } from './proc-stat.js';
import { ensureRecordsDir, type RecordedProcess, recordProcess } from './process-registry.js';
import { describeCheck, waitForReady } from './readiness.js';
import { SamplingLoop } from './sampling-loop.js';
import type { ResourceReading, ServiceDriver, StartedService, StartOptions, StoppedService } from './service-driver.js';
import { UsageTracker } from './usage-tracker.js';
import { within } from './within.js';

export interface ProcessDriverOptions {
  /** Milliseconds between SIGTERM and SIGKILL on stop. */
  stopGraceMs?: number;
}

let tasksetAvailable: boolean | undefined;
function hasTaskset(): boolean {
  tasksetAvailable ??= spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  return tasksetAvailable;
}

export class ProcessDriver implements ServiceDriver {
  readonly name = 'process' as const;

  constructor(private readonly options: ProcessDriverOptions = {}) {}

  async start(build: BuildSpec, service: ServiceSpec, options: StartOptions): Promise<StartedService> {
    if (build.kind !== 'command')
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `the process driver needs a command for the ${options.role}, got image ${build.image}; use --driver docker or --${options.role}-cmd`,
      );
    if (process.platform !== 'linux')
      throw new PeakgateError('PG_ERR_RUNTIME_START', 'the process driver measures CPU from /proc and needs Linux');
    const startedAt = performance.now();
    options.signal?.throwIfAborted();
    // Refuse an unsafe state directory before there is a process group we could not record.
    ensureRecordsDir();
    const port = await findFreePort();
    const logs = await LogSink.create(options.outDir, options.role, options.trial);
    const cpuset = options.cpuset ?? service.resources.cpuset;
    const pinned = cpuset !== undefined && hasTaskset();
    const argv = pinned ? ['taskset', '-c', cpuset, '/bin/sh', '-c', build.command] : ['/bin/sh', '-c', build.command];
    if (cpuset !== undefined && !pinned) logs.note(`taskset not found: running unpinned instead of on CPUs ${cpuset}`);
    logs.note(`${build.command} (cwd ${build.cwd ?? process.cwd()}) on port ${port}`);
    let child: ChildProcess;
    try {
      child = spawn(argv[0] as string, argv.slice(1), {
        cwd: build.cwd,
        env: { ...process.env, ...service.env, ...build.env, PORT: String(port) },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      await logs.close();
      throw new PeakgateError('PG_ERR_RUNTIME_START', `cannot spawn "${build.command}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    let handle: ProcessService;
    try {
      handle = new ProcessService(
        child,
        argv,
        build.command,
        port,
        logs,
        options,
        this.options,
        pinned ? cpuset : undefined,
      );
    } catch (error) {
      await logs.close();
      throw error;
    }
    try {
      await handle.launch(service, startedAt);
      return handle;
    } catch (error) {
      await handle.stop().catch(() => undefined);
      throw error;
    }
  }
}

class ProcessService implements StartedService {
  readonly driver = 'process' as const;
  readonly id: string;
  readonly url: string;
  readyMs = 0;
  readonly exited: Promise<ServiceExit>;
  private resolveExited!: (exit: ServiceExit) => void;
  private readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private endRecord: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly pgid: number;
  private stopRequested = false;
  private ready = false;
  private stopping: Promise<StoppedService> | undefined;
  private readonly usage = new UsageTracker();
  private readonly unregister: () => void;
  private readonly record: RecordedProcess | undefined;
  private readonly sampling = new SamplingLoop(() => this.sample());
  private readonly outputDone: Promise<void>;

  constructor(
    child: ChildProcess,
    argv: string[],
    command: string,
    readonly port: number,
    private readonly logs: LogSink,
    private readonly options: StartOptions,
    private readonly driverOptions: ProcessDriverOptions,
    readonly cpuset: string | undefined,
  ) {
    this.pgid = child.pid ?? -1;
    this.id = String(this.pgid);
    this.url = `http://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    const streamDone = (stream: NodeJS.ReadableStream | null) =>
      new Promise<void>((resolve) => {
        if (!stream) return resolve();
        stream.on('data', (chunk: Buffer) => logs.write(chunk));
        stream.on('end', resolve);
        stream.on('error', () => resolve());
      });
    this.outputDone = Promise.all([streamDone(child.stdout), streamDone(child.stderr)]).then(() => undefined);
    this.ended = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.endRecord = { code, signal };
        this.sampling.stopAll();
        resolve(this.endRecord);
        if (!this.stopRequested) void this.onCrash();
      });
      child.once('error', (error) => {
        logs.note(`spawn failed: ${error.message}`);
        this.endRecord = { code: null, signal: null };
        resolve(this.endRecord);
      });
    });
    this.record = this.recordGroup(argv, command);
    this.unregister = registerCleanup({
      description: `process group ${this.pgid} (${command})`,
      cleanup: async () => {
        await this.stop();
      },
      cleanupSync: () => this.killGroup('SIGKILL'),
    });
  }

  /**
   * The record reap() needs if we die by SIGKILL. spawn() returns after the exec, so the leader's
   * start time and command line are those of the process we started (until the shell itself
   * exec's into the service: launch() adds that command line once the service is ready).
   */
  private recordGroup(argv: string[], command: string): RecordedProcess | undefined {
    const leader = this.pgid > 0 ? readProcStat(this.pgid) : undefined;
    if (leader === undefined) return undefined; // gone already: nothing to leave behind
    const seen = readCmdline(this.pgid);
    try {
      return recordProcess({
        pgid: this.pgid,
        leaderStartTicks: leader.startTicks,
        leaderCmdlines: seen === undefined ? [argv] : [argv, seen],
        runId: this.options.runId,
        role: this.options.role,
        command,
      });
    } catch (error) {
      // Unrecorded, a SIGKILL of ours would leak the group: do not let it run.
      this.killGroup('SIGKILL');
      throw error;
    }
  }

  get logPath(): string {
    return this.logs.path;
  }

  get hasExited(): boolean {
    return this.endRecord !== undefined;
  }

  async launch(service: ServiceSpec, startedAt: number): Promise<void> {
    const outcome = await waitForReady({
      check: service.ready,
      port: this.port,
      logs: this.logs,
      ended: this.ended,
      signal: this.options.signal,
    });
    if (outcome.ok) {
      const cmdline = readCmdline(this.pgid);
      if (cmdline !== undefined) this.record?.seen(cmdline);
      this.ready = true;
      this.readyMs = Math.round(performance.now() - startedAt);
      await this.sample();
      return;
    }
    if (outcome.reason === 'aborted') throw new PeakgateError('PG_ERR_INTERRUPTED', `start of ${this.id} aborted`);
    const exitedFirst = outcome.reason === 'exited';
    const stopped = await this.stop();
    const inUse = portInUse(this.logs.lines(), this.port);
    if (inUse !== undefined) throw portTaken(inUse, `process ${this.id}`);
    const exit: ServiceExit = {
      ...stopped.exit,
      ready: false,
      crashed: exitedFirst,
      message: exitedFirst ? 'exited before it was ready' : 'did not become ready in time',
    };
    throw new ServiceNotReadyError(
      `${this.options.role} (process ${this.id}) ${outcome.message}${exit.exitCode !== null ? ` with exit code ${exit.exitCode}` : ''}; readiness: ${describeCheck(service.ready)}`,
      exit,
    );
  }

  private async onCrash(): Promise<void> {
    // The leader died on its own: take the rest of the group down and keep its last words.
    this.killGroup('SIGKILL');
    await within(this.outputDone, 1000);
    this.resolveExited(this.exitRecord(true));
  }

  private exitRecord(crashed: boolean): ServiceExit {
    const record = this.endRecord ?? { code: null, signal: null };
    // A shell reports a child killed by signal N as 128+N.
    const exitCode = record.code ?? (record.signal ? 128 + signalNumber(record.signal) : null);
    return {
      ready: this.ready,
      crashed,
      oomKilled: false,
      exitCode,
      logTail: this.logs.lines(),
      ...(crashed
        ? {
            message: `exited with ${record.signal ? `signal ${record.signal}` : `code ${exitCode ?? 'unknown'}`} while it should have been serving`,
          }
        : {}),
    };
  }

  private killGroup(signal: NodeJS.Signals): void {
    if (this.pgid <= 0) return;
    try {
      process.kill(-this.pgid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  }

  /** Resolves once no process of the group is left (members that were re-parented need a moment). */
  private async groupGone(): Promise<void> {
    while (this.pgid > 0) {
      try {
        process.kill(-this.pgid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async cpuNanos(): Promise<number> {
    return (await this.sample()).cpuNanos;
  }

  async sample(): Promise<ResourceReading> {
    if (this.endRecord !== undefined || this.pgid <= 0) return this.usage.last;
    const usage = treeUsage(this.pgid);
    if (usage.processes === 0) return this.usage.last;
    return this.usage.record(usage.cpuNanos, usage.rssBytes);
  }

  startSampling(onSample: (reading: ResourceReading) => void, intervalMs = 1000): () => void {
    return this.sampling.start(onSample, intervalMs);
  }

  stop(): Promise<StoppedService> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<StoppedService> {
    const crashedBefore = this.endRecord !== undefined;
    this.stopRequested = true;
    this.sampling.stopAll();
    if (!crashedBefore) {
      await this.sample();
      this.killGroup('SIGTERM');
      const grace = this.driverOptions.stopGraceMs ?? 5000;
      if (!(await within(this.ended, grace))) this.logs.note(`still running ${grace} ms after SIGTERM: SIGKILL`);
    }
    // Always: grandchildren that ignored SIGTERM or outlived the leader go too.
    this.killGroup('SIGKILL');
    await within(this.ended, 2000);
    await within(this.groupGone(), 2000);
    await within(this.outputDone, 1000);
    this.unregister();
    this.record?.remove();
    this.resolveExited(this.exitRecord(crashedBefore));
    const exit = await this.exited;
    await this.logs.close();
    return {
      exit: { ...exit, logTail: this.logs.lines() },
      memoryPeakBytes: this.usage.memoryPeakBytes,
      logPath: this.logs.path,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return os.constants.signals[signal] ?? 0;
}
