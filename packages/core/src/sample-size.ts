/**
 * When a percentile rests on too few samples to mean what its name says. A p99 read from 36
 * requests is the largest or second-largest of them, not "the latency 1 in 100 requests exceeds";
 * reports and the terminal flag such figures instead of showing them like any other.
 *
 * The rule: a percentile p needs at least one sample beyond it, 1 / (1 − p) samples (100 for p99,
 * 1,000 for p99.9), and never fewer than 10 (a p50 from 3 samples is no median either).
 */

/** Fewest samples a p`percentile` (0 < percentile < 100) may rest on before it is flagged. */
export function minSamplesForPercentile(percentile: number): number {
  const tail = 1 - percentile / 100;
  return Math.max(10, tail > 0 ? Math.ceil(1 / tail - 1e-9) : Number.POSITIVE_INFINITY);
}

/** The percentile a latency metric reads (`latency.p999` → 99.9), or undefined for other metrics. */
export function percentileOfMetric(name: string): number | undefined {
  const match = /^latency\.p(\d+)$/.exec(name);
  if (match === null) return undefined;
  const digits = match[1] as string;
  // p50, p90, p99 are whole percents; p999 is 99.9 (one digit past the two).
  return digits.length <= 2 ? Number(digits) : Number(`${digits.slice(0, 2)}.${digits.slice(2)}`);
}

/** `p99`, `p99.9`: how a percentile is written in notes. */
export const percentileLabel = (percentile: number): string => `p${percentile}`;

/**
 * A note for a percentile read from `samples` requests, or undefined when there are enough.
 * `who` says whose samples ("candidate", "per trial"); it is put after the count.
 */
export function fewSamplesNote(percentile: number, samples: number, who?: string): string | undefined {
  const needed = minSamplesForPercentile(percentile);
  if (samples >= needed) return undefined;
  const whose = who === undefined ? '' : ` ${who}`;
  return `${percentileLabel(percentile)} rests on ${samples}${whose} sample${samples === 1 ? '' : 's'} (fewer than ${needed}): a rough figure`;
}
