import { describe, expect, it } from 'vitest';
import { type ExceedanceRound, exceedanceInterval, exceedancePValue } from './exceedance.js';
import { binOfMicros, type LatencyBins, latencyBinsFrom } from './latency-bins.js';
import { createSeededRandom, type RandomSource, randomNormal } from './seeded-random.js';

/** Requests of one side of a round: lognormal (median 0.6 ms, σ 0.3) with a slow share 15× slower. */
function side(random: RandomSource, options: { n: number; slowShare: number; scale: number }): LatencyBins {
  const counts = new Map<number, number>();
  for (let i = 0; i < options.n; i++) {
    const slow = random() < options.slowShare ? 15 : 1;
    const ms = 0.6 * slow * options.scale * Math.exp(0.3 * randomNormal(random));
    const bin = binOfMicros(ms * 1000);
    counts.set(bin, (counts.get(bin) ?? 0) + 1);
  }
  const bins = [...counts.keys()].sort((a, b) => a - b);
  return latencyBinsFrom(Int32Array.from(bins), Float64Array.from(bins.map((b) => counts.get(b) as number)));
}

function rounds(seed: number, count: number, candidateScale: number, slowShare = 0.05): ExceedanceRound[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => ({
    baseline: [side(random, { n: 2000, slowShare, scale: 1 })],
    candidate: [side(random, { n: 2000, slowShare, scale: candidateScale })],
  }));
}

describe('exceedance interval of a tail ratio', () => {
  it('covers the true ratio (1, A/A) at about its confidence', () => {
    let covered = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const interval = exceedanceInterval(rounds(seed, 6, 1), 99, 0.9);
      if (interval && interval.lower <= 1 && interval.upper >= 1) covered++;
    }
    // 90% nominal; the binomial spread of 100 draws at 0.9 is about ±3.
    expect(covered).toBeGreaterThanOrEqual(83);
    expect(covered).toBeLessThanOrEqual(97);
  });

  it('finds a whole-distribution slow-down of 25% and covers it', () => {
    let covered = 0;
    const estimates: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const interval = exceedanceInterval(rounds(seed, 6, 1.25), 99, 0.9);
      if (!interval) continue;
      estimates.push(interval.estimate);
      if (interval.lower <= 1.25 && interval.upper >= 1.25) covered++;
    }
    estimates.sort((a, b) => a - b);
    expect(estimates[20]).toBeGreaterThan(1.2);
    expect(estimates[20]).toBeLessThan(1.3);
    expect(covered).toBeGreaterThanOrEqual(32);
  });

  it('stays near the estimate where the percentile sits in a gap of the distribution', () => {
    // A 1.5% slow share puts p99 between the fast body and the slow group: each round's p99 jumps.
    const interval = exceedanceInterval(rounds(3, 5, 1, 0.015), 99, 0.95);
    expect(interval?.lower).toBeGreaterThan(0.5);
    expect(interval?.upper).toBeLessThan(2);
  });

  it('needs two rounds to see any round-to-round spread', () => {
    expect(exceedanceInterval(rounds(1, 1, 1), 99, 0.9)).toBeUndefined();
    expect(exceedancePValue(rounds(1, 1, 2), 99, 1.25)).toBe(1);
  });

  it('gives a small p-value past the threshold only when the ratio is past it', () => {
    expect(exceedancePValue(rounds(5, 6, 1.6), 99, 1.25)).toBeLessThan(0.001);
    expect(exceedancePValue(rounds(5, 6, 1), 99, 1.25)).toBeGreaterThan(0.5);
  });
});
