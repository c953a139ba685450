/**
 * Latency percentiles (p50, p90, p99, p99.9), judged per phase. Point estimates come from the
 * exactly merged HDR histograms of each side; intervals from re-pooled, binned windows.
 */
import { mergeEncodedHistograms } from '../histograms.js';
import { LATENCY_BIN_COUNT, type LatencyBins, percentilesOfBins } from '../statistics/latency-bins.js';
import type { TrialResult } from '../trial.js';
import { type JudgeContext, phasesInBoth } from './judge-context.js';
import type { MetricJudgement } from './judgement.js';
import { LATENCY_LEVELS } from './metric-defaults.js';
import { windowedRatioMetric } from './ratio-metric.js';
import { latencyWindows } from './trial-windows.js';
import { windowRatioIntervals } from './window-intervals.js';

const LATENCY_METRICS = ['latency.p50', 'latency.p90', 'latency.p99', 'latency.p999'] as const;

function phaseRequests(trials: readonly TrialResult[], phase: string): number {
  let total = 0;
  for (const trial of trials) total += trial.load?.phases.find((p) => p.name === phase)?.requests.total ?? 0;
  return total;
}

/** Percentiles (ms) of one side's phase histograms, merged exactly. */
function exactPercentiles(trials: readonly TrialResult[], phase: string, levels: readonly number[]): number[] {
  const merged = mergeEncodedHistograms(
    trials.flatMap((trial) => trial.load?.phases.filter((p) => p.name === phase).map((p) => p.histogram) ?? []),
  );
  const values = levels.map((level) => merged.getValueAtPercentile(level) / 1000);
  merged.destroy();
  return values;
}

export function judgeLatency(context: JudgeContext): MetricJudgement[] {
  const names = LATENCY_METRICS.filter((name) => context.requested.has(name));
  if (names.length === 0) return [];
  const metrics: MetricJudgement[] = [];
  const scratch = new Float64Array(LATENCY_BIN_COUNT);
  for (const phase of phasesInBoth(context)) {
    const baseRequests = phaseRequests(context.baseline, phase);
    const candRequests = phaseRequests(context.candidate, phase);
    if (baseRequests === 0 || candRequests === 0) continue;
    const judged = names.filter((name) => {
      if (name !== 'latency.p999') return true;
      const enough = Math.min(baseRequests, candRequests) >= context.options.minRequestsForP999;
      if (!enough && context.explicit.has(name)) {
        context.warnings.push(
          `p99.9 latency not judged in phase ${phase}: fewer than ${context.options.minRequestsForP999.toLocaleString('en-US')} requests per side (baseline ${baseRequests.toLocaleString('en-US')}, candidate ${candRequests.toLocaleString('en-US')})`,
        );
      }
      return enough;
    });
    const levels = judged.map((name) => LATENCY_LEVELS[name] as number);
    const window = context.options.windowSeconds;
    const units = {
      baseline: context.baseline.map((trial) => latencyWindows(trial, phase, window)),
      candidate: context.candidate.map((trial) => latencyWindows(trial, phase, window)),
    };
    const statistic = (bins: readonly LatencyBins[]): number[] => percentilesOfBins(bins, levels, scratch);
    const intervals = windowRatioIntervals(context, units.baseline, units.candidate, statistic);
    // Point estimates from the exact merged HDR histograms; intervals from the binned resamples.
    const baseExact = exactPercentiles(context.baseline, phase, levels);
    const candExact = exactPercentiles(context.candidate, phase, levels);
    judged.forEach((name, k) => {
      const interval = intervals[k];
      if (!interval) return;
      const baseline = baseExact[k] as number;
      const candidate = candExact[k] as number;
      const change = baseline > 0 ? candidate / baseline : 1;
      metrics.push(
        windowedRatioMetric(context, name, { ...interval, baseline, candidate, ratio: change }, units, phase),
      );
    });
  }
  return metrics;
}
