/**
 * Peak memory: one number per trial, so a distribution-free interval (Hodges-Lehmann shift of
 * the log peaks) whose confidence is what the trial counts allow (3 against 3: at most 90%).
 */
import { median } from '../statistics/descriptive.js';
import { hodgesLehmann } from '../statistics/hodges-lehmann.js';
import type { TrialResult } from '../trial.js';
import type { JudgeContext } from './judge-context.js';
import type { MetricJudgement } from './judgement.js';
import { decideMetric, findingSubject, ratioMetric, withFindings } from './ratio-metric.js';

const peaks = (trials: readonly TrialResult[]): number[] =>
  trials.map((trial) => trial.service?.memoryPeakBytes ?? 0).filter((value) => value > 0);

export function judgeMemory(context: JudgeContext): MetricJudgement[] {
  if (!context.requested.has('memory.peak')) return [];
  const base = peaks(context.baseline);
  const cand = peaks(context.candidate);
  if (base.length === 0 || cand.length === 0) {
    context.warnings.push(
      `peak memory not judged: ${context.unmeasured['memory.peak'] ?? 'no memory figures for one side'}`,
    );
    return [];
  }
  const shift = hodgesLehmann(cand.map(Math.log), base.map(Math.log), context.spec.confidence);
  const metric = ratioMetric(
    context,
    'memory.peak',
    {
      baseline: median(base),
      candidate: median(cand),
      change: Math.exp(shift.estimate),
      interval: [Math.exp(shift.lower), Math.exp(shift.upper)],
      confidence: shift.achievedConfidence,
    },
    { method: 'hodges-lehmann', samples: { baseline: base.length, candidate: cand.length, kind: 'trials' } },
  );
  const decided = decideMetric(context, metric);
  // An SLO on peak memory is about the worst trial, not the median.
  const slo = metric.slo;
  const worst = Math.max(...cand);
  if (slo !== undefined && worst > slo && decided.status !== 'fail') {
    return [
      withFindings(decided, 'fail', [
        { kind: 'slo', ...findingSubject(metric), observed: worst, slo, scope: 'worst-trial' },
      ]),
    ];
  }
  return [decided];
}
