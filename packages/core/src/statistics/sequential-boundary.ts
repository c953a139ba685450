/**
 * The confidence level each look of a sequential comparison uses, so that looking after every
 * round (from `rounds` up to `max_rounds`) keeps the stated error rate of the whole comparison.
 *
 * An interval at 95% read once errs 2.5% of the time on each side; read after each of ten rounds
 * and stopped at the first that excludes the limit, it errs far more often (every look is another
 * chance for noise to cross). The fix is a Pocock-type boundary: every look uses one stricter
 * nominal level, chosen so that the chance that ANY look's interval lies wholly past a true value
 * is still (1 − confidence) ÷ 2 on each side. Pocock (one constant) rather than O'Brien-Fleming
 * (strict early, lax late) because clear regressions should stop at the first look.
 *
 * The level is found by a seeded simulation of the statistic the judge uses at each look (a paired
 * t on per-round log ratios, Student-t quantiles with n − 1 degrees of freedom) under the null, so
 * the small-sample heaviness of t at 3–5 rounds is in it; no normal approximation. The result is
 * deterministic (fixed seed) and cached per (confidence, first look, last look).
 */
import { createSeededRandom, randomNormal } from './seeded-random.js';
import { studentTQuantile } from './student-t.js';

/** Simulated null paths: Monte Carlo error on a 2.5% crossing rate is about ±0.08% (one s.e.). */
const PATHS = 40_000;
const SEED = 0x5e9;
const cache = new Map<string, number>();

/**
 * The per-look confidence for looks after rounds firstLook, firstLook + 1, …, lastLook. One look
 * (firstLook ≥ lastLook) needs no correction: the stated confidence is returned.
 */
export function sequentialConfidence(confidence: number, firstLook: number, lastLook: number): number {
  const first = Math.max(2, Math.floor(firstLook));
  const last = Math.floor(lastLook);
  // A level outside (0, 1) is the caller's bug; the interval code reports it as such.
  if (last <= first || !(confidence > 0 && confidence < 1)) return confidence;
  const key = `${confidence}:${first}:${last}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const level = 1 - pocockNominalAlpha((1 - confidence) / 2, first, last) * 2;
  cache.set(key, level);
  return level;
}

/**
 * The one-sided nominal tail `a` each look uses so that P(some look's t statistic exceeds its
 * (1 − a) quantile) = target under the null, found by bisection on simulated t statistics.
 */
function pocockNominalAlpha(target: number, first: number, last: number): number {
  const looks = last - first + 1;
  const stats = simulateTStatistics(first, last);
  // Each path's largest exceedance, measured as its smallest p-value rank across looks, would need
  // the t CDF per statistic; bisection on `a` with quantiles per look is cheaper and exact enough.
  let lo = target / looks; // Bonferroni: always conservative
  let hi = target; // no correction: always too lax
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    const thresholds = Array.from({ length: looks }, (_, k) => studentTQuantile(1 - mid, first + k - 1));
    let crossed = 0;
    for (let p = 0; p < PATHS; p++) {
      for (let k = 0; k < looks; k++) {
        if ((stats[p * looks + k] as number) > (thresholds[k] as number)) {
          crossed++;
          break;
        }
      }
    }
    if (crossed / PATHS > target) hi = mid;
    else lo = mid;
  }
  // The conservative end of the bracket: the simulated error rate is at most the target.
  return lo;
}

/** t statistics of the running mean of standard normal differences, at each look, path-major. */
function simulateTStatistics(first: number, last: number): Float64Array {
  const looks = last - first + 1;
  const random = createSeededRandom(SEED);
  const out = new Float64Array(PATHS * looks);
  for (let p = 0; p < PATHS; p++) {
    let sum = 0;
    let sumSquares = 0;
    for (let n = 1; n <= last; n++) {
      const x = randomNormal(random);
      sum += x;
      sumSquares += x * x;
      if (n >= first) {
        const mean = sum / n;
        const variance = (sumSquares - n * mean * mean) / (n - 1);
        out[p * looks + (n - first)] = variance > 0 ? mean / Math.sqrt(variance / n) : 0;
      }
    }
  }
  return out;
}
