/**
 * Whether `peakgate demo` caught its regression. The regressed sample costs more CPU per request,
 * so the gate has caught it when the verdict is fail and CPU per request is past its limit:
 * `fail`, or `marginal` when the sequential rule stopped at a look where another metric the
 * regression raises (p50 latency) failed first, before CPU reached the confidence that look asks.
 */
import type { Judgement } from '@peakgate/core';

export type DemoOutcome =
  | { caught: true; cpuStatus: 'fail' | 'marginal'; cpuChange: number }
  | { caught: false; why: string };

export function demoOutcome(judgement: Pick<Judgement, 'verdict' | 'metrics'>): DemoOutcome {
  const cpu = judgement.metrics.find((m) => m.name === 'cpu.per_request' && m.dependency === undefined);
  if (judgement.verdict !== 'fail') return { caught: false, why: 'the verdict is pass' };
  if (cpu === undefined) return { caught: false, why: 'CPU per request was not judged' };
  if (cpu.status === 'pass') return { caught: false, why: 'CPU per request passed' };
  return { caught: true, cpuStatus: cpu.status, cpuChange: cpu.change };
}
