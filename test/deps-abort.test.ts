/**
 * Abort mid-trial: a candidate that crashes stops its round at once (both sides' load, both
 * services), and the comparison fails with the crash. Before this, the baseline's trial ran its
 * full warm-up and measured phases first (16.3 s to a verdict on this scenario; 4.7 s after:
 * docs/benchmarks.md "Abort mid-trial").
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from './cli-support.js';
import { dockerMissingInCi, dockerOk, dockerSkipReason, ensureImages, root } from './runtime-support.js';

const SCENARIO = join(root, 'test', 'fixtures', 'scenarios', 'compare-short.yaml');
/** compare-short.yaml: warm-up at 300 req/s; the crashy sample exits after 500 requests. */
const CRASH_AFTER_MS = (500 / 300) * 1000;

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
    const started = performance.now();
    const run = await runPeakgate([
      'compare',
      SCENARIO,
      '--driver',
      'docker',
      '--baseline',
      'peakgate/balancer:good',
      '--candidate',
      'peakgate/balancer:crashy',
      '--out',
      out,
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
    // The baseline's 13 s of load was not run to its end (16 s to a verdict before).
    expect(elapsedMs).toBeLessThan(13_000);
  }, 120_000);
});
