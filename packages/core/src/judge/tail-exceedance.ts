/**
 * When a latency percentile is judged by exceedance counting (statistics/exceedance.ts) instead of
 * by the ratio of two percentiles: a tail level (p90 and above) of paired rounds in which the
 * baseline has, on average, at least MIN_BEYOND_PER_ROUND requests beyond its own percentile.
 * Below that (p99.9 of 2,000 requests: 2 a round) a round's share is a count of a handful, its
 * spread over a few rounds says little, and the percentile ratio's interval is kept.
 */
import type { ExceedanceRound } from '../statistics/exceedance.js';
import type { LatencyBins } from '../statistics/latency-bins.js';
import type { JudgeContext } from './judge-context.js';

export const MIN_EXCEEDANCE_LEVEL = 90;
export const MIN_BEYOND_PER_ROUND = 10;

/** The rounds to count exceedances over, or undefined when the percentile ratio is judged instead. */
export function exceedanceRounds(
  context: JudgeContext,
  baseline: readonly (readonly LatencyBins[])[],
  candidate: readonly (readonly LatencyBins[])[],
  level: number,
): ExceedanceRound[] | undefined {
  if (!context.paired || level < MIN_EXCEEDANCE_LEVEL) return undefined;
  const rounds: ExceedanceRound[] = [];
  let baselineRequests = 0;
  baseline.forEach((units, i) => {
    const other = candidate[i] ?? [];
    if (units.length === 0 || other.length === 0) return;
    rounds.push({ baseline: units, candidate: other });
    for (const unit of units) baselineRequests += unit.total;
  });
  if (rounds.length < 2) return undefined;
  const beyondPerRound = (baselineRequests / rounds.length) * (1 - level / 100);
  return beyondPerRound >= MIN_BEYOND_PER_ROUND ? rounds : undefined;
}
