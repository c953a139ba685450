/**
 * `peakgate compare` end to end, as a CI job runs it: the built CLI as a real process, real
 * services (containers from the offline images, or local processes), real load. Checks the exit
 * codes CI relies on (0 pass, 1 fail, 2 invalid scenario, 3 infrastructure), the reasons, the
 * report files, and that nothing is left running.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverName } from '../packages/core/dist/index.js';
import { explainRun, printFailedAttempts, runPeakgate, VERDICT_TESTS } from './cli-support.js';
import {
  balancerScript,
  dockerMissingInCi,
  dockerOk,
  dockerSkipReason,
  ensureImages,
  labelledContainers,
  root,
} from './runtime-support.js';

printFailedAttempts();

const SCENARIO = join(root, 'test', 'fixtures', 'scenarios', 'compare-short.yaml');

interface ReportShape {
  verdict: 'pass' | 'fail';
  reasons: string[];
  metrics: Array<{ name: string; status: string; change: number; interval: [number, number] }>;
  trials: Array<{ role: string; round: number }>;
  environment: { driver: string };
  rounds: { completed: number; max: number; stoppedBy?: string };
  sequential?: { state: 'pass' | 'fail' | 'undecided' };
}

const peakgate = (args: string[]) => runPeakgate(args, 290_000);
const explain = explainRun;

type Builds = (mode: string) => string[];

const dockerBuilds: Builds = (mode) => [
  '--driver',
  'docker',
  '--baseline',
  'peakgate/balancer:good',
  '--candidate',
  `peakgate/balancer:${mode}`,
];
const processBuilds: Builds = (mode) => [
  '--driver',
  'process',
  '--baseline-cmd',
  `MODE=good node ${JSON.stringify(balancerScript)}`,
  '--candidate-cmd',
  // Twice the sample's redundant share: on the process driver the shipped share measures only
  // about +17% CPU per request against compare-short's +10% limit (+29% with 1.2), too thin a
  // margin for a CI check on a shared VM. The docker image keeps its default (about +20%).
  `MODE=${mode} REGRESSION_SHARE=1.2 CRASH_AFTER=300 node ${JSON.stringify(balancerScript)}`,
];

function comparisonSuite(driver: DriverName, builds: Builds): void {
  let out: string;
  beforeAll(async () => {
    if (driver === 'docker') ensureImages();
    out = await mkdtemp(join(tmpdir(), `peakgate-compare-${driver}-`));
  }, 300_000);
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
    if (driver === 'docker') expect(await labelledContainers()).toEqual([]);
  });

  it('passes the same build against itself (exit 0) and writes every report file', {
    ...VERDICT_TESTS,
    timeout: 300_000,
  }, async () => {
    const dir = join(out, 'aa');
    // The planned 3 rounds only: A/A here checks the path and the files; how often the sequential
    // rule passes A/A over more rounds is bench/calibrate's to measure, not CI's.
    const run = await peakgate(['compare', SCENARIO, ...builds('good'), '--max-rounds', '3', '--out', dir]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toContain('PASS');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as ReportShape;
    expect(report.verdict).toBe('pass');
    expect(report.environment.driver).toBe(driver);
    expect(report.trials.length).toBeGreaterThanOrEqual(6);
    // Three rounds either settle every metric or stop at max_rounds with one still undecided, and
    // the report says which.
    expect(report.rounds.stoppedBy).toBe(
      report.sequential?.state === 'undecided' && report.rounds.completed === report.rounds.max
        ? 'max-rounds'
        : 'decided',
    );
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toContain('PASS');
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuite[^>]+failures="0"/);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('<svg');
    // Three rounds share one abort signal: no listener leak warning (or any other) from node.
    expect(run.stderr).not.toMatch(/Warning/);
  });

  it('fails the regressed build (exit 1) with a CPU reason', { ...VERDICT_TESTS, timeout: 300_000 }, async () => {
    // Up to 8 rounds, not the profile's 5: a clear case still stops at the third look, and a
    // round knocked by a stall on this shared VM leaves the sequential rule looks to spare.
    const run = await peakgate(['compare', SCENARIO, ...builds('regressed'), '--max-rounds', '8', '--json']);
    expect(run.code, explain(run)).toBe(1);
    const report = JSON.parse(run.stdout) as ReportShape;
    expect(report.verdict).toBe('fail');
    // The sequential decision stops at the first look where anything fails: the regression's
    // CPU cost fails on its own, or its latency (p50 rises with it) fails first while CPU per
    // request is still marginal at the corrected confidence. Either way CPU shows the cause.
    const cpu = report.metrics.find((m) => m.name === 'cpu.per_request');
    expect(['fail', 'marginal'], explain(run)).toContain(cpu?.status);
    expect(cpu?.change).toBeGreaterThan(1.1);
    expect(report.reasons.join('\n')).toMatch(/(CPU per request|p50 latency|p99 latency) \+\d+(\.\d)?% \(CI \+/);
  });

  it('fails a build that crashes under load (exit 1) with the crash reason and its last log line', async () => {
    const run = await peakgate(['compare', SCENARIO, ...builds('crashy'), '--json']);
    expect(run.code, explain(run)).toBe(1);
    const report = JSON.parse(run.stdout) as ReportShape;
    const reasons = report.reasons.join('\n');
    expect(reasons).toMatch(/candidate crashed/i);
    expect(reasons).toContain('crashing after');
  }, 300_000);
}

it.runIf(dockerMissingInCi)('has a Docker engine in CI', () => {
  expect.fail(`CI=true but ${dockerSkipReason}: the Docker comparisons must run in CI`);
});

describe.skipIf(!dockerOk)(`peakgate compare, docker driver (skipped: ${dockerOk ? '-' : dockerSkipReason})`, () => {
  comparisonSuite('docker', dockerBuilds);

  it('exits 3 with a one-line cause when the candidate image does not exist', async () => {
    const run = await peakgate([
      'compare',
      SCENARIO,
      '--driver',
      'docker',
      '--baseline',
      'peakgate/balancer:good',
      '--candidate',
      'peakgate/does-not-exist:1.0',
    ]);
    expect(run.code, explain(run)).toBe(3);
    expect(run.stderr).toContain('PG_ERR_RUNTIME_IMAGE_MISSING');
    expect(run.stderr).toContain('peakgate/does-not-exist:1.0');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('peakgate compare, process driver', () => {
  comparisonSuite('process', processBuilds);
});

describe('peakgate compare, bad input', () => {
  it('exits 2 for an invalid scenario, naming file, line and field, and starts nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peakgate-compare-bad-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'name: bad',
        'load:',
        '  phases:',
        '    - { duration: 2s, rate: 10 }',
        '  requests: []',
        'compare:',
        '  limts: {}',
        '',
      ].join('\n'),
    );
    const run = await peakgate(['compare', file, '--baseline-cmd', 'true', '--candidate-cmd', 'true']);
    await rm(dir, { recursive: true, force: true });
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toContain('bad.yaml:7:3');
    expect(run.stderr).toContain('compare.limts');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when the flags mix an image and a command', async () => {
    const run = await peakgate([
      'compare',
      SCENARIO,
      '--baseline',
      'peakgate/balancer:good',
      '--candidate-cmd',
      'node x.js',
    ]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toContain('both be images');
  });
});
