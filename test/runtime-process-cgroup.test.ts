/**
 * The process driver's CPU from a cgroup of the service's own (nanoseconds, not /proc's 10 ms
 * clock ticks): a real busy-looping node child of a shell is counted, the figure is not a whole
 * number of ticks, the group is gone after stop, and a dead owner's group is removed by reap().
 * Needs root (or a delegated cgroup): skipped with the reason otherwise.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupHome, ProcessDriver, reap } from '../packages/runtime/dist/index.js';
import { serviceSpec, uniqueRunId } from './runtime-support.js';

const home = process.platform === 'linux' ? cgroupHome() : undefined;
const skipReason =
  process.platform !== 'linux'
    ? 'not Linux'
    : home === undefined
      ? `no writable cgroup (uid ${process.getuid?.()}; the driver reads /proc ticks here)`
      : '-';
if (home === undefined) console.warn(`process-driver cgroup test skipped: ${skipReason}`);

// A service whose /burn spends the asked CPU milliseconds in a busy loop.
const SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/burn') {
    const until = process.cpuUsage().user + Number(url.searchParams.get('ms')) * 1000;
    while (process.cpuUsage().user < until) {}
  }
  res.end('ok');
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** The service group's directory, from the leader's own /proc/<pid>/cgroup line for that hierarchy. */
function groupOf(pid: number): string | undefined {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => (home?.version === 2 ? l.startsWith('0::') : /^\d+:[^:]*cpuacct[^:]*:/.test(l)));
  const where = line?.slice(line.lastIndexOf(':') + 1);
  return where?.includes('/peakgate/') ? path.join(home?.parent ?? '', path.basename(where)) : undefined;
}

describe.skipIf(home === undefined)(`process driver CPU from a cgroup (skipped: ${skipReason})`, () => {
  const runId = uniqueRunId('rt-cgroup');
  let outDir: string;
  let script: string;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'peakgate-rt-cgroup-'));
    script = path.join(outDir, 'burn.cjs');
    await writeFile(script, SERVER);
  });

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('counts a child of the shell in ns (not whole 10 ms ticks), reports the source, removes the group on stop', async () => {
    const driver = new ProcessDriver({ stopGraceMs: 2000 });
    expect(driver.cpuSource).toContain(home?.version === 2 ? 'cgroup v2' : 'cgroup v1');
    // Not exec'd: node is the shell's child and must be in the group too.
    const service = await driver.start(
      { kind: 'command', command: `node ${script}; echo ended`, env: {} },
      serviceSpec({ ready: { kind: 'http', path: '/', timeoutMs: 15_000 } }),
      { runId, role: 'candidate', outDir, trial: 1 },
    );
    let group: string | undefined;
    try {
      group = groupOf(Number(service.id));
      expect(group, 'the leader runs in a peakgate group').toBeDefined();
      expect(existsSync(group as string)).toBe(true);
      const node = readFileSync(`/proc/${service.id}/task/${service.id}/children`, 'utf8').trim().split(' ')[0];
      expect(groupOf(Number(node))).toBe(group);

      const figures: number[] = [];
      for (let i = 0; i < 3; i++) {
        const before = await service.cpuNanos();
        expect((await fetch(`${service.url}/burn?ms=150`)).status).toBe(200);
        figures.push((await service.cpuNanos()) - before);
      }
      // 150 ms of user time plus the request's own: a tick source gives whole 10 ms steps.
      for (const nanos of figures) expect(nanos).toBeGreaterThan(140e6);
      for (const nanos of figures) expect(nanos).toBeLessThan(1000e6);
      expect(figures.filter((nanos) => nanos % 10e6 !== 0).length).toBe(3);
    } finally {
      await service.stop();
    }
    expect(existsSync(group as string), `${group} removed on stop`).toBe(false);
  });

  it("reap() removes the group of a dead owner and leaves a live owner's alone", async () => {
    const dead = spawn('true');
    await once(dead, 'exit');
    const parent = home?.parent as string;
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const ourTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    // The dead pid with any start time is dead; our own pid with our real start time is alive.
    const orphan = path.join(parent, `${dead.pid}.1-candidate-1-1`);
    const live = path.join(parent, `${process.pid}.${ourTicks}-baseline-9-9`);
    mkdirSync(orphan);
    mkdirSync(live);
    try {
      await reap({ skipDocker: true });
      expect(existsSync(orphan)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      for (const directory of [orphan, live]) if (existsSync(directory)) rmdirSync(directory);
    }
  });
});
