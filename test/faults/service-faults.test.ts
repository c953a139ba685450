/**
 * Fault matrix, services (process driver, real processes, real load): a candidate that crashes,
 * hangs (keeps its port, stops answering), resets connections or never becomes ready gets a fail
 * verdict (exit 1) naming the cause; the same faults in the baseline are exit 3 (the sandbox cannot
 * judge), never a verdict on the candidate. Interrupts, a SIGKILLed controller with `peakgate
 * reap` after it, and two comparisons at once on one machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakgateBin, root } from '../cli-support.js';

const faulty = path.join(import.meta.dirname, 'fixtures', 'faulty-service.mjs');
const command = (fault: string, after = 40) => `FAULT=${fault} FAULT_AFTER=${after} node ${JSON.stringify(faulty)}`;

let dir: string;
let scenario: string;
let stateHome: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-svc-'));
  stateHome = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-state-'));
  scenario = path.join(dir, 'faulty.yaml');
  await writeFile(
    scenario,
    `name: faulty
service: { ready: { http: /healthz, timeout: 3s } }
load:
  timeout: 1s
  phases: [{ name: peak, duration: 3s, rate: 40 }]
  requests: [{ path: /work }]
compare:
  rounds: 1
  max_rounds: 1
  slo: { error_rate: 1% }
  # Two tiny services on a shared 2-core machine: only the faults should decide, not CPU noise.
  limits: { latency.p50: +1000%, latency.p90: +1000%, latency.p99: +1000%, latency.p999: +1000%, cpu.per_request: +1000%, memory.peak: +1000% }
`,
  );
});

afterAll(async () => {
  // A failed assertion may leave this run's fixtures behind (their records go with stateHome): end them.
  for (const pid of fixturePids(`-${process.pid}`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
  await rm(stateHome, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  child: ChildProcess;
}

function start(args: string[], timeoutMs = 60_000): { child: ChildProcess; done: Promise<Run> } {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: stateHome };
  delete env.MODE;
  const child = spawn(process.execPath, [peakgateBin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Run>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, child });
    });
  });
  return { child, done };
}

const compare = (baseline: string, candidate: string, out: string, extra: string[] = []) =>
  start([
    'compare',
    scenario,
    '--driver',
    'process',
    '--baseline-cmd',
    baseline,
    '--candidate-cmd',
    candidate,
    '--out',
    out,
    ...extra,
  ]);

const explain = (run: Run) =>
  `exit ${run.code} ${run.signal ?? ''}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** Live processes running the fixture with this marker in their environment (read from /proc). */
function fixturesRunning(marker: string): number {
  return fixturePids(marker).length;
}

/** Pids of processes whose FAULT_MARK contains `marker` (markers end with this test process's pid). */
function fixturePids(marker: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (new RegExp(`FAULT_MARK=[^\\0]*${marker}`).test(environ)) pids.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describe('the candidate misbehaves: fail (exit 1) naming the cause', () => {
  it.each([
    ['crashes mid-phase', 'crash', /crash/i, 'fault: crashing after 40 requests'],
    ['hangs (keeps its port, stops answering)', 'hang', /error|timeout/i, undefined],
    ['resets connections', 'reset', /error|reset/i, undefined],
    ['never becomes ready', 'never-ready', /ready/i, undefined],
  ])(
    '%s',
    async (_what, fault, cause, logLine) => {
      const run = await compare(command('none'), command(fault), path.join(dir, `cand-${fault}`)).done;
      expect(run.code, explain(run)).toBe(1);
      expect(`${run.stdout}${run.stderr}`).toMatch(cause);
      if (logLine !== undefined) expect(`${run.stdout}${run.stderr}`).toContain(logLine);
    },
    90_000,
  );
});

describe('the baseline misbehaves: exit 3, never a verdict on the candidate', () => {
  it.each([['crash'], ['hang'], ['reset'], ['never-ready']])(
    'baseline %s',
    async (fault) => {
      const run = await compare(command(fault), command('none'), path.join(dir, `base-${fault}`)).done;
      expect(run.code, explain(run)).toBe(3);
      expect(run.stderr).toMatch(/baseline/i);
      expect(run.stderr).toContain('[PG_ERR_INFRA_BASELINE]');
    },
    90_000,
  );
});

describe('interrupts and a killed controller', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-trial: every service gone and exit 130 within 5 s`, async () => {
      const marker = `${signal}-${process.pid}`;
      const out = path.join(dir, `sig-${signal}`);
      const svc = `FAULT_MARK=${marker} ${command('none')}`;
      const { child, done } = compare(svc, svc, out);
      await waitFor(() => fixturesRunning(marker) >= 2, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // into the load
      const sent = Date.now();
      child.kill(signal);
      const run = await done;
      expect(Date.now() - sent).toBeLessThan(5000);
      expect(run.code, explain(run)).toBe(130);
      expect(fixturesRunning(marker)).toBe(0);
      // No half-written report: either none, or complete files only (no temporaries).
      const files = await readdir(out).catch(() => [] as string[]);
      expect(files.filter((name) => name.includes('.tmp-'))).toEqual([]);
      expect(files).not.toContain('report.json');
    }, 60_000);
  }

  it('SIGKILL mid-trial, then `peakgate reap` at once: 0 services left, no report written', async () => {
    const marker = `kill-${process.pid}`;
    const out = path.join(dir, 'killed');
    const svc = `FAULT_MARK=${marker} ${command('none')}`;
    const { child, done } = compare(svc, svc, out);
    // Killed once both are ready: a group is recorded with its final command line at readiness
    // (a SIGKILL during a start is an open row in docs/reliability.md).
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await waitFor(() => (stderr.match(/ ready in /g) ?? []).length >= 2, 20_000);
    child.kill('SIGKILL');
    await done;
    expect(fixturesRunning(marker)).toBeGreaterThan(0); // the orphans outlive their owner…
    const reap = await start(['reap']).done;
    expect(reap.code, explain(reap)).toBe(0);
    await waitFor(() => fixturesRunning(marker) === 0, 5000);
    expect(fixturesRunning(marker)).toBe(0); // …until reap
    const files = await readdir(out).catch(() => [] as string[]);
    expect(files.filter((name) => name.startsWith('report') || name.includes('.tmp-'))).toEqual([]);
  }, 60_000);
});

describe('two comparisons at once', () => {
  it('share no port and both finish with their own verdicts', async () => {
    const [a, b] = await Promise.all([
      compare(command('none'), command('none'), path.join(dir, 'twin-a')).done,
      compare(command('none'), command('crash'), path.join(dir, 'twin-b')).done,
    ]);
    expect(a.code, explain(a)).toBe(0);
    expect(b.code, explain(b)).toBe(1);
    const ports = async (out: string): Promise<string[]> => {
      const logs = (await readdir(out)).filter((name) => name.endsWith('.log'));
      const texts = await Promise.all(logs.map((name) => readFile(path.join(out, name), 'utf8')));
      return texts.flatMap((text) => [...text.matchAll(/on port (\d+)/g)].map((match) => match[1] as string));
    };
    const portsA = await ports(path.join(dir, 'twin-a'));
    const portsB = await ports(path.join(dir, 'twin-b'));
    expect(portsA.length).toBeGreaterThanOrEqual(2);
    expect(portsB.length).toBeGreaterThanOrEqual(2);
    expect(new Set([...portsA, ...portsB]).size).toBe(portsA.length + portsB.length);
  }, 120_000);
});

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
