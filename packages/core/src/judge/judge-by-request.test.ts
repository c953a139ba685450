/**
 * Per-request-name judgement (`latency.p99{name=rare}`): the same paired machinery as the whole
 * mix's, on that name's own histograms, and no verdict at all below the per-trial sample minimum.
 */
import { describe, expect, it } from 'vitest';
import type { CompareSpec } from '../scenario/model.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import { describeReason } from '../wording/describe-reason.js';
import { judge } from './judge.js';

const spec = (byRequest: CompareSpec['byRequest']): CompareSpec => ({
  rounds: 3,
  maxRounds: 3,
  limits: {},
  slo: {},
  confidence: 0.95,
  schedule: 'duet',
  ...(byRequest === undefined ? {} : { byRequest }),
});

/** 20 s at 500 req/s; `rare` is 2% of it (about 200 requests a trial). */
const side = (rareFactor: number) => ({
  latencyMedianMs: 2,
  slowFraction: 0.03,
  slowFactor: 20,
  kinds: [
    { name: 'common', share: 0.98 },
    { name: 'rare', share: 0.02, latencyFactor: rareFactor },
  ],
});

describe('judging one request name', () => {
  it('fails a 3x slower rare endpoint on its own p99 while the whole mix p99 passes', () => {
    const trials = buildSyntheticComparison(3, 11, side(2), side(6));
    const judgement = judge(trials, spec({ rare: { limits: { 'latency.p99': 0.1 }, slo: {} } }));
    const rare = judgement.metrics.find((m) => m.name === 'latency.p99' && m.request === 'rare');
    const mix = judgement.metrics.find((m) => m.name === 'latency.p99' && m.request === undefined);
    expect(rare?.status).toBe('fail');
    expect(rare?.method).toBe('paired-bootstrap');
    expect(rare?.limit).toBe(0.1);
    expect(mix?.status).toBe('pass');
    expect(judgement.verdict).toBe('fail');
    const finding = judgement.reasonFindings.find((f) => f.kind === 'limit');
    expect(finding).toMatchObject({ metric: 'latency.p99', request: 'rare', phase: 'peak' });
    expect(judgement.reasons[0]).toMatch(/^p99 latency of rare \+\d+\.\d% \(CI .* limit \+10%\) in phase peak: /);
  });

  it('passes the same build against itself, and judges only what is selected', () => {
    const trials = buildSyntheticComparison(3, 12, side(2), side(2));
    const judgement = judge(trials, spec({ rare: { limits: { 'latency.p99': 0.1 }, slo: { 'latency.p50': 50 } } }));
    // `common` has no limit of its own: it is judged by default (judge-request-kinds.test.ts).
    const perName = judgement.metrics.filter((m) => m.request !== undefined && m.holm === undefined);
    expect(perName.map((m) => `${m.name} ${m.request} ${m.status}`).sort()).toEqual([
      'latency.p50 rare pass',
      'latency.p99 rare pass',
    ]);
    expect(judgement.metrics.some((m) => m.request === 'rare' && m.holm !== undefined)).toBe(false);
    expect(perName.find((m) => m.name === 'latency.p50')?.slo).toBe(50);
    expect(judgement.verdict).toBe('pass');
  });

  it('holds a per-name SLO and names the endpoint in the reason', () => {
    const trials = buildSyntheticComparison(3, 13, side(2), side(6));
    const judgement = judge(trials, spec({ rare: { limits: {}, slo: { 'latency.p50': 5 } } }));
    const slo = judgement.reasonFindings.find((f) => f.kind === 'slo');
    expect(slo).toMatchObject({ metric: 'latency.p50', request: 'rare' });
    expect(slo && describeReason(slo)).toMatch(
      /^p50 latency of rare [\d.]+ ms in phase peak is above the SLO 5\.000 ms/,
    );
  });

  it('does not judge a percentile of too few requests: it warns instead', () => {
    const trials = buildSyntheticComparison(3, 14, side(2), side(6));
    const judgement = judge(trials, spec({ rare: { limits: { 'latency.p99': 0.1 }, slo: {} } }), {
      minRequestsPerName: 1000,
    });
    expect(judgement.metrics.some((m) => m.request === 'rare')).toBe(false);
    expect(judgement.warnings).toContainEqual(
      expect.stringMatching(/^latency of rare not judged in phase peak: fewer than 1,000 of its requests in a trial/),
    );
  });

  it('judges a per-name error rate by counts', () => {
    const trials = buildSyntheticComparison(3, 15, side(2), side(2));
    const judgement = judge(trials, spec({ rare: { limits: { error_rate: 1 }, slo: {} } }));
    const rate = judgement.metrics.find((m) => m.name === 'error_rate' && m.request === 'rare');
    expect(rate?.method).toBe('proportion-difference');
    expect(rate?.status).toBe('pass');
    expect(rate?.samples.baseline).toBeGreaterThan(400);
  });
});
