/**
 * Abort mid-trial: a candidate that crashes stops its round at once (both sides' load, both
 * services), and the comparison fails with the crash. Before this, the baseline's trial ran its
 * full warm-up and measured phases first (16.3 s to a verdict on this scenario; 4.7 s after:
 * docs/benchmarks.md "Abort mid-trial"). A candidate answering mostly errors is stopped after 3 s
 * of them (process driver, no Docker needed).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from './cli-support.js';
import { dockerMissingInCi, dockerOk, dockerSkipReason, ensureImages, root } from './runtime-support.js';

const SHORT = join(root, 'test', 'fixtures', 'scenarios', 'compare-short.yaml');
/** compare-short.yaml: 300 req/s from the start; the crashy sample exits after 500 requests. */
const CRASH_AFTER_MS = (500 / 300) * 1000;
/** The round's measured phase, stretched so that a round run to its end could not pass the bound. */
const PEAK_SECONDS = 20;

interface ReportShape {
  verdict: string;
  reasons: string[];
  trials: Array<{ role: string; abort?: { by: string; kind: string; afterMs: number } }>;
}

it.runIf(dockerMissingInCi)('has a Docker engine in CI', () => {
  expect.fail(`CI=true but ${dockerSkipReason}: the abort test must run in CI`);
});

describe.skipIf(!dockerOk)(`abort mid-trial, docker driver (skipped: ${dockerOk ? '-' : dockerSkipReason})`, () => {
  beforeAll(() => ensureImages(), 300_000);

  it('stops the round within 5 s of the candidate crashing and fails the comparison', async () => {
    const out = await mkdtemp(join(tmpdir(), 'peakgate-abort-'));
    const scenario = join(out, 'compare-long-peak.yaml');
    const short = await readFile(SHORT, 'utf8');
    const long = short.replace(/name: peak, duration: \d+s/, `name: peak, duration: ${PEAK_SECONDS}s`);
    expect(long).not.toBe(short);
    await writeFile(scenario, long);
    const started = performance.now();
    const run = await runPeakgate([
      'compare',
      scenario,
      '--driver',
      'docker',
      '--baseline',
      'peakgate/balancer:good',
      '--candidate',
      'peakgate/balancer:crashy',
      // A folder of its own: `out` holds the scenario (an --out with other files is refused).
      '--out',
      join(out, 'run'),
      '--json',
    ]);
    const elapsedMs = performance.now() - started;
    expect(run.code, explainRun(run)).toBe(1);
    const report = JSON.parse(run.stdout) as ReportShape;
    expect(report.reasons.join('\n')).toMatch(/candidate crashed/);
    // One round only, and both trials say why they stopped.
    expect(report.trials).toHaveLength(2);
    for (const trial of report.trials) expect(trial.abort).toMatchObject({ by: 'candidate', kind: 'crashed' });
    const afterMs = report.trials[0]?.abort?.afterMs ?? Number.POSITIVE_INFINITY;
    expect(afterMs).toBeLessThan(CRASH_AFTER_MS + 5000);
    // The round's 21 s of load was not run to its end (over 23 s to a verdict with start and stop;
    // the abort comes ~1.7 s into the load, ~4 s in all here).
    expect(elapsedMs).toBeLessThan(7_000);
  }, 120_000);
});

describe('abort mid-trial, process driver', () => {
  it('stops the round after 3 s of a candidate answering mostly errors (an error burst)', async () => {
    const out = await mkdtemp(join(tmpdir(), 'peakgate-abort-burst-'));
    const scenario = join(out, 'burst.yaml');
    // 2 s warm-up + 20 s measured: without the abort the candidate's trial would take 22 s.
    await writeFile(
      scenario,
      `name: burst
service:
  ready: { tcp: true, timeout: 10s }
load:
  warmup: { duration: 2s, rate: 40 }
  phases:
    - { name: peak, duration: 20s, rate: 40 }
  requests:
    - { path: /x }
  expect: { status: [200] }
compare: { rounds: 1, max_rounds: 1 }
`,
    );
    const server = (status: number) =>
      `exec node -e "require('http').createServer((q, s) => { s.statusCode = ${status}; s.end(); }).listen(process.env.PORT, '127.0.0.1')"`;
    const started = performance.now();
    const run = await runPeakgate([
      'compare',
      scenario,
      '--driver',
      'process',
      '--baseline-cmd',
      server(200),
      '--candidate-cmd',
      server(500),
      '--out',
      join(out, 'run'),
      '--json',
    ]);
    const elapsedMs = performance.now() - started;
    expect(run.code, explainRun(run)).toBe(1);
    const report = JSON.parse(run.stdout) as ReportShape;
    expect(report.reasons.join('\n')).toMatch(
      /candidate stopped mid-trial in round 1 after [\d.]+ s: more than 50% errors for 3 consecutive seconds/,
    );
    for (const trial of report.trials) expect(trial.abort).toMatchObject({ by: 'candidate', kind: 'error-burst' });
    // Warm-up (2 s) + 3 bad seconds + the second that closes the streak, well short of 22 s.
    expect(report.trials[0]?.abort?.afterMs).toBeLessThan(9000);
    expect(elapsedMs).toBeLessThan(18_000);
    // The baseline's cut-short trial is no evidence against it: not an infrastructure error.
    expect(run.stderr).not.toContain('PG_ERR_INFRA_BASELINE');
  }, 60_000);
});
