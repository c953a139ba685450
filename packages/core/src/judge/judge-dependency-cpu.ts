/**
 * A dependency's CPU per request, judged only where `compare.limits` asks for it
 * (`cpu.per_request{dependency=db}: +10%`): its CPU seconds over each trial's measured window ÷ the
 * build's completed requests in that trial. One number per trial (a dependency's CPU is read at the
 * window's edges only), so, like peak memory, a distribution-free interval (Hodges-Lehmann shift
 * of the logs) whose confidence is what the trial counts allow, and a fail needs
 * `minTrialConfidence`.
 */
import { median } from '../statistics/descriptive.js';
import { hodgesLehmann } from '../statistics/hodges-lehmann.js';
import { cpuPerRequestMs, type TrialResult } from '../trial.js';
import type { JudgeContext } from './judge-context.js';
import type { MetricJudgement } from './judgement.js';
import { decideMetric, ratioMetric } from './ratio-metric.js';

/** The dependency's CPU ms per build request in each trial that measured it. */
function perTrial(trials: readonly TrialResult[], dependency: string): number[] {
  return trials.flatMap((trial) => {
    const cpuSeconds = trial.dependencies?.find((d) => d.name === dependency)?.cpuSeconds;
    const requests = trial.load?.requests.total ?? 0;
    return cpuSeconds === null || cpuSeconds === undefined || requests === 0
      ? []
      : [cpuPerRequestMs(cpuSeconds, requests)];
  });
}

export function judgeDependencyCpu(context: JudgeContext): MetricJudgement[] {
  const judged: MetricJudgement[] = [];
  for (const [dependency, limit] of Object.entries(context.spec.dependencyCpuLimits ?? {})) {
    const base = perTrial(context.baseline, dependency).filter((value) => value > 0);
    const cand = perTrial(context.candidate, dependency).filter((value) => value > 0);
    if (base.length === 0 || cand.length === 0) {
      context.warnings.push(`CPU per request of dependency ${dependency} not judged: no CPU figures for one side`);
      continue;
    }
    const shift = hodgesLehmann(cand.map(Math.log), base.map(Math.log), context.spec.confidence);
    const metric = ratioMetric(
      context,
      'cpu.per_request',
      {
        baseline: median(base),
        candidate: median(cand),
        change: Math.exp(shift.estimate),
        interval: [Math.exp(shift.lower), Math.exp(shift.upper)],
        confidence: shift.achievedConfidence,
      },
      { method: 'hodges-lehmann', samples: { baseline: base.length, candidate: cand.length, kind: 'trials' } },
    );
    // Its own limit, and no SLO: compare.slo's cpu.per_request is about the build.
    const { slo: _buildSlo, ...withoutSlo } = metric;
    judged.push(
      decideMetric(context, {
        ...withoutSlo,
        dependency,
        label: `CPU per request of dependency ${dependency}`,
        limit,
      }),
    );
  }
  return judged;
}
