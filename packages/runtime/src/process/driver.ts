/**
 * The process driver: runs a build as a shell command in its own process group (detached), tells
 * it its port in PORT, captures stdout/stderr, measures CPU from a cgroup of its own where peakgate
 * can create one (service-cgroup.ts; else from /proc in clock ticks) and RSS of the whole tree from
 * /proc, and kills the whole group on every path (stop, failed start, the program's cleanupAll() or
 * cleanupAllSync() on a signal, process exit), and records it so a later reap() can prove it ours.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { type BuildSpec, describeBuildSpec, PeakgateError, type ServiceExit, type ServiceSpec } from '@peakgate/core';
import { findFreePort } from '../free-port.js';
import { LogSink, logName } from '../log-sink.js';
import { waitForReady } from '../readiness.js';
import type { ServiceDriver, StartedService, StartOptions } from '../service-driver.js';
import { launched, ServiceHandle } from '../service-handle.js';
import { within } from '../within.js';
import { liveGroupMembers, readCmdline, readProcStat, treeUsage } from './proc-stat.js';
import { ensureRecordsDir, type RecordedProcess, recordProcess } from './registry.js';
import { cgroupHome, ServiceCgroup } from './service-cgroup.js';

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

  /** How CPU is measured, for the report (probed once: can peakgate create cgroups here?). */
  get cpuSource(): string {
    const home = cgroupHome();
    return home !== undefined ? home.describe : '/proc of the process group (clock ticks, 10 ms)';
  }

  async start(build: BuildSpec, service: ServiceSpec, options: StartOptions): Promise<StartedService> {
    if (build.kind !== 'command')
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `the process driver needs a command for the ${options.role}, got ${describeBuildSpec(build)}; use --driver docker or --${options.role}-cmd`,
      );
    if (process.platform !== 'linux')
      throw new PeakgateError('PG_ERR_RUNTIME_START', 'the process driver measures CPU from /proc and needs Linux');
    const startedAt = performance.now();
    options.signal?.throwIfAborted();
    // Refuse an unsafe state directory before there is a process group we could not record.
    ensureRecordsDir();
    const port = await findFreePort();
    const logs = await LogSink.create(options.outDir, logName(options), options.trial);
    const cpuset = options.cpuset ?? service.resources.cpuset;
    const pinned = cpuset !== undefined && hasTaskset();
    const argv = pinned ? ['taskset', '-c', cpuset, '/bin/sh', '-c', build.command] : ['/bin/sh', '-c', build.command];
    if (cpuset !== undefined && !pinned) logs.note(`taskset not found: running unpinned instead of on CPUs ${cpuset}`);
    logs.note(`${build.command} (cwd ${build.cwd ?? process.cwd()}) on port ${port}`);
    let child: ChildProcess;
    try {
      child = spawn(argv[0] as string, argv.slice(1), {
        cwd: build.cwd,
        env: { ...inheritedEnv(service.inheritEnv !== false), ...service.env, ...build.env, PORT: String(port) },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      await logs.close();
      throw new PeakgateError('PG_ERR_RUNTIME_START', `cannot spawn "${build.command}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    // Into its own cgroup right away, before the service does real work (its children inherit it).
    const cgroup = adoptIntoCgroup(child.pid ?? -1, options, logs);
    let record: RecordedProcess | undefined;
    try {
      record = recordGroup(child, argv, build.command, options);
    } catch (error) {
      // Unrecorded, a SIGKILL of ours would leak the group: do not let it run.
      killGroup(child.pid ?? -1, 'SIGKILL');
      await cgroup?.remove();
      await logs.close();
      throw error;
    }
    const handle = new ProcessService(
      child,
      build.command,
      port,
      logs,
      options,
      this.options,
      record,
      pinned ? cpuset : undefined,
      cgroup,
    );
    return launched(handle, () => handle.launch(service, startedAt));
  }
}

/**
 * The record reap() needs if we die by SIGKILL. spawn() returns after the exec, so the leader's
 * start time and command line are those of the process we started (until the shell itself
 * exec's into the service: launch() adds that command line once the service is ready).
 */
function recordGroup(
  child: ChildProcess,
  argv: string[],
  command: string,
  options: StartOptions,
): RecordedProcess | undefined {
  const pgid = child.pid ?? -1;
  const leader = pgid > 0 ? readProcStat(pgid) : undefined;
  if (leader === undefined) return undefined; // gone already: nothing to leave behind
  const seen = readCmdline(pgid);
  return recordProcess({
    pgid,
    leaderStartTicks: leader.startTicks,
    leaderCmdlines: seen === undefined ? [argv] : [argv, seen],
    runId: options.runId,
    role: options.role,
    command,
  });
}

/**
 * A cgroup of its own for the new group leader, or undefined: no cgroup can be made here (the
 * /proc tick reading is used, as the report's cpuSource says) or this one could not be made or
 * entered (noted in the log; this service is then read from /proc).
 */
function adoptIntoCgroup(pid: number, options: StartOptions, logs: LogSink): ServiceCgroup | undefined {
  if (pid <= 0 || cgroupHome() === undefined) return undefined;
  const cgroup = ServiceCgroup.create(options.role, options.trial);
  if (cgroup?.adopt(pid)) return cgroup;
  if (cgroup !== undefined) cgroup.tryRemove();
  logs.note('could not give the service a cgroup of its own: its CPU is read from /proc in clock ticks (10 ms)');
  return undefined;
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 0) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

type ProcessEnd = { code: number | null; signal: NodeJS.Signals | null };

class ProcessService extends ServiceHandle {
  readonly driver = 'process' as const;
  readonly id: string;
  readonly url: string;
  private readonly ended: Promise<ProcessEnd>;
  private endRecord: ProcessEnd | undefined;
  private readonly pgid: number;
  private readonly outputDone: Promise<void>;

  constructor(
    child: ChildProcess,
    command: string,
    readonly port: number,
    logs: LogSink,
    options: StartOptions,
    private readonly driverOptions: ProcessDriverOptions,
    private readonly record: RecordedProcess | undefined,
    cpuset: string | undefined,
    private readonly cgroup: ServiceCgroup | undefined,
  ) {
    super(`process group ${child.pid ?? -1} (${command})`, `process ${child.pid ?? -1}`, logs, options, cpuset);
    this.pgid = child.pid ?? -1;
    this.id = String(this.pgid);
    this.url = `http://127.0.0.1:${port}`;
    const streamDone = (stream: NodeJS.ReadableStream | null) =>
      new Promise<void>((resolve) => {
        if (!stream) return resolve();
        stream.on('data', (chunk: Buffer) => logs.write(chunk));
        stream.on('end', resolve);
        stream.on('error', () => resolve());
      });
    this.outputDone = Promise.all([streamDone(child.stdout), streamDone(child.stderr)]).then(() => undefined);
    this.ended = new Promise((resolve) => {
      const end = (record: ProcessEnd) => {
        this.endRecord ??= record;
        resolve(this.endRecord);
        // Before stop(), the leader died on its own: take the rest of the group down (the
        // lifecycle then waits for its last words and reports the crash).
        if (this.state === 'created' || this.state === 'ready') this.killSync();
        this.lifecycle.died({ oomKilled: false });
      };
      child.once('exit', (code, signal) => end({ code, signal }));
      child.once('error', (error) => {
        logs.note(`spawn failed: ${error.message}`);
        end({ code: null, signal: null });
      });
    });
  }

  async launch(service: ServiceSpec, startedAt: number): Promise<void> {
    const outcome = await waitForReady({
      check: service.ready,
      port: this.port,
      logs: this.logs,
      ended: this.ended,
      signal: this.options.signal,
    });
    if (!outcome.ok) await this.failStart(outcome, service.ready);
    const cmdline = readCmdline(this.pgid);
    if (cmdline !== undefined) this.record?.seen(cmdline);
    this.markReady(startedAt);
    await this.sample();
  }

  protected exitRecord(crashed: boolean): ServiceExit {
    const record = this.endRecord ?? { code: null, signal: null };
    // A shell reports a child killed by signal N as 128+N.
    const exitCode = record.code ?? (record.signal ? 128 + signalNumber(record.signal) : null);
    return {
      ready: this.lifecycle.wasReady,
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

  protected override killSync(): void {
    killGroup(this.pgid, 'SIGKILL');
    // Works only if every process has exited already; otherwise stop() or a later reap() removes it.
    this.cgroup?.tryRemove();
  }

  /**
   * Resolves once no live process of the group is left (members that were re-parented need a
   * moment). Zombies count as gone: after the shell leader dies first, the service it started is
   * an orphan whose reaping is up to init, and waiting for that cost ~1.5 s a trial on a VM whose
   * init reaps on a timer: time the next round waited for nothing.
   */
  private async groupGone(): Promise<void> {
    while (this.pgid > 0) {
      try {
        process.kill(-this.pgid, 0);
      } catch {
        return;
      }
      if (liveGroupMembers(this.pgid).length === 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  protected async readUsage(): Promise<{ cpuNanos: number; memoryBytes: number } | undefined> {
    if (this.pgid <= 0) return undefined;
    const usage = treeUsage(this.pgid);
    if (usage.processes === 0) return undefined;
    // The group's counter includes every process that ever ran in it, reaped or not; RSS stays /proc's.
    // One source for the service's whole life: mixing the two would jump by their different offsets.
    if (this.cgroup === undefined) return { cpuNanos: usage.cpuNanos, memoryBytes: usage.rssBytes };
    const cpuNanos = this.cgroup.cpuNanos();
    return cpuNanos === undefined ? undefined : { cpuNanos, memoryBytes: usage.rssBytes };
  }

  protected async settle(): Promise<void> {
    await within(this.outputDone, 1000);
  }

  protected async terminate(): Promise<void> {
    if (this.endRecord === undefined) {
      killGroup(this.pgid, 'SIGTERM');
      const grace = this.driverOptions.stopGraceMs ?? 5000;
      if (!(await within(this.ended, grace))) this.logs.note(`still running ${grace} ms after SIGTERM: SIGKILL`);
    }
    // Always: grandchildren that ignored SIGTERM or outlived the leader go too.
    this.killSync();
    await within(this.ended, 2000);
    await within(this.groupGone(), 2000);
    await within(this.outputDone, 1000);
    if (this.cgroup !== undefined && !(await this.cgroup.remove()))
      this.logs.note(`cgroup ${this.cgroup.directory} still in use after stop: a later reap removes it`);
    this.record?.remove();
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return os.constants.signals[signal] ?? 0;
}

/**
 * Whether a process build may get peakgate's whole environment: only when the person running
 * peakgate says so (`--inherit-env`), never the scenario. A process build is the pull request's
 * code: by default it must not see the runner's secrets (GITHUB_TOKEN, cloud keys, PEAKGATE_TOKEN).
 */
let runnerAllowsInheritance = false;

/** `--inherit-env`: process builds get peakgate's whole environment (unless `service.inherit_env: false`). */
export function allowBuildEnvInheritance(allow: boolean): void {
  runnerAllowsInheritance = allow;
}

/**
 * What the service gets of peakgate's own environment: just what a shell needs (PATH, HOME, LANG),
 * or all of it when the runner passed --inherit-env and the scenario did not say inherit_env: false.
 */
function inheritedEnv(scenarioAllows: boolean): NodeJS.ProcessEnv {
  if (runnerAllowsInheritance && scenarioAllows) return process.env;
  const kept: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'LANG'] as const)
    if (process.env[name] !== undefined) kept[name] = process.env[name];
  return kept;
}
