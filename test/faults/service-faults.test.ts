/**
 * Fault matrix, services (process driver, real processes, real load): a candidate that crashes,
 * hangs (keeps its port, stops answering), resets connections or never becomes ready gets a fail
 * verdict (exit 1) naming the cause; the same faults in the baseline are exit 3 (the sandbox cannot
 * judge), never a verdict on the candidate. Interrupts (a partial report marked aborted, exit 130 /
 * 143), a SIGKILLed controller with `peakgate reap` after it, and two comparisons at once on one
 * machine.
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
/** Two short rounds: an interrupt in the second leaves one whole round and one cut. */
let twoRounds: string;
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
  twoRounds = path.join(dir, 'two-rounds.yaml');
  await writeFile(
    twoRounds,
    (await readFile(scenario, 'utf8')).replace('rounds: 1\n  max_rounds: 1', 'rounds: 2\n  max_rounds: 2'),
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

const compare = (baseline: string, candidate: string, out: string, extra: string[] = [], file = scenario) =>
  start([
    'compare',
    file,
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

// The faults decide these outcomes, not timing or CPU (limits are +1000%), so each group's four
// comparisons run at once: 8 small services, a quarter of the file's time.
describe.concurrent('the candidate misbehaves: fail (exit 1) naming the cause', () => {
  it.for([
    ['crashes mid-phase', 'crash', /crash/i, 'fault: crashing after 40 requests'],
    ['hangs (keeps its port, stops answering)', 'hang', /error|timeout/i, undefined],
    ['resets connections', 'reset', /error|reset/i, undefined],
    ['never becomes ready', 'never-ready', /ready/i, undefined],
  ] as const)('%s', { timeout: 90_000 }, async ([_what, fault, cause, logLine], { expect }) => {
    const run = await compare(command('none'), command(fault), path.join(dir, `cand-${fault}`)).done;
    expect(run.code, explain(run)).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toMatch(cause);
    // The excerpt is wrapped to the terminal's width (80 in CI), so compare with line breaks
    // and their indentation folded into single spaces.
    if (logLine !== undefined) expect(`${run.stdout}${run.stderr}`.replace(/\s+/g, ' ')).toContain(logLine);
  });
});

describe.concurrent('the baseline misbehaves: exit 3, never a verdict on the candidate', () => {
  it.for(['crash', 'hang', 'reset', 'never-ready'])('baseline %s', { timeout: 90_000 }, async (fault, { expect }) => {
    const run = await compare(command(fault), command('none'), path.join(dir, `base-${fault}`)).done;
    expect(run.code, explain(run)).toBe(3);
    expect(run.stderr).toMatch(/baseline/i);
    expect(run.stderr).toContain('[PG_ERR_INFRA_BASELINE]');
  });
});

describe('interrupts and a killed controller', () => {
  for (const [signal, exitCode] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} mid-trial: every service gone and exit ${exitCode} within 5 s; a partial report marked aborted`, async () => {
      const marker = `${signal}-${process.pid}`;
      const out = path.join(dir, `sig-${signal}`);
      const svc = `FAULT_MARK=${marker} FAULT_LOG_EVERY=20 ${command('none')}`;
      const { child, done } = compare(svc, svc, out, [], twoRounds);
      // Round 1 whole, round 2 under load: both services of round 2 (trials 2 and 3) have served
      // 20 requests of their 3 s phase. (Not "measuring" on stderr: a round's load threads start
      // cold, and on a busy machine the first request can come a second after it.)
      await waitFor(() => servedInTrial(out, 2) >= 20 && servedInTrial(out, 3) >= 20, 40_000);
      expect(fixturesRunning(marker)).toBe(2);
      const sent = Date.now();
      child.kill(signal);
      const run = await done;
      const tookMs = Date.now() - sent;
      expect(tookMs).toBeLessThan(5000);
      expect(run.code, explain(run)).toBe(exitCode);
      expect(run.stderr).toContain('[PG_ERR_INTERRUPTED]');
      expect(run.stderr).not.toMatch(/^\s+at /m); // no stack trace
      expect(fixturesRunning(marker)).toBe(0);
      // Written atomically: whole files, no temporaries.
      const files = await readdir(out);
      expect(files.filter((name) => name.includes('.tmp-'))).toEqual([]);
      expect(files).toEqual(
        expect.arrayContaining(['report.json', 'summary.md', 'junit.xml', 'report.html', 'trials.json']),
      );
      const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
      // What was measured, never a verdict: nothing judged.
      expect(report.aborted).toBe(true);
      expect(report.verdict).toBe('aborted');
      expect(report.metrics).toEqual([]);
      expect(report.reasons).toEqual([]);
      expect(report.interruption).toMatchObject({ signal, reason: `received ${signal}`, roundsCompleted: 1 });
      expect(report.interruption.cut).toEqual([
        { role: 'baseline', round: 2, started: true },
        { role: 'candidate', round: 2, started: true },
      ]);
      expect(report.rounds.completed).toBe(1);
      const whole = report.trials.filter((trial: { round: number }) => trial.round === 1);
      expect(whole).toHaveLength(2);
      for (const trial of whole) {
        expect(trial.interrupted).toBe(false);
        expect(trial.requests.total).toBeGreaterThanOrEqual(100); // 3 s at 40/s
      }
      for (const trial of report.trials.filter((t: { round: number }) => t.round === 2)) {
        expect(trial.interrupted).toBe(true);
        expect(trial.requests.total).toBeGreaterThanOrEqual(15); // served 20 before the signal; a few in flight
        expect(trial.requests.total).toBeLessThan(120);
      }
      const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
      expect(junit).toContain('type="aborted"');
      expect(junit).toContain('errors="1"');
      expect(junit).not.toContain('<failure');
      const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
      expect(summary).toContain('**ABORTED: no verdict**');
      expect(summary).not.toMatch(/\*\*(PASS|FAIL)/);
      expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain('ABORTED: no verdict');
      // Its partial figures cannot be judged later either.
      const again = await start(['report', out, '--out', path.join(dir, `again-${signal}`)]).done;
      expect(again.code, explain(again)).toBe(2);
      expect(again.stderr).toContain('aborted before its verdict');
      console.info(
        `${signal}: exit ${run.code} ${tookMs} ms after the signal; ${report.trials.length} trials in the aborted report`,
      );
    }, 90_000);
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

/** The `served N` the fixture logged last in trial `order`'s log (its service log in the out folder). */
function servedInTrial(out: string, order: number): number {
  try {
    const log = readdirSync(out).find((name) => name.endsWith(`-${order}.log`));
    if (log === undefined) return 0;
    const counts = [...readFileSync(path.join(out, log), 'utf8').matchAll(/served (\d+)/g)];
    return Number(counts.at(-1)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
