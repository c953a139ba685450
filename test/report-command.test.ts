/**
 * `peakgate report <run> --out DIR [--limits SCENARIO]`: every file re-rendered from a saved
 * run's trials.json and report.json; the same verdict and metrics with the saved limits, a new
 * judgement under the limits of another scenario file (exit 1 when it now fails), and usage
 * errors (exit 2) for a folder that is not a saved run. The saved run is built from synthetic
 * trials with a known +20% CPU per request.
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/dist/index.js';
import { buildReport, type CompareSpec, type Report, type Scenario } from '../packages/core/dist/index.js';
import { judge } from '../packages/core/dist/judge/judge.js';
import { buildSyntheticComparison } from '../packages/core/src/test-support/synthetic-trials.js';
import { captureOutput } from './cli-support.js';

const compare: CompareSpec = {
  rounds: 3,
  maxRounds: 3,
  limits: { 'cpu.per_request': 0.3 },
  slo: {},
  confidence: 0.95,
  schedule: 'duet',
};
const scenario: Scenario = {
  name: 'saved-run',
  service: {
    port: 8080,
    ready: { kind: 'http', path: '/healthz', timeoutMs: 30_000 },
    env: {},
    resources: {},
    network: 'bridge',
  },
  baseline: { kind: 'image', image: 'shop:1' },
  candidate: { kind: 'image', image: 'shop:2' },
  load: {
    phases: [
      { name: 'peak', durationMs: 20_000, load: { model: 'open', rate: { from: 500, to: 500 }, maxConnections: 64 } },
    ],
    requests: [{ weight: 1, method: 'GET', path: '/', headers: {} }],
    expectStatus: [200],
    timeoutMs: 10_000,
  },
  compare,
};
const STRICT = `name: strict
load:
  phases:
    - { name: peak, duration: 20s, rate: 500 }
  requests:
    - { path: / }
compare:
  rounds: 3
  limits:
    cpu.per_request: +5%
    latency.p99: +30%
`;

let dir: string;
let saved: Report;
let previousSummary: string | undefined;

beforeAll(async () => {
  // In-process runs read the real environment: keep a CI runner's job summary out of this test.
  previousSummary = process.env.GITHUB_STEP_SUMMARY;
  delete process.env.GITHUB_STEP_SUMMARY;
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-report-'));
  const same = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6 };
  const trials = buildSyntheticComparison(3, 11, same, { ...same, cpuPerRequestMs: 0.24 });
  saved = buildReport({
    scenario,
    trials,
    judgement: judge(trials, compare),
    environment: { peakgateVersion: '0.1.0', node: 'v20', platform: 'linux', cores: 2, driver: 'docker' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:02:00.000Z',
  });
  await mkdir(path.join(dir, 'run'));
  await writeFile(path.join(dir, 'run', 'trials.json'), JSON.stringify(trials));
  await writeFile(path.join(dir, 'run', 'report.json'), JSON.stringify(saved, null, 2));
  await writeFile(path.join(dir, 'strict.yaml'), STRICT);
});
afterAll(async () => {
  if (previousSummary !== undefined) process.env.GITHUB_STEP_SUMMARY = previousSummary;
  await rm(dir, { recursive: true, force: true });
});

describe('peakgate report', () => {
  it('re-renders every file of a saved run with the same verdict and metrics', async () => {
    expect(saved.verdict).toBe('pass');
    const output = captureOutput();
    const out = path.join(dir, 'again');
    expect(await main(['report', path.join(dir, 'run'), '--out', out], output), output.stderr).toBe(0);
    for (const file of ['report.json', 'summary.md', 'junit.xml', 'report.html', 'trials.json']) {
      await access(path.join(out, file));
    }
    const again = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
    expect(again.verdict).toBe('pass');
    expect(again.metrics).toEqual(saved.metrics);
    expect(again.scenario).toEqual(saved.scenario);
    expect(again.environment).toEqual(saved.environment);
    expect(again.startedAt).toBe(saved.startedAt);
    expect(again.latencyPercentiles).toEqual(saved.latencyPercentiles);
    expect(await readFile(path.join(out, 'trials.json'), 'utf8')).toBe(
      await readFile(path.join(dir, 'run', 'trials.json'), 'utf8'),
    );
    expect(output.stdout).toMatch(/^PASS: the candidate holds this load as well as the baseline$/m);
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain('<div class="verdict pass">');
  });

  it('re-judges under the limits of another scenario file: the +20% CPU now fails (exit 1)', async () => {
    const output = captureOutput();
    const args = ['report', path.join(dir, 'run', 'trials.json'), '--out', path.join(dir, 'strict-out')];
    expect(await main([...args, '--limits', path.join(dir, 'strict.yaml'), '--json'], output), output.stderr).toBe(1);
    const report = JSON.parse(output.stdout) as Report;
    expect(report.verdict).toBe('fail');
    expect(report.scenario.name).toBe('saved-run');
    expect(report.scenario.compare.limits).toEqual({ 'cpu.per_request': 0.05, 'latency.p99': 0.3 });
    expect(report.metrics.find((m) => m.name === 'cpu.per_request')?.status).toBe('fail');
    expect(report.reasons.some((r) => r.startsWith('CPU per request +'))).toBe(true);
  });

  it.each([
    { name: 'a folder without trials.json', setup: 'empty', message: /cannot read .*trials\.json/ },
    { name: 'trials.json without report.json beside it', setup: 'lonely', message: /cannot read .*report\.json/ },
    { name: 'a file that is not trials', setup: 'garbage', message: /is not a peakgate trials\.json/ },
  ])('$name: usage error, exit 2', async ({ setup, message }) => {
    const target = path.join(dir, setup);
    await mkdir(target, { recursive: true });
    if (setup === 'lonely') await writeFile(path.join(target, 'trials.json'), '[]');
    if (setup === 'garbage') await writeFile(path.join(target, 'trials.json'), '{"not": "trials"}');
    const output = captureOutput();
    expect(await main(['report', target, '--out', path.join(dir, `${setup}-out`)], output)).toBe(2);
    expect(output.stderr).toMatch(message);
    expect(output.stderr).toContain('[PG_ERR_OPTS_INVALID]');
  });

  it('needs --out', async () => {
    const output = captureOutput();
    expect(await main(['report', path.join(dir, 'run')], output)).toBe(2);
    expect(output.stderr).toContain("required option '--out <dir>' not specified");
  });
});
