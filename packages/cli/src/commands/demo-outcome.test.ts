import type { Judgement, MetricJudgement } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { demoOutcome } from './demo-outcome.js';

/** The fields demoOutcome reads; the rest of a metric's judgement does not matter here. */
function metric(name: MetricJudgement['name'], status: MetricJudgement['status'], change: number, dependency?: string) {
  return { name, status, change, ...(dependency !== undefined ? { dependency } : {}) } as MetricJudgement;
}
const judged = (verdict: Judgement['verdict'], metrics: MetricJudgement[]) => ({ verdict, metrics });

describe('what counts as the demo catching its CPU regression', () => {
  it('a fail on CPU per request', () => {
    expect(demoOutcome(judged('fail', [metric('cpu.per_request', 'fail', 1.23)]))).toEqual({
      caught: true,
      cpuStatus: 'fail',
      cpuChange: 1.23,
    });
  });

  it('a fail on p50 latency first, with CPU per request past its limit but marginal (seen on the CI VM)', () => {
    const outcome = demoOutcome(
      judged('fail', [metric('latency.p50', 'fail', 1.207), metric('cpu.per_request', 'marginal', 1.198)]),
    );
    expect(outcome).toEqual({ caught: true, cpuStatus: 'marginal', cpuChange: 1.198 });
  });

  it('not a fail whose CPU per request passed, nor a pass, nor a dependency’s CPU alone', () => {
    expect(
      demoOutcome(judged('fail', [metric('latency.p50', 'fail', 1.3), metric('cpu.per_request', 'pass', 1.02)])),
    ).toEqual({ caught: false, why: 'CPU per request passed' });
    expect(demoOutcome(judged('pass', [metric('cpu.per_request', 'marginal', 1.16)]))).toEqual({
      caught: false,
      why: 'the verdict is pass',
    });
    expect(demoOutcome(judged('fail', [metric('cpu.per_request', 'fail', 1.5, 'kv')]))).toEqual({
      caught: false,
      why: 'CPU per request was not judged',
    });
  });
});
