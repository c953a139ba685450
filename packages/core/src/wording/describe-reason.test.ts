import { describe, expect, it } from 'vitest';
import type { ChangeFinding, Finding, FindingKind, OutrightFinding, SloFinding } from '../judge/finding.js';
import { describeReason, lastLogLines } from './describe-reason.js';

const log = ['starting', '', 'listening on :8080', 'TypeError: x is undefined', '    at handler (server.js:42)'];

const cpu: ChangeFinding = {
  kind: 'limit',
  metric: 'cpu.per_request',
  label: 'CPU per request',
  unit: 'ms',
  direction: 'lower-is-better',
  baseline: 0.21,
  candidate: 0.275,
  change: 1.31,
  interval: [1.27, 1.35],
  confidence: 0.95,
  limit: 0.1,
};

const p99: SloFinding = {
  kind: 'slo',
  metric: 'latency.p99',
  label: 'p99 latency',
  phase: 'peak',
  unit: 'ms',
  direction: 'lower-is-better',
  observed: 3.921,
  slo: 3,
  scope: 'estimate',
};

const errorRate: ChangeFinding = {
  kind: 'limit',
  metric: 'error_rate',
  label: 'error rate',
  unit: 'ratio',
  direction: 'lower-is-better',
  baseline: 0,
  candidate: 0.0201,
  change: 40,
  interval: [20, 80],
  confidence: 0.95,
  limit: 1,
  errorRates: {
    baseline: { errors: 0, total: 30_039 },
    candidate: { errors: 603, total: 30_023 },
    difference: { estimate: 0.0201, lower: 0.0186, upper: 0.0217 },
    floor: 0.001,
  },
};

const crashed: OutrightFinding = { kind: 'crashed', role: 'candidate', round: 2, exitCode: 1, logTail: log };

/** One finding of every kind with the sentence it reads as. */
const cases: [Finding, string][] = [
  [cpu, 'CPU per request +31.0% (CI +27.0%..+35.0% at 95%, limit +10%): 0.210 ms → 0.275 ms'],
  [
    {
      ...cpu,
      kind: 'marginal',
      metric: 'latency.p50',
      label: 'p50 latency',
      phase: 'peak',
      baseline: 0.2,
      candidate: 0.4,
      change: 2,
      interval: [0.9, 3],
      floor: 0.05,
    },
    'p50 latency +100.0% (CI -10.0%..+200.0% at 95%, limit +10%, floor 0.0500 ms) in phase peak: 0.200 ms → 0.400 ms; past the limit but not with 95% confidence',
  ],
  [
    errorRate,
    'error rate jumped from 0.00% to 2.01% (603 of 30023 requests; baseline 0 of 30039) (+2.01 points, CI +1.86 points..+2.17 points, floor 0.10 points)',
  ],
  [p99, 'p99 latency 3.921 ms in phase peak is above the SLO 3.000 ms'],
  [
    {
      kind: 'not-ready',
      role: 'candidate',
      round: 1,
      detail: 'no answer on /healthz within 30 s',
      logTail: ['Error: EADDRINUSE'],
    },
    'candidate never became ready in round 1 (no answer on /healthz within 30 s): Error: EADDRINUSE',
  ],
  [
    crashed,
    'candidate crashed (exit 1) in round 2: listening on :8080 | TypeError: x is undefined | at handler (server.js:42)',
  ],
  [
    { kind: 'oom-killed', role: 'candidate', round: 1, memoryPeakBytes: 512 * 1048576, logTail: ['allocating cache'] },
    'candidate was OOM-killed in round 1, peak 512.0 MiB: allocating cache',
  ],
  [
    {
      kind: 'error-burst',
      role: 'candidate',
      round: 1,
      errorRate: 1,
      windowSeconds: 5,
      fromSecond: 54,
      toSecond: 59,
      phase: 'peak',
      logTail: [],
    },
    'candidate answered 100% errors for 5 s (seconds 54-59, phase peak) in round 1',
  ],
  [
    { kind: 'error-slo', role: 'candidate', errors: 187, total: 30_023, slo: 0.005, logTail: [] },
    'candidate error rate 0.62% (187 of 30023 requests) is above the SLO 0.50%',
  ],
  [
    { kind: 'mostly-errors', role: 'baseline', errors: 9017, total: 9968, logTail: [] },
    'baseline answered 90.46% errors (9017 of 9968 requests)',
  ],
  [{ kind: 'no-data', role: 'candidate', logTail: [] }, 'candidate completed no requests in any trial'],
  [
    {
      kind: 'aborted',
      role: 'candidate',
      round: 2,
      cause: 'error-burst',
      detail: 'more than 50% errors for 3 consecutive seconds (peak phase), up to 100%',
      afterMs: 6120,
      logTail: [],
    },
    'candidate stopped mid-trial in round 2 after 6.1 s: more than 50% errors for 3 consecutive seconds (peak phase), up to 100%',
  ],
  [
    {
      kind: 'baseline-broken',
      findings: [
        { kind: 'crashed', role: 'baseline', round: 1, exitCode: 139, logTail: ['Segmentation fault'] },
        { kind: 'mostly-errors', role: 'baseline', errors: 9, total: 10, logTail: [] },
      ],
    },
    'the baseline is broken, so the candidate cannot be judged: baseline crashed (exit 139) in round 1: Segmentation fault; baseline answered 90.00% errors (9 of 10 requests)',
  ],
];

describe('describeReason', () => {
  it.each(cases.map(([finding, text]) => [finding.kind, finding, text] as const))('%s', (_kind, finding, text) => {
    expect(describeReason(finding)).toBe(text);
  });

  it('has a case for every kind', () => {
    const kinds: Record<FindingKind, true> = {
      limit: true,
      marginal: true,
      slo: true,
      'not-ready': true,
      crashed: true,
      'oom-killed': true,
      'error-burst': true,
      aborted: true,
      'error-slo': true,
      'mostly-errors': true,
      'no-data': true,
      'baseline-broken': true,
    };
    expect(new Set(cases.map(([finding]) => finding.kind))).toEqual(new Set(Object.keys(kinds)));
  });

  it('says when the error rate rose without confidence', () => {
    expect(describeReason({ ...errorRate, kind: 'marginal' })).toBe(
      'error rate rose from 0.00% to 2.01%, not with 95% confidence (+2.01 points, CI +1.86 points..+2.17 points, floor 0.10 points)',
    );
  });

  it('names the rounds after which a marginal metric fails the verdict', () => {
    expect(describeReason({ ...cpu, kind: 'marginal', afterRounds: 6 })).toBe(
      'still marginal after 6 rounds: CPU per request +31.0% (CI +27.0%..+35.0% at 95%, limit +10%): 0.210 ms → 0.275 ms; past the limit but not with 95% confidence',
    );
  });

  it('reads SLO breaches by direction, by scope, and with a baseline that misses too', () => {
    expect(describeReason({ ...p99, baselineAlsoMisses: 3.985 })).toBe(
      'p99 latency 3.921 ms in phase peak is above the SLO 3.000 ms (the baseline misses it too: 3.985 ms)',
    );
    expect(
      describeReason({
        ...p99,
        metric: 'throughput',
        label: 'throughput',
        phase: 'burst',
        unit: 'req/s',
        direction: 'higher-is-better',
        observed: 802,
        slo: 900,
      }),
    ).toBe('throughput 802 req/s in phase burst is below the SLO 900 req/s');
    expect(
      describeReason({
        kind: 'slo',
        metric: 'memory.peak',
        label: 'peak memory',
        unit: 'bytes',
        direction: 'lower-is-better',
        observed: 110 * 1048576,
        slo: 100 * 1048576,
        scope: 'worst-trial',
      }),
    ).toBe('peak memory 110.0 MiB in a candidate trial is above the SLO 100.0 MiB');
  });

  it('leaves the log lines out on request (headings above a log excerpt)', () => {
    expect(describeReason(crashed, { logLines: false })).toBe('candidate crashed (exit 1) in round 2');
    // A colon in the detail is part of the heading, not where the log starts.
    expect(
      describeReason(
        { kind: 'not-ready', role: 'candidate', round: 1, detail: 'connect ECONNREFUSED 127.0.0.1:8080', logTail: log },
        { logLines: false },
      ),
    ).toBe('candidate never became ready in round 1 (connect ECONNREFUSED 127.0.0.1:8080)');
  });

  it('keeps the last three non-empty log lines and at most 300 characters', () => {
    expect(lastLogLines(['a', 'b', '', 'c', ' d ', ''])).toBe('b | c | d');
    const long = lastLogLines(['x'.repeat(400)]);
    expect(long).toHaveLength(300);
    expect(long.startsWith('…')).toBe(true);
  });
});
