/**
 * Open-model arrival times. Arrivals are numbered k = 0, 1, 2… over the whole phase; worker i of N
 * sends the arrivals with k ≡ i (mod N), so the merged stream at the target is evenly interleaved
 * for constant rates and ramps alike.
 */

/**
 * Offset in ms from the phase start of arrival k for a linear ramp `from`→`to` req/s over
 * `durationMs`. The cumulative arrival count is A(t) = from·t + (to−from)·t²/(2D); arrival k is due
 * when A(t) = k. Returns Infinity when arrival k does not fall inside the phase.
 */
export function arrivalOffsetMs(k: number, from: number, to: number, durationMs: number): number {
  if (k === 0) return from > 0 || to > 0 ? 0 : Number.POSITIVE_INFINITY;
  const seconds = durationMs / 1000;
  const slope = (to - from) / seconds;
  // Root of slope/2·t² + from·t − k = 0 in the cancellation-free form 2k / (from + √(from² + 2·slope·k)).
  const disc = from * from + 2 * slope * k;
  if (disc < 0) return Number.POSITIVE_INFINITY;
  const denominator = from + Math.sqrt(disc);
  if (!(denominator > 0)) return Number.POSITIVE_INFINITY;
  const t = (2 * k) / denominator;
  return t < seconds ? t * 1000 : Number.POSITIVE_INFINITY;
}

/** Expected number of arrivals in the phase: the integral of the rate. */
export function expectedArrivals(from: number, to: number, durationMs: number): number {
  return ((from + to) / 2) * (durationMs / 1000);
}

/** Splits a count over `count` parts as evenly as possible; part i gets floor(n/N) plus one of the remainder. */
export function shareOf(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}
