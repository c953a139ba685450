/**
 * The launcher for builds already deployed (`compare --baseline-url URL --candidate-url URL`):
 * nothing is started or stopped; a "start" checks that the side answers (the scenario's HTTP
 * readiness path, else a TCP connect) and hands the trial its URL. CPU (and memory) are read only
 * from a source the user gave for that side (a cgroup v2 directory); without one the trial has
 * load figures only, and the judge says CPU was not judged (compare-and-report.ts).
 */
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReportSide, Role, ServiceExit, ServiceSpec } from '@peakgate/core';
import { PeakgateError, readyPathProblem } from '@peakgate/core';
import { openCgroupUsage, replaceFile } from '@peakgate/runtime';
import type { ResourceReading, RunningService, ServiceLauncher, ServiceStartOptions, StartOutcome } from './ports.js';

/** Where a side's CPU comes from: one reading of cumulative CPU (and memory, when it has it). */
export interface CpuSource {
  /** For the report: `cgroup v2 /sys/fs/cgroup/shop.slice (cpu.stat usage_usec)`. */
  readonly describe: string;
  readonly hasMemory: boolean;
  read(): Promise<ResourceReading>;
}

export interface DeployedSide {
  url: string;
  cpu?: CpuSource;
}

export interface DeployedBuilds {
  baseline: DeployedSide;
  candidate: DeployedSide;
  /** Non-loopback hosts the user allowed (--allow-target); both URLs were checked against them. */
  allowHosts: readonly string[];
}

const POLL_MS = 250;

export function deployedLauncher(builds: DeployedBuilds): ServiceLauncher {
  const side = (role: Role): ReportSide => ({
    driver: 'url',
    at: builds[role].url,
    host: new URL(builds[role].url).hostname,
    cpuSource: builds[role].cpu?.describe ?? null,
  });
  return {
    driver: 'url',
    sides: { baseline: side('baseline'), candidate: side('candidate') },
    async start(build, service, options) {
      const deployed = builds[options.role];
      if (build.kind !== 'url' || build.url !== deployed.url)
        throw new PeakgateError('PG_ERR_INTERNAL', `the deployed launcher was asked to start a ${build.kind} build`);
      return startDeployed(deployed, service, options, builds.allowHosts);
    },
    // Nothing was started, so nothing can have been left behind.
    reap: async () => 0,
  };
}

async function startDeployed(
  deployed: DeployedSide,
  service: ServiceSpec,
  options: ServiceStartOptions,
  allowHosts: readonly string[],
): Promise<StartOutcome> {
  const logPath = path.join(options.outDir, `${options.role}-${options.trial}.log`);
  const notes = [
    `peakgate: ${options.role} is deployed at ${deployed.url}; nothing started, no service log`,
    `peakgate: CPU ${deployed.cpu === undefined ? 'not measured (no CPU source given)' : `from ${deployed.cpu.describe}`}`,
  ];
  const startedAt = performance.now();
  const problem = await waitAnswering(deployed.url, service, options.signal);
  // A fresh file renamed into place: never written through a link planted at that name (issue 23).
  await replaceFile(logPath, `${[...notes, ...(problem === undefined ? [] : [`peakgate: ${problem}`])].join('\n')}\n`);
  if (problem !== undefined) {
    return { ok: false, exit: exitRecord({ ready: false, message: `${deployed.url}: ${problem}` }) };
  }
  const cpu = deployed.cpu;
  const running: RunningService = {
    url: deployed.url,
    allowHosts,
    readyMs: Math.round(performance.now() - startedAt),
    logPath,
    ...(cpu !== undefined ? { read: () => cpu.read() } : {}),
    // A deployed build's crash cannot be seen from here: its errors and latency show it instead.
    exited: new Promise<ServiceExit>(() => {}),
    stop: async () => exitRecord({ ready: true }),
  };
  return { ok: true, service: running };
}

function exitRecord(fields: { ready: boolean; message?: string }): ServiceExit {
  return { crashed: false, oomKilled: false, exitCode: null, logTail: [], ...fields };
}

/**
 * Waits until the deployed build answers the scenario's readiness check (an HTTP path answering
 * 2xx; a TCP connect otherwise: a log line cannot be watched from here), within its timeout.
 * Returns undefined when it answers, else what went wrong.
 */
async function waitAnswering(
  url: string,
  service: ServiceSpec,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const check = service.ready;
  const probeUrl = check.kind === 'http' ? readyProbeUrl(url, check.path) : new URL(url);
  const timeoutMs = check.timeoutMs;
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  while (performance.now() < deadline) {
    if (signal?.aborted) return 'interrupted before it answered';
    // Whole milliseconds: AbortSignal.timeout throws a RangeError on a fraction (every probe with under 2 s left).
    const left = Math.max(1, Math.round(Math.min(2000, deadline - performance.now())));
    last = check.kind === 'http' ? await probeHttp(probeUrl, left) : await probeTcp(probeUrl, left);
    if (last === '') return undefined;
    await sleep(POLL_MS);
  }
  const what = check.kind === 'http' ? `GET ${check.path} answering 2xx` : 'a TCP connect';
  return `not answering within ${timeoutMs} ms (waiting for ${what}; last: ${last})`;
}

/**
 * The readiness probe's URL: the build's origin joined with the ready path, never `new URL(path, url)`,
 * which reads `//host:port/x` or `/\host:port/x` as another host. The scenario rules refuse such paths
 * at load (readyPathProblem); this refuses a plan built by hand too, before any connection, and
 * asserts the joined URL's origin is the build's own.
 */
export function readyProbeUrl(buildUrl: string, readyPath: string): URL {
  const base = new URL(buildUrl);
  const problem = readyPathProblem(readyPath);
  const url = problem === undefined ? new URL(`${base.origin}${readyPath}`) : undefined;
  if (url === undefined || url.origin !== base.origin)
    throw new PeakgateError(
      'PG_ERR_SCENARIO_INVALID',
      `service.ready.http: ${problem ?? `expected a path of the build's own origin (${base.origin})`}`,
    );
  return url;
}

async function probeHttp(url: URL, timeoutMs: number): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300 ? '' : `HTTP ${response.status}`;
  } catch (error) {
    return (error as Error).cause instanceof Error
      ? ((error as Error).cause as Error).message
      : (error as Error).message;
  }
}

async function probeTcp(url: URL, timeoutMs: number): Promise<string> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve('');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('connect timed out');
    });
    socket.once('error', (error) => resolve(error.message));
  });
}

/**
 * A cgroup v2 directory (or its cpu.stat) as a side's CPU source; `label` names the flag in
 * messages. Throws PG_ERR_OPTS_INVALID when the path does not exist or is not cgroup v2.
 */
export async function openCgroupCpuSource(given: string, label: string): Promise<CpuSource & { directory: string }> {
  const usage = await openCgroupUsage(given, label);
  return {
    directory: usage.directory,
    describe: `cgroup v2 ${usage.directory} (cpu.stat usage_usec${usage.hasMemory ? ', memory.current' : ''})`,
    hasMemory: usage.hasMemory,
    read: () => usage.read(),
  };
}
