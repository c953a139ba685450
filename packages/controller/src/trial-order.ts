import type { Role } from '@peakgate/core';

/**
 * Order of the two sides in a round: A B, B A, A B, ... (1-based rounds). Alternating cancels
 * linear drift (thermal, page cache, a noisy neighbour) between baseline and candidate, and each
 * pair of rounds is balanced (ABBA).
 */
export function roundOrder(round: number): [Role, Role] {
  return round % 2 === 1 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
}
