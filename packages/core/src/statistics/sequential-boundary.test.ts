import { describe, expect, it } from 'vitest';
import { createSeededRandom, randomNormal } from './seeded-random.js';
import { sequentialConfidence } from './sequential-boundary.js';
import { studentTQuantile } from './student-t.js';

/**
 * The share of simulated comparisons (true change exactly at the limit: the worst case for a
 * false fail) in which some look's paired-t interval at `level` lies wholly past the limit.
 * A seed different from the module's own, so this is a fresh sample, not the calibration's.
 */
function crossingRate(level: number, first: number, last: number, paths: number, seed: number): number {
  const random = createSeededRandom(seed);
  const quantiles = Array.from({ length: last + 1 }, (_, n) =>
    n < 2 ? 0 : studentTQuantile(1 - (1 - level) / 2, n - 1),
  );
  let crossed = 0;
  for (let p = 0; p < paths; p++) {
    let sum = 0;
    let sumSquares = 0;
    for (let n = 1; n <= last; n++) {
      // Per-round log ratios with a realistic spread (0.03); the scale cancels in t.
      const x = 0.03 * randomNormal(random);
      sum += x;
      sumSquares += x * x;
      if (n < first) continue;
      const mean = sum / n;
      const se = Math.sqrt((sumSquares - n * mean * mean) / (n - 1) / n);
      if (mean - (quantiles[n] as number) * se > 0) {
        crossed++;
        break;
      }
    }
  }
  return crossed / paths;
}

describe('sequentialConfidence', () => {
  it('leaves one look alone and raises the level with the number of looks', () => {
    expect(sequentialConfidence(0.95, 3, 3)).toBe(0.95);
    const few = sequentialConfidence(0.95, 3, 5);
    const many = sequentialConfidence(0.95, 3, 12);
    expect(few).toBeGreaterThan(0.95);
    expect(many).toBeGreaterThan(few);
    // Never as strict as Bonferroni (looks are strongly correlated: they share rounds).
    expect(1 - many).toBeGreaterThan((1 - 0.95) / 10);
  });

  it('keeps the false-fail rate over looks 3..10 at α/2 = 2.5% (fresh simulation, 100,000 comparisons)', () => {
    const level = sequentialConfidence(0.95, 3, 10);
    const rate = crossingRate(level, 3, 10, 100_000, 777);
    // One s.e. of 100,000 draws at 2.5% is 0.05%: ±0.2% is four of them.
    expect(rate).toBeLessThan(0.027);
    expect(rate).toBeGreaterThan(0.021); // and is not needlessly conservative
  });

  it('the uncorrected 95% read at every look errs far more often (the control)', () => {
    expect(crossingRate(0.95, 3, 10, 20_000, 778)).toBeGreaterThan(0.06);
  });
});
