/**
 * Per-endpoint judgement end to end, with the built CLI as a real process and a tiny node:http
 * service on the process driver (test/fixtures/endpoints/service.mjs): a regression in an endpoint
 * with 2% of the traffic fails `latency.p99{name=rare}` while the whole mix's p99 passes, and
 * `peakgate run --slo` exits 1 on a breach and 0 without one, with --service and with --target.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, printFailedAttempts, root, runPeakgate, VERDICT_TESTS } from './cli-support.js';

printFailedAttempts();

const FIXTURES = join(root, 'test', 'fixtures', 'endpoints');
const SERVICE = join(FIXTURES, 'service.mjs');
const service = (bad: boolean, env = ''): string => `${env}${bad ? 'BAD=1 ' : ''}node ${JSON.stringify(SERVICE)}`;
/** /rare at 60 ms (180 ms when bad) under /common's 400 ms tail: see rare-endpoint.yaml. */
const COMPARE_ENV = 'RARE_MS=60 COMMON_TAIL_MS=400 ';

interface MetricShape {
  name: string;
  request?: string;
  phase?: string;
  status: string;
  baseline: number;
  candidate: number;
}

describe('a regression in a rare endpoint (2% of the traffic)', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'peakgate-endpoints-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('fails latency.p99{name=rare} while the whole mix p99 does not fail', {
    ...VERDICT_TESTS,
    timeout: 180_000,
  }, async () => {
    const dir = join(out, 'compare');
    const run = await runPeakgate(
      [
        'compare',
        join(FIXTURES, 'rare-endpoint.yaml'),
        '--driver',
        'process',
        '--baseline-cmd',
        service(false, COMPARE_ENV),
        '--candidate-cmd',
        service(true, COMPARE_ENV),
        '--out',
        dir,
      ],
      170_000,
    );
    expect(run.code, explainRun(run)).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
      verdict: string;
      reasons: string[];
      reasonFindings: Array<{ kind: string; request?: string; metric?: string }>;
      metrics: MetricShape[];
      requestKinds: Array<{ name: string; baseline: { requests: number } | null }>;
    };
    expect(report.verdict).toBe('fail');
    const rare = report.metrics.find((m) => m.name === 'latency.p99' && m.request === 'rare');
    const mix = report.metrics.find((m) => m.name === 'latency.p99' && m.request === undefined);
    expect(rare?.status, JSON.stringify(rare)).toBe('fail');
    expect(rare?.candidate ?? 0).toBeGreaterThan(2 * (rare?.baseline ?? Infinity));
    // The whole mix's p99 is /common's 30 ms tail on both sides: it does not fail.
    expect(mix?.status, JSON.stringify(mix)).not.toBe('fail');
    expect(report.reasonFindings).toContainEqual(
      expect.objectContaining({ kind: 'limit', metric: 'latency.p99', request: 'rare' }),
    );
    expect(report.reasons.some((reason) => reason.startsWith('p99 latency of rare +'))).toBe(true);
    expect(report.requestKinds.map((kind) => kind.name)).toEqual(['common', 'rare']);
    // Every report shows the endpoint: summary.md, junit.xml, report.html and the terminal table.
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toMatch(/Requests by name[\s\S]*\| rare \| peak \|/);
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain('name="p99 latency of rare (peak)"');
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('<h2>Requests by name</h2>');
    expect(run.stdout).toContain('p99 latency of rare');
    // The per-name table fits the width (80 when not a terminal): there, a row per side under a Side column.
    expect(run.stdout).toMatch(/│ Side +│[\s\S]*│ rare +│ peak +│ baseline +│[^\n]*\n[^\n]*\n│ +│ +│ candidate +│/);
  });
});

describe('peakgate run --slo', () => {
  const scenario = join(FIXTURES, 'run-slo.yaml');
  const slo = ['--slo', 'latency.p50{name=rare}=11ms', '--slo', 'error_rate=1%'];

  it('--service: exit 1 when a per-name SLO is breached, with the breach in --json', async () => {
    const out = await mkdtemp(join(tmpdir(), 'peakgate-run-slo-'));
    try {
      const run = await runPeakgate(
        ['run', scenario, '--service', service(true), '--driver', 'process', '--out', out, '--json', ...slo],
        60_000,
      );
      expect(run.code, explainRun(run)).toBe(1);
      const result = JSON.parse(run.stdout) as {
        slo: { verdict: string; breaches: Array<{ metric: string; request?: string; observed: number }> };
      };
      expect(result.slo.verdict).toBe('fail');
      expect(result.slo.breaches).toEqual([
        expect.objectContaining({ metric: 'latency.p50', request: 'rare', phase: 'steady' }),
      ]);
      expect(run.stderr).toContain('SLO breached (1 of 2 checks)');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 70_000);

  describe('--target', () => {
    let child: ChildProcess;
    let url: string;
    beforeAll(async () => {
      child = spawn(process.execPath, [SERVICE], { env: { ...process.env, PORT: '0' }, stdio: 'pipe' });
      const line = await new Promise<string>((resolve) =>
        child.stdout?.once('data', (chunk: Buffer) => resolve(String(chunk))),
      );
      url = `http://127.0.0.1:${/listening on (\d+)/.exec(line)?.[1] ?? '0'}`;
    });
    afterAll(() => {
      child.kill();
    });

    it('exit 0 when every SLO holds, and the table shows each request name', async () => {
      const run = await runPeakgate(['run', scenario, '--target', url, ...slo], 60_000);
      expect(run.code, explainRun(run)).toBe(0);
      expect(run.stdout).toMatch(/\n[│| ]*\s+ rare\s/);
      expect(run.stdout).toContain('SLO: all 2 check(s) pass');
    }, 70_000);

    it("checks the scenario's own compare.slo when no --slo is given", async () => {
      const run = await runPeakgate(['run', scenario, '--target', url], 60_000);
      expect(run.code, explainRun(run)).toBe(0);
      expect(run.stdout).toContain('SLO: all 1 check(s) pass');
    }, 70_000);

    it('exit 1 on a breach, naming the endpoint, phase, value and bound', async () => {
      const run = await runPeakgate(['run', scenario, '--target', url, '--slo', 'latency.p50{name=rare}=1ms'], 60_000);
      expect(run.code, explainRun(run)).toBe(1);
      expect(run.stdout).toContain('SLO BREACHED: 1 of 1 check(s)');
      expect(run.stdout).toMatch(/p50 latency of rare [\d.]+ ms in phase steady is above the SLO 1\.000 ms/);
    }, 70_000);

    it('refuses an --slo selector that names no request (exit 2, nothing sent)', async () => {
      const run = await runPeakgate(['run', scenario, '--target', url, '--slo', 'latency.p99{name=nope}=5ms'], 30_000);
      expect(run.code, explainRun(run)).toBe(2);
      expect(run.stderr).toContain('no request is named "nope"');
    });
  });
});
