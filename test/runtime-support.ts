/**
 * Shared by the runtime tests: the Docker gate (skip visibly without an engine, fail in CI), the
 * sample images, service specs, a bounded load loop against 127.0.0.1, and label queries.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceSpec } from '../packages/core/dist/index.js';
import { createDocker, dockerAvailable, LABEL_MANAGED, LABEL_RUN } from '../packages/runtime/dist/index.js';

export const root = path.resolve(import.meta.dirname, '..');
export const balancerScript = path.join(root, 'docker/services/balancer/dist/server.js');

const skipRequested = process.env.PEAKGATE_SKIP_DOCKER === '1';
const reachable = skipRequested ? false : await dockerAvailable(undefined, 3000);
/** In CI a missing engine is a failure, not a skip (unless PEAKGATE_SKIP_DOCKER=1 asks for one). */
export const dockerMissingInCi = !skipRequested && !reachable && process.env.CI === 'true';
export const dockerOk = reachable;
export const dockerSkipReason = skipRequested
  ? 'PEAKGATE_SKIP_DOCKER=1'
  : `no Docker engine reachable at ${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`;
if (!dockerOk) console.warn(`runtime tests: skipping Docker suites (${dockerSkipReason})`);

export const IMAGES = ['good', 'regressed', 'crashy', 'leaky'].map((mode) => `peakgate/balancer:${mode}`);

/** Builds the sample images with docker/build-images.sh when one is missing (CI runs `pnpm images` first). */
export function ensureImages(): void {
  const missing = IMAGES.filter((image) => {
    try {
      execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  console.warn(`runtime tests: building missing images ${missing.join(', ')}`);
  execFileSync('bash', [path.join(root, 'docker/build-images.sh')], { stdio: 'inherit', timeout: 300_000 });
}

export function serviceSpec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    port: 8080,
    ready: { kind: 'http', path: '/healthz', timeoutMs: 15_000 },
    env: {},
    resources: {},
    network: 'host',
    ...overrides,
  };
}

export function uniqueRunId(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
}

const BALANCE_BODY = JSON.stringify({
  items: Array.from({ length: 20 }, (_, i) => ({
    key: `user-${i}`,
    zone: i % 2 ? 'eu-west-1a' : 'us-east-1b',
    size: 1 + (i % 3),
  })),
});

export interface LoadSummary {
  sent: number;
  ok: number;
  failed: number;
}

/**
 * Closed-loop load: `concurrency` workers send POST /balance (or GET paths) to a 127.0.0.1 URL
 * until `requests` were sent or `maxMs` passed. Bounded in count and time by construction.
 */
export async function drive(
  url: string,
  options: { requests: number; concurrency?: number; maxMs?: number; path?: string },
): Promise<LoadSummary> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`refusing to send load to ${url}`);
  const deadline = performance.now() + (options.maxMs ?? 10_000);
  const summary: LoadSummary = { sent: 0, ok: 0, failed: 0 };
  const worker = async () => {
    while (summary.sent < options.requests && performance.now() < deadline) {
      summary.sent++;
      try {
        const response =
          options.path === undefined
            ? await fetch(`${url}/balance`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: BALANCE_BODY,
                signal: AbortSignal.timeout(2000),
              })
            : await fetch(`${url}${options.path}`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.ok) summary.ok++;
        else summary.failed++;
      } catch {
        summary.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return summary;
}

/** Containers (any state) carrying peakgate.run=<runId>, or every managed one. */
export async function labelledContainers(runId?: string): Promise<string[]> {
  const label = runId === undefined ? `${LABEL_MANAGED}=true` : `${LABEL_RUN}=${runId}`;
  const list = await createDocker().listContainers({ all: true, filters: { label: [label] } });
  return list.map((c) => c.Id);
}

/** Polls check every 50 ms until it holds or ms have passed; returns its last answer. */
export async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/**
 * Whether a live process (pid) or a live member of a process group (-pgid) exists. A zombie (dead,
 * not yet waited for by whoever adopted it) does not count: it holds no CPU, memory or port, and
 * an init that reaps on a timer keeps it listed for a second or more.
 */
export function exists(pidOrMinusPgid: number): boolean {
  try {
    process.kill(pidOrMinusPgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  const pids =
    pidOrMinusPgid > 0
      ? [pidOrMinusPgid]
      : readdirSync('/proc')
          .map(Number)
          .filter((pid) => Number.isInteger(pid) && procStat(pid)?.pgrp === -pidOrMinusPgid);
  return pids.some((pid) => {
    const state = procStat(pid)?.state;
    return state !== undefined && state !== 'Z' && state !== 'X';
  });
}

/** State letter and process group of a pid from /proc/<pid>/stat (undefined once it is gone). */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** The first line a child writes on stdout (rejects if it exits first). */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('\n')) resolve(buffer.split('\n')[0] as string);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before writing a line`)));
  });
}
