import { describe, expect, it } from 'vitest';
import type { CompareSpec } from '../scenario/model.js';
import { buildSyntheticComparison, type SyntheticTrialOptions } from '../test-support/synthetic-trials.js';
import type { TrialResult } from '../trial.js';
import { describeReason } from '../wording/describe-reason.js';
import { judge } from './judge.js';

type Side = Omit<SyntheticTrialOptions, 'role' | 'round' | 'seed'>;

const spec = (overrides: Partial<CompareSpec> = {}): CompareSpec => ({
  rounds: 3,
  maxRounds: 6,
  limits: {},
  slo: {},
  confidence: 0.95,
  schedule: 'duet',
  ...overrides,
});

const same: Side = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6 };
const fast = { resamples: 600 };

function metric(result: ReturnType<typeof judge>, name: string, phase?: string) {
  const found = result.metrics.find((m) => m.name === name && (phase === undefined || m.phase === phase));
  if (!found) throw new Error(`no metric ${name}`);
  return found;
}

function crashRound(
  trials: TrialResult[],
  role: 'baseline' | 'candidate',
  round: number,
  exit: Partial<TrialResult['exit']>,
): TrialResult[] {
  return trials.map((trial) =>
    trial.role === role && trial.round === round ? { ...trial, exit: { ...trial.exit, ...exit } } : trial,
  );
}

describe('judge: metric verdicts', () => {
  it('passes identical builds and judges the default metrics', () => {
    // 12,000 requests a trial: p99.9 is judged from 10,000 in every trial.
    const side: Side = { ...same, phases: [{ name: 'peak', model: 'open', seconds: 20, rate: 600 }] };
    const result = judge(buildSyntheticComparison(3, 1, side, side), spec(), fast);
    expect(result.verdict).toBe('pass');
    expect(result.reasons).toEqual([]);
    expect(result.rounds).toBe(3);
    expect(result.metrics.map((m) => m.name)).toEqual([
      'latency.p50',
      'latency.p99',
      'latency.p999',
      'cpu.per_request',
      'memory.peak',
      'error_rate',
    ]);
    const p99 = metric(result, 'latency.p99', 'peak');
    expect(p99.interval[0]).toBeLessThan(p99.change);
    expect(p99.interval[1]).toBeGreaterThan(p99.change);
    expect(p99.samples).toEqual({ baseline: 30, candidate: 30, kind: 'windows' });
  });

  it('fails a +30% CPU-per-request regression with an actionable reason', () => {
    // One look (max_rounds = rounds): the interval is at the stated 95%.
    const result = judge(
      buildSyntheticComparison(3, 2, same, { ...same, cpuPerRequestMs: 0.26 }),
      spec({ maxRounds: 3 }),
      fast,
    );
    expect(result.verdict).toBe('fail');
    const cpu = metric(result, 'cpu.per_request');
    expect(cpu.status).toBe('fail');
    expect(cpu.change).toBeGreaterThan(1.2);
    expect(cpu.change).toBeLessThan(1.4);
    expect(cpu.interval[0]).toBeGreaterThan(1.1);
    expect(result.reasons.join('\n')).toMatch(
      /^CPU per request \+\d+\.\d% \(CI \+\d+\.\d%\.\.\+\d+\.\d% at 95%, limit \+10%\)/m,
    );
    expect(metric(result, 'latency.p50').status).toBe('pass');
  });

  it('detects a +20% CPU regression (the gate must not miss it)', () => {
    const result = judge(buildSyntheticComparison(3, 3, same, { ...same, cpuPerRequestMs: 0.24 }), spec(), fast);
    expect(metric(result, 'cpu.per_request').status).toBe('fail');
  });

  it('fails a p99 regression caused by a slow tail on 3% of requests, while p50 passes', () => {
    const candidate: Side = { ...same, slowFraction: 0.03, slowFactor: 3 };
    const result = judge(buildSyntheticComparison(3, 4, same, candidate), spec(), fast);
    expect(metric(result, 'latency.p50').status).toBe('pass');
    const p99 = metric(result, 'latency.p99');
    expect(p99.status).toBe('fail');
    expect(p99.reason).toMatch(/^p99 latency \+\d+\.\d% \(CI .*limit \+15%\) in phase peak: /);
    expect(result.verdict).toBe('fail');
  });

  it('catches a tail that only some windows show (variance increase, Kayenta #780)', () => {
    // The candidate is slow in bursts: 4 of 20 seconds have 20% very slow requests. Per-window
    // medians barely move; the pooled p99 does.
    const base = buildSyntheticComparison(3, 5, same, same);
    const bursty = buildSyntheticComparison(3, 5, same, { ...same, slowFraction: 0.04, slowFactor: 8 });
    const result = judge(bursty, spec(), fast);
    expect(metric(result, 'latency.p99').status).toBe('fail');
    expect(judge(base, spec(), fast).verdict).toBe('pass');
  });

  it('is marginal when the change is past the limit but the interval straddles it, and asks for rounds', () => {
    const noisy: Side = { ...same, trialNoise: 0.08 };
    const result = judge(buildSyntheticComparison(2, 9, noisy, { ...noisy, cpuPerRequestMs: 0.228 }), spec(), fast);
    const cpu = metric(result, 'cpu.per_request');
    expect(cpu.status).toBe('marginal');
    expect(cpu.interval[0]).toBeLessThan(1.1);
    expect(cpu.change).toBeGreaterThan(1.1);
    expect(result.verdict).toBe('pass');
    expect(result.needsMoreRounds).toBe(true);
    expect(result.warnings.some((w) => w.startsWith('marginal: CPU per request'))).toBe(true);
    const exhausted = judge(
      buildSyntheticComparison(2, 9, noisy, { ...noisy, cpuPerRequestMs: 0.228 }),
      spec({ maxRounds: 2 }),
      fast,
    );
    expect(exhausted.needsMoreRounds).toBe(false);
    const strict = judge(
      buildSyntheticComparison(2, 9, noisy, { ...noisy, cpuPerRequestMs: 0.228 }),
      spec({ maxRounds: 2 }),
      {
        ...fast,
        marginalVerdict: 'fail',
      },
    );
    expect(strict.verdict).toBe('fail');
  });

  it('turns a marginal regression into a fail with more rounds (sequential)', () => {
    const noisy: Side = { ...same, trialNoise: 0.03 };
    const all = buildSyntheticComparison(6, 507, noisy, { ...noisy, cpuPerRequestMs: 0.24 });
    const verdicts: string[] = [];
    for (let rounds = 3; rounds <= 6; rounds++) {
      const result = judge(
        all.filter((trial) => trial.round <= rounds),
        spec(),
        fast,
      );
      verdicts.push(result.needsMoreRounds ? 'more' : result.verdict);
      if (!result.needsMoreRounds) break;
    }
    expect(verdicts[0]).toBe('more');
    expect(verdicts[verdicts.length - 1]).toBe('fail');
  });

  it('passes a tiny absolute change under the noise floor (p50 0.20 ms → 0.24 ms)', () => {
    const tiny: Side = { ...same, latencyMedianMs: 0.2, latencySigma: 0.1 };
    const result = judge(
      buildSyntheticComparison(3, 7, tiny, { ...tiny, latencyMedianMs: 0.24 }),
      spec({ maxRounds: 3 }),
      fast,
    );
    const p50 = metric(result, 'latency.p50');
    // A real, confident +20% change, but only 40 µs: under the 0.05 ms floor.
    expect(p50.change).toBeGreaterThan(1.15);
    expect(p50.interval[0]).toBeGreaterThan(1.05);
    expect(p50.candidate - p50.baseline).toBeLessThan(p50.floor);
    expect(p50.status).toBe('pass');
    expect(result.verdict).toBe('pass');
    // A similar change at 2 ms (+30%, 600 µs) is past the floor: it fails.
    const big = judge(
      buildSyntheticComparison(3, 7, same, { ...same, latencyMedianMs: 2.6 }),
      spec({ maxRounds: 3 }),
      fast,
    );
    expect(metric(big, 'latency.p50').status).toBe('fail');
  });

  it('passes identical distributions with noise in at least 19 of 20 seeds', () => {
    const noisy: Side = { ...same, trialNoise: 0.03 };
    let passes = 0;
    for (let seed = 100; seed < 120; seed++) {
      if (judge(buildSyntheticComparison(3, seed, noisy, noisy), spec(), { resamples: 400 }).verdict === 'pass')
        passes++;
    }
    expect(passes).toBeGreaterThanOrEqual(19);
  }, 180_000);

  it('judges throughput in closed phases (higher is better) and p99.9 with enough requests', () => {
    const phases = [
      { name: 'peak', model: 'open' as const, seconds: 20, rate: 600 },
      { name: 'burst', model: 'closed' as const, seconds: 10, rate: 1000 },
    ];
    const result = judge(
      buildSyntheticComparison(3, 8, { ...same, phases }, { ...same, phases, throughputFactor: 0.7 }),
      spec(),
      fast,
    );
    const throughput = metric(result, 'throughput', 'burst');
    expect(throughput.direction).toBe('higher-is-better');
    expect(throughput.status).toBe('fail');
    expect(throughput.reason).toMatch(/^throughput -\d+\.\d% .*limit -10%\) in phase burst/);
    expect(result.metrics.some((m) => m.name === 'latency.p999' && m.phase === 'peak')).toBe(true);
    expect(result.metrics.some((m) => m.name === 'throughput' && m.phase === 'peak')).toBe(false);
  });

  it('does not judge p99.9 from rounds of 2,000 requests, however many rounds: ten beyond it a trial', () => {
    const side: Side = { ...same, phases: [{ name: 'peak', model: 'open', seconds: 5, rate: 400 }] };
    const trials = buildSyntheticComparison(6, 12, side, side);
    const byDefault = judge(trials, spec({ rounds: 6, maxRounds: 6 }), fast);
    expect(byDefault.metrics.some((m) => m.name === 'latency.p999')).toBe(false);
    // Named by the scenario, it says why instead.
    const named = judge(trials, spec({ rounds: 6, maxRounds: 6, limits: { 'latency.p999': 0.25 } }), fast);
    expect(named.metrics.some((m) => m.name === 'latency.p999')).toBe(false);
    expect(named.warnings).toContainEqual(
      expect.stringMatching(
        /^p99\.9 latency not judged in phase peak: fewer than 10,000 requests in a trial \(fewest: baseline \d,\d{3}, candidate \d,\d{3}\)$/,
      ),
    );
  });

  it('fails peak memory only when every candidate trial is past the limit', () => {
    const result = judge(buildSyntheticComparison(3, 9, same, { ...same, memoryPeakBytes: 150e6 }), spec(), fast);
    const memory = metric(result, 'memory.peak');
    expect(memory.status).toBe('fail');
    expect(memory.confidence).toBeCloseTo(0.9, 6);
    expect(memory.method).toBe('hodges-lehmann');
    const one = judge(buildSyntheticComparison(1, 9, same, { ...same, memoryPeakBytes: 150e6 }), spec(), fast);
    expect(metric(one, 'memory.peak').status).toBe('marginal');
  });
});

describe('judge: errors and SLOs', () => {
  it('fails a jump in errors the baseline does not show', () => {
    const result = judge(buildSyntheticComparison(3, 10, same, { ...same, errorRate: 0.02 }), spec(), fast);
    const errors = metric(result, 'error_rate');
    expect(errors.status).toBe('fail');
    expect(errors.baseline).toBe(0);
    expect(result.reasons.join('\n')).toMatch(/error rate jumped from 0\.00% to 2\.\d\d%/);
  });

  it('does not fail a handful of errors against none (absolute floor, Kayenta #426)', () => {
    const result = judge(buildSyntheticComparison(3, 11, same, { ...same, errorRate: 0.0003 }), spec(), fast);
    expect(metric(result, 'error_rate').candidate).toBeGreaterThan(0);
    expect(metric(result, 'error_rate').status).toBe('pass');
    expect(result.verdict).toBe('pass');
  });

  it('fails an error-rate SLO breach once, and a latency SLO breach per phase', () => {
    const result = judge(
      buildSyntheticComparison(3, 12, { ...same, errorRate: 0.004 }, { ...same, errorRate: 0.006 }),
      spec({ slo: { error_rate: 0.005, 'latency.p99': 3 } }),
      fast,
    );
    expect(result.verdict).toBe('fail');
    expect(result.infrastructureError).toBeUndefined();
    expect(result.reasons.filter((r) => r.includes('SLO 0.50%'))).toHaveLength(1);
    expect(
      result.reasons.some((r) =>
        /^p99 latency [\d.]+ ms in phase peak is above the SLO 3\.000 ms \(the baseline misses it too/.test(r),
      ),
    ).toBe(true);
    expect(result.findings.some((f) => f.role === 'candidate' && f.kind === 'error-slo')).toBe(true);
  });

  it('fails CPU-per-request and minimum-throughput SLOs on the candidate alone', () => {
    const phases = [{ name: 'burst', model: 'closed' as const, seconds: 10, rate: 800 }];
    const result = judge(
      buildSyntheticComparison(3, 14, { ...same, phases }, { ...same, phases }),
      spec({ slo: { 'cpu.per_request': 0.1, throughput: 900 } }),
      fast,
    );
    expect(metric(result, 'cpu.per_request').status).toBe('fail');
    expect(metric(result, 'throughput', 'burst').status).toBe('fail');
    expect(result.reasons).toContainEqual(
      expect.stringMatching(/^CPU per request 0\.\d+ ms is above the SLO 0\.100 ms \(the baseline misses it too/),
    );
    expect(result.reasons).toContainEqual(
      expect.stringMatching(/^throughput [\d,]+ req\/s in phase burst is below the SLO 900 req\/s/),
    );
  });

  it('reports an error burst that the whole-run rate hides (k6 #2379)', () => {
    const phases = [{ name: 'peak', model: 'open' as const, seconds: 60, rate: 200 }];
    const result = judge(
      buildSyntheticComparison(1, 13, { ...same, phases }, { ...same, phases, failFromSecond: 54 }),
      spec({ rounds: 1 }),
      fast,
    );
    expect(result.verdict).toBe('fail');
    expect(
      result.reasons.some((r) =>
        /^candidate answered 100% errors for 5 s \(seconds 5\d-\d\d, phase peak\) in round 1/.test(r),
      ),
    ).toBe(true);
  });
});

describe('judge: outright failures and infrastructure', () => {
  const log = [
    'starting',
    'listening on :8080',
    'TypeError: cannot read properties of undefined',
    '    at handler (server.js:42)',
  ];

  it('fails a candidate that crashed, naming the round and the last log lines', () => {
    const trials = crashRound(buildSyntheticComparison(3, 20, same, same), 'candidate', 2, {
      crashed: true,
      exitCode: 1,
      logTail: log,
    });
    const result = judge(trials, spec(), fast);
    expect(result.verdict).toBe('fail');
    expect(result.infrastructureError).toBeUndefined();
    expect(result.needsMoreRounds).toBe(false);
    expect(result.reasons[0]).toBe(
      'candidate crashed (exit 1) in round 2: listening on :8080 | TypeError: cannot read properties of undefined | at handler (server.js:42)',
    );
  });

  it('fails a candidate that was OOM-killed', () => {
    const trials = crashRound(buildSyntheticComparison(3, 21, same, same), 'candidate', 1, {
      crashed: true,
      oomKilled: true,
      exitCode: 137,
      logTail: ['allocating cache'],
    });
    const result = judge(trials, spec(), fast);
    expect(result.verdict).toBe('fail');
    expect(result.reasons[0]).toMatch(/^candidate was OOM-killed in round 1, peak [\d.]+ MiB: allocating cache$/);
  });

  it('fails a candidate that never became ready, even with no load data at all', () => {
    const trials = buildSyntheticComparison(1, 22, same, {
      ...same,
      ready: false,
      exit: { ready: false, message: 'no answer on /healthz within 30 s', logTail: ['Error: EADDRINUSE'] },
    });
    const result = judge(trials, spec({ rounds: 1 }), fast);
    expect(result.verdict).toBe('fail');
    expect(result.metrics).toEqual([]);
    expect(result.reasons[0]).toBe(
      'candidate never became ready in round 1 (no answer on /healthz within 30 s): Error: EADDRINUSE',
    );
  });

  it('calls it an infrastructure error when the baseline breaks too', () => {
    let trials = buildSyntheticComparison(2, 23, same, same);
    trials = crashRound(trials, 'baseline', 1, { crashed: true, exitCode: 139, logTail: ['Segmentation fault'] });
    trials = crashRound(trials, 'candidate', 1, { crashed: true, exitCode: 139, logTail: ['Segmentation fault'] });
    const result = judge(trials, spec(), fast);
    expect(result.verdict).toBe('fail');
    expect(result.infrastructureError).toMatch(
      /^the baseline is broken, so the candidate cannot be judged: baseline crashed \(exit 139\) in round 1: Segmentation fault/,
    );
    expect(result.reasons[0]).toBe(result.infrastructureError);
  });

  it('calls a baseline that answers mostly errors an infrastructure error', () => {
    const result = judge(buildSyntheticComparison(1, 24, { ...same, errorRate: 0.9 }, same), spec({ rounds: 1 }), fast);
    expect(result.infrastructureError).toMatch(/baseline answered 9\d\.\d\d% errors/);
  });

  it('is deterministic for a seed', () => {
    const trials = buildSyntheticComparison(2, 25, same, { ...same, cpuPerRequestMs: 0.21 });
    expect(judge(trials, spec(), fast)).toEqual(judge(trials, spec(), fast));
  });

  it('treats a confidence outside (0, 1) from a program as an internal error (scenarios are checked on load)', () => {
    expect(() => judge(buildSyntheticComparison(1, 26, same, same), spec({ confidence: 95 }), fast)).toThrow(
      expect.objectContaining({ code: 'PG_ERR_INTERNAL', message: expect.stringMatching(/confidence 95/) }),
    );
  });
});

describe('judge: reasons as data', () => {
  it('gives each reason as a finding with its kind, metric, phase and numbers', () => {
    const result = judge(
      buildSyntheticComparison(3, 4, same, { ...same, slowFraction: 0.03, slowFactor: 3 }),
      spec({ maxRounds: 3, slo: { 'latency.p99': 3 } }),
      fast,
    );
    expect(result.reasons).toEqual(result.reasonFindings.map((finding) => describeReason(finding)));
    const p99 = metric(result, 'latency.p99', 'peak');
    expect(result.reasonFindings).toContainEqual({
      kind: 'limit',
      metric: 'latency.p99',
      label: 'p99 latency',
      phase: 'peak',
      unit: 'ms',
      direction: 'lower-is-better',
      baseline: p99.baseline,
      candidate: p99.candidate,
      change: p99.change,
      interval: p99.interval,
      confidence: 0.95,
      limit: 0.15,
    });
    expect(result.reasonFindings).toContainEqual(
      expect.objectContaining({ kind: 'slo', metric: 'latency.p99', phase: 'peak', observed: p99.candidate, slo: 3 }),
    );
    // The metric keeps its reason as one text, rendered from the same findings.
    expect(p99.reasonFindings?.map((finding) => finding.kind)).toEqual(['limit', 'slo']);
    expect(p99.reason).toBe(p99.reasonFindings?.map((finding) => describeReason(finding)).join('; '));
  });

  it('keeps an error-rate jump whole when the error-rate SLO also breaks (reported once, as the outright finding)', () => {
    const result = judge(
      buildSyntheticComparison(3, 10, same, { ...same, errorRate: 0.02 }),
      spec({ slo: { error_rate: 0.01 } }),
      fast,
    );
    expect(result.reasonFindings.map((finding) => finding.kind)).toEqual(['error-slo', 'limit']);
    expect(result.reasons[1]).toMatch(
      /^error rate jumped from 0\.00% to 2\.\d\d% \(\d+ of \d+ requests; baseline 0 of \d+\) \(\+2\.\d\d points, CI .* floor 0\.10 points\)$/,
    );
    expect(result.reasonFindings[1]).toMatchObject({
      metric: 'error_rate',
      errorRates: { baseline: { errors: 0 }, floor: 0.001 },
    });
  });

  it('names the causes of a broken baseline and the rounds a still-marginal metric had', () => {
    let trials = buildSyntheticComparison(2, 23, same, same);
    trials = crashRound(trials, 'baseline', 1, { crashed: true, exitCode: 139, logTail: ['Segmentation fault'] });
    const broken = judge(trials, spec(), fast);
    expect(broken.reasonFindings[0]).toEqual({
      kind: 'baseline-broken',
      findings: [{ kind: 'crashed', role: 'baseline', round: 1, exitCode: 139, logTail: ['Segmentation fault'] }],
    });
    expect(broken.infrastructureError).toBe(broken.reasons[0]);

    const noisy: Side = { ...same, trialNoise: 0.08 };
    const strict = judge(
      buildSyntheticComparison(2, 9, noisy, { ...noisy, cpuPerRequestMs: 0.228 }),
      spec({ maxRounds: 2 }),
      { ...fast, marginalVerdict: 'fail' },
    );
    expect(strict.reasonFindings).toEqual([
      expect.objectContaining({ kind: 'marginal', metric: 'cpu.per_request', afterRounds: 2 }),
    ]);
    expect(strict.reasons[0]).toMatch(/^still marginal after 2 rounds: CPU per request \+\d+\.\d% /);
  });

  it('reports a side that answers mostly errors without an SLO as mostly-errors', () => {
    const result = judge(buildSyntheticComparison(1, 24, { ...same, errorRate: 0.9 }, same), spec({ rounds: 1 }), fast);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ kind: 'mostly-errors', role: 'baseline', errors: expect.any(Number) }),
    );
  });
});
