/**
 * Will this metric ever settle within the budget? A windowed metric that is not settled earns
 * another round, but a metric whose samples cannot settle it by `max_rounds` (p99.9 from a
 * handful of requests per trial, the tail of a rare request kind) would hold every good build to
 * the last round and end it "inconclusive". So at each look before the last, the interval is
 * projected to `max_rounds`: its log half-widths shrink like t(n − 1) ÷ √n with the number of
 * paired rounds n (the per-round spread is the one measured so far), around the current estimate.
 * If even that interval would still straddle the threshold, the metric is marked "not judged at
 * this load" with the projection as the reason, and the comparison no longer waits for it.
 *
 * The projection is optimistic on purpose, so a metric is given up only when waiting could not
 * settle it even then: the spread is not the one measured but its lower 90% confidence bound
 * (a spread from two or three round ratios is itself very uncertain: in simulation, projecting the
 * measured spread gave up on 1 in 20 true +10% CPU regressions against a +5% limit that more rounds
 * would have failed), and the t quantile is the last look's. A clear regression, whose estimate
 * sits well past its threshold, always projects as settleable.
 */
import { studentTQuantile } from '../statistics/student-t.js';
import type { MetricJudgement } from './judgement.js';
import { thresholdRatio } from './metric-status.js';

const signed = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

/** Lower 90% confidence bound of σ ÷ s for a sample spread s with `df` degrees of freedom. */
function spreadLowerBound(df: number): number {
  // Wilson–Hilferty: χ²(0.90, df) ≈ df (1 − 2/(9 df) + z √(2/(9 df)))³, z = 1.2816 (2.3% off at df 2).
  const a = 2 / (9 * df);
  const chi = df * (1 - a + 1.2816 * Math.sqrt(a)) ** 3;
  return Math.sqrt(df / chi);
}

/** The projected interval at `maxRounds` (a ratio interval), from the interval after `rounds`. */
export function projectedInterval(
  metric: Pick<MetricJudgement, 'change' | 'interval' | 'confidence'>,
  rounds: number,
  maxRounds: number,
): [number, number] {
  const q = 1 - (1 - metric.confidence) / 2;
  const shrink =
    Math.sqrt(rounds / maxRounds) *
    (studentTQuantile(q, maxRounds - 1) / studentTQuantile(q, rounds - 1)) *
    spreadLowerBound(rounds - 1);
  const centre = Math.log(metric.change);
  const below = Math.max(0, centre - Math.log(metric.interval[0]));
  const above = Math.max(0, Math.log(metric.interval[1]) - centre);
  return [Math.exp(centre - below * shrink), Math.exp(centre + above * shrink)];
}

/**
 * Why the metric cannot settle by `maxRounds` (the text for "not judged at this load"), or
 * undefined when it may. It is given up only when all three hold at the projected last look:
 *   - its interval around the current estimate would still straddle the threshold;
 *   - its half-width on the threshold's side would still exceed the distance from "no change" to
 *     the threshold, so not even an unchanged build could be shown within the limit (the metric is
 *     too noisy at this load for its limit, whatever this run's estimate happens to be);
 *   - (implied by the first) the estimate is not a regression clear enough to be shown past it.
 * A marginal regression on a metric that can resolve its limit keeps earning rounds. Never before
 * 3 rounds (a spread from one or two round ratios projects nothing) nor at the last look.
 */
export function unsettleableReason(metric: MetricJudgement, rounds: number, maxRounds: number): string | undefined {
  if (metric.settled || metric.status === 'fail' || rounds < 3 || rounds >= maxRounds) return undefined;
  if (!(metric.change > 0)) return undefined;
  const threshold = thresholdRatio(metric.direction, metric.baseline, metric.limit, metric.floor);
  const [lower, upper] = projectedInterval(metric, rounds, maxRounds);
  const settles =
    metric.direction === 'lower-is-better'
      ? lower > threshold || upper <= threshold
      : upper < threshold || lower >= threshold;
  if (settles) return undefined;
  // Showing a build within its limit takes the interval's threshold-facing end: the upper one for
  // lower-is-better. Only that half-width says whether an unchanged build could be shown within;
  // the far half of a skewed interval (a tail's exceedance interval after an outlier round) does not.
  const withinHalfWidth =
    metric.direction === 'lower-is-better'
      ? Math.log(upper) - Math.log(metric.change)
      : Math.log(metric.change) - Math.log(lower);
  if (withinHalfWidth < Math.abs(Math.log(threshold))) return undefined;
  return `its interval ${signed(metric.interval[0])}..${signed(metric.interval[1])} after ${rounds} rounds would still be about ${signed(lower)}..${signed(upper)} after ${maxRounds} (max_rounds), across its threshold ${signed(threshold)} and, on the threshold's side, wider than the distance from no change to it: too few samples at this load to show it within its limit or past it (more requests per round would)`;
}
