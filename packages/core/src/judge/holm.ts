/**
 * Holm's step-down procedure: which of m one-sided tests reject while the chance of rejecting ANY
 * true null among them stays at most the family's level (family-wise error, Holm 1979). Sort the
 * p-values; the k-th smallest (k = 1..m) is compared with the level for m − k + 1 hypotheses, and
 * the first that does not reject stops the procedure: it and every larger p-value stand.
 *
 * `levelFor(remaining)` is the one-sided level a test may reject at when `remaining` hypotheses
 * are left: α ÷ remaining in the classic form. The judge passes the per-look level of the
 * sequential boundary for that share of α (judge-request-kinds.ts), so the same bound holds over
 * every look as well as over every kind. It is called lazily, smallest `remaining` last, and only
 * while tests keep rejecting: a family where nothing is near rejection costs one call.
 */
export function holmRejections(pValues: readonly number[], levelFor: (remaining: number) => number): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const rejected = new Array<boolean>(m).fill(false);
  for (let k = 0; k < m; k++) {
    const entry = order[k] as { p: number; i: number };
    if (!(entry.p <= levelFor(m - k))) break;
    rejected[entry.i] = true;
  }
  return rejected;
}
