/**
 * A latency quantile's candidate ÷ baseline ratio judged from every request, not from the few
 * that set each side's percentile: per round, the share of the candidate's requests beyond c times
 * the baseline's own quantile of that round (exceedance counting). A p99 from 2,000 requests rests
 * on the 20 largest, and where a slow tail thins out (the usual tail regression) those few points
 * swing far from round to round; the share beyond a fixed threshold is a count of all 2,000.
 *
 * Under "the candidate is the baseline scaled by c", a candidate request lands beyond c·T (T the
 * baseline's round quantile) as often as a new baseline request lands beyond T: (m + 1) / (n + 1)
 * for m of the baseline's n requests beyond T (the exchangeable-rank rule conformal tests use). So
 * for each c the per-round difference d_r(c) = candidate share beyond c·T_r − (m_r + 1)/(n_r + 1)
 * has mean 0 exactly at the true ratio. Rounds are the independent units (latencies come in bursts
 * within a round): a t interval of the mean of d_r(c) over rounds, at the look's confidence, tests
 * each c, and the ratios not rejected form the interval (test inversion). The threshold noise of
 * T_r and the pairing of a duet round are both inside each d_r, so nothing is assumed about them.
 *
 * c runs over the 0.5% latency bins (statistics/latency-bins.ts): c = 1.005^j moves the threshold
 * by j bins, which keeps ties in a bin counted alike on both sides.
 */
import { LATENCY_BIN_COUNT, type LatencyBins } from './latency-bins.js';
import { studentTCdf, studentTQuantile } from './student-t.js';

const GROWTH = 1.005;
/** Ratios scanned: 1.005^±SCAN_BINS, about ×1/8 .. ×8. */
const SCAN_BINS = 420;

/** One round's requests of each side, merged over its windows. */
export interface ExceedanceRound {
  baseline: readonly LatencyBins[];
  candidate: readonly LatencyBins[];
}

export interface ExceedanceInterval {
  /** The ratio where the candidate's share beyond it matches the baseline's own. */
  estimate: number;
  lower: number;
  upper: number;
  rounds: number;
}

/** Counts beyond each bin of one side of one round: a dense suffix sum over the bins it uses. */
interface SuffixCounts {
  total: number;
  /** Lowest bin held. */
  low: number;
  /** beyond[i] = requests in bins > low + i − 1 (so beyond[0] = total). */
  beyond: Float64Array;
}

function suffixCounts(parts: readonly LatencyBins[]): SuffixCounts | undefined {
  let low = LATENCY_BIN_COUNT;
  let high = -1;
  let total = 0;
  for (const part of parts) {
    if (part.total === 0) continue;
    low = Math.min(low, part.bins[0] as number);
    high = Math.max(high, part.bins[part.bins.length - 1] as number);
    total += part.total;
  }
  if (total === 0) return undefined;
  const counts = new Float64Array(high - low + 1);
  for (const part of parts)
    for (let i = 0; i < part.bins.length; i++) {
      const slot = (part.bins[i] as number) - low;
      counts[slot] = (counts[slot] as number) + (part.counts[i] as number);
    }
  const beyond = new Float64Array(counts.length + 1);
  for (let i = counts.length - 1; i >= 0; i--) beyond[i] = (beyond[i + 1] as number) + (counts[i] as number);
  return { total, low, beyond };
}

/** Requests in bins strictly above `bin`. */
function beyondBin(side: SuffixCounts, bin: number): number {
  const index = bin + 1 - side.low;
  if (index <= 0) return side.total;
  if (index >= side.beyond.length) return 0;
  return side.beyond[index] as number;
}

/** The bin holding the ceil(level% × total)-th request, as percentilesOfBins takes it. */
function quantileBin(side: SuffixCounts, level: number): number {
  const rank = Math.max(1, Math.ceil((level / 100) * side.total));
  // The smallest bin b with (total − beyond(b)) ≥ rank.
  for (let i = 1; i < side.beyond.length; i++) {
    if (side.total - (side.beyond[i] as number) >= rank) return side.low + i - 1;
  }
  return side.low + side.beyond.length - 2;
}

interface RoundShares {
  candidate: SuffixCounts;
  /** The baseline's quantile bin this round. */
  threshold: number;
  /** Expected share of a baseline-like request beyond it: (m + 1) / (n + 1). */
  expected: number;
}

function roundShares(round: ExceedanceRound, level: number): RoundShares | undefined {
  const baseline = suffixCounts(round.baseline);
  const candidate = suffixCounts(round.candidate);
  if (!baseline || !candidate) return undefined;
  const threshold = quantileBin(baseline, level);
  return { candidate, threshold, expected: (beyondBin(baseline, threshold) + 1) / (baseline.total + 1) };
}

/** Mean and standard error over rounds of d_r at shift j. */
function meanDifference(rounds: readonly RoundShares[], j: number): { mean: number; se: number } {
  const n = rounds.length;
  let sum = 0;
  let sumSq = 0;
  for (const r of rounds) {
    const d = beyondBin(r.candidate, r.threshold + j) / r.candidate.total - r.expected;
    sum += d;
    sumSq += d * d;
  }
  const mean = sum / n;
  const variance = Math.max(0, (sumSq - n * mean * mean) / (n - 1));
  return { mean, se: Math.sqrt(variance / n) };
}

/**
 * The interval of the candidate ÷ baseline ratio of the `level` percentile (90, 99, 99.9), from
 * paired rounds, at `confidence` (two-sided). Undefined with fewer than two usable rounds: one
 * round shows no round-to-round spread to test against.
 */
export function exceedanceInterval(
  rounds: readonly ExceedanceRound[],
  level: number,
  confidence: number,
): ExceedanceInterval | undefined {
  const usable = rounds.map((round) => roundShares(round, level)).filter((r): r is RoundShares => r !== undefined);
  if (usable.length < 2) return undefined;
  const t = studentTQuantile((1 + confidence) / 2, usable.length - 1);
  const at = (j: number) => meanDifference(usable, j);
  // The estimate: the lowest ratio at which the candidate's share beyond it is no longer above the
  // baseline's (the mean difference falls with the ratio).
  let estimateBin = -SCAN_BINS;
  while (estimateBin < SCAN_BINS && at(estimateBin).mean > 0) estimateBin++;
  // The interval: the ratios next to the estimate that the t test does not reject, walked out
  // from it. Far from the estimate the rounds' thresholds differ so much that the differences
  // spread widely and stop rejecting anything; those ratios are not evidence, so the walk stops at
  // the first rejected one on each side.
  let lowerBin = estimateBin;
  while (lowerBin > -SCAN_BINS) {
    const { mean, se } = at(lowerBin - 1);
    if (mean - t * se > 0) break;
    lowerBin--;
  }
  let upperBin = estimateBin;
  while (upperBin < SCAN_BINS) {
    const { mean, se } = at(upperBin + 1);
    if (mean + t * se < 0) break;
    upperBin++;
  }
  // An interval reaching an end of the scan is open there; the end (about ×1/8 or ×8) stands in,
  // which any limit a scenario can state lies inside.
  const lower = GROWTH ** lowerBin;
  const upper = GROWTH ** upperBin;
  const estimate = GROWTH ** estimateBin;
  return { estimate, lower, upper, rounds: usable.length };
}

/**
 * One-sided p-value of "the ratio is above `threshold`" (the candidate's share beyond
 * threshold·T exceeds the baseline's own): the t test of d_r at that ratio. 1 with fewer than two
 * rounds. Request kinds feed it to Holm's procedure.
 */
export function exceedancePValue(rounds: readonly ExceedanceRound[], level: number, threshold: number): number {
  const usable = rounds.map((round) => roundShares(round, level)).filter((r): r is RoundShares => r !== undefined);
  if (usable.length < 2) return 1;
  // The bin shift of the threshold, rounded up: failing only past a slightly higher ratio is the
  // cautious side of the bin's 0.5%.
  const j = Math.ceil(Math.log(threshold) / Math.log(GROWTH));
  const { mean, se } = meanDifference(usable, j);
  if (!(se > 0)) return mean > 0 ? 0 : 1;
  return 1 - studentTCdf(mean / se, usable.length - 1);
}
