/**
 * Request kinds judged by default, end to end: the built CLI on the process driver with the tiny
 * node:http service of test/fixtures/endpoints. The scenario writes no per-kind limit; the
 * candidate's `search` kind (2% of the traffic) answers three times slower, and the comparison
 * fails naming it, while the other kinds and the whole mix do not fail.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, printFailedAttempts, root, runPeakgate, VERDICT_TESTS } from './cli-support.js';

printFailedAttempts();

const FIXTURES = join(root, 'test', 'fixtures', 'endpoints');
const SERVICE = join(FIXTURES, 'service.mjs');
/** /rare (the `search` kind) at 20 ms, 60 ms when bad; /common's 3% tail at 400 ms. */
const service = (bad: boolean): string =>
  `RARE_MS=20 COMMON_TAIL_MS=400 ${bad ? 'BAD=1 ' : ''}node ${JSON.stringify(SERVICE)}`;

interface MetricShape {
  name: string;
  request?: string;
  status: string;
  holm?: { rejected: boolean; tests: number };
}

describe('every request kind judged by default', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'peakgate-kinds-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('fails a 2%-share kind made 3x slower with no limit written for it, naming the kind', {
    ...VERDICT_TESTS,
    timeout: 150_000,
  }, async () => {
    const dir = join(out, 'compare');
    const run = await runPeakgate(
      [
        'compare',
        join(FIXTURES, 'kinds-by-default.yaml'),
        '--driver',
        'process',
        '--baseline-cmd',
        service(false),
        '--candidate-cmd',
        service(true),
        '--out',
        dir,
      ],
      140_000,
    );
    expect(run.code, explainRun(run)).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
      reasons: string[];
      metrics: MetricShape[];
    };
    const search = report.metrics.find((m) => m.name === 'latency.p50' && m.request === 'search');
    expect(search?.status, JSON.stringify(search)).toBe('fail');
    expect(search?.holm?.rejected).toBe(true);
    expect(report.reasons.some((reason) => reason.startsWith('p50 latency of search +'))).toBe(true);
    // The kinds that did not change are judged too, and none of them fails.
    const others = report.metrics.filter((m) => m.holm !== undefined && m.request !== 'search');
    expect(others.map((m) => m.request)).toEqual(expect.arrayContaining(['home', 'list']));
    expect(others.filter((m) => m.status === 'fail')).toEqual([]);
    expect(run.stdout).toContain('p50 latency of search');
  });
});
