/**
 * Reference values were computed with scipy 1.17 / numpy (commands quoted beside each case), or
 * taken from the cited publication, so these tests check the implementation, not itself.
 */
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, encodeHistogram, recordLatencyMs } from '../histograms.js';
import { bootstrapRatioInterval } from './bootstrap.js';
import { mean, median, quantile } from './descriptive.js';
import { hodgesLehmann } from './hodges-lehmann.js';
import { binValueMs, encodedToBins, LATENCY_BIN_COUNT, latencyBinsFrom, percentilesOfBins } from './latency-bins.js';
import { normalCdf, normalQuantile } from './normal-distribution.js';
import { proportionDifferenceInterval, rateRatioInterval, wilsonInterval } from './proportions.js';
import { createSeededRandom, randomNormal } from './seeded-random.js';
import { studentTCdf, studentTQuantile } from './student-t.js';
import { welchInterval } from './welch.js';

// Hollander & Wolfe's example data, also used in scipy's docs.
const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

describe('descriptive statistics', () => {
  it('matches numpy.quantile (linear, R type 7)', () => {
    // np.quantile([3,1,4,1,5,9,2,6], [0.1, 0.5, 0.9, 0.99]) -> [1.0, 3.5, 6.9, 8.79]
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(quantile(values, 0.1)).toBeCloseTo(1.0, 12);
    expect(quantile(values, 0.5)).toBeCloseTo(3.5, 12);
    expect(quantile(values, 0.9)).toBeCloseTo(6.9, 12);
    expect(quantile(values, 0.99)).toBeCloseTo(8.79, 12);
    expect(median([5, 1, 3])).toBe(3);
    expect(mean([1, 2, 3, 6])).toBe(3);
  });

  it('rejects empty samples and levels outside [0, 1]', () => {
    expect(() => median([])).toThrow(/empty/);
    expect(() => quantile([1], 1.5)).toThrow(/outside/);
  });
});

describe('normal distribution', () => {
  it('matches scipy.stats.norm', () => {
    // norm.ppf([0.975, 0.995, 0.5, 0.01]) -> [1.95996398, 2.5758293, 0, -2.32634787]
    expect(normalQuantile(0.975)).toBeCloseTo(1.95996398, 7);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293, 7);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.32634787, 7);
    // norm.cdf([1.96, -2.5, 0.3]) -> [0.9750021, 0.00620967, 0.61791142]
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalCdf(-2.5)).toBeCloseTo(0.00620967, 7);
    expect(normalCdf(0.3)).toBeCloseTo(0.61791142, 6);
  });
});

describe('Hodges-Lehmann shift', () => {
  it('matches the order statistics of the pairwise differences', () => {
    // d = sort((x[:,None] - y[None,:]).ravel()); median(d) = 0.56
    // c = round(81/2 - norm.ppf(.975)*sqrt(81*19/12)) = 18; (d[17], d[63]) = (-0.37, 1.183)
    const result = hodgesLehmann(x, y, 0.95);
    expect(result.estimate).toBeCloseTo(0.56, 10);
    expect(result.lower).toBeCloseTo(-0.37, 10);
    expect(result.upper).toBeCloseTo(1.183, 10);
    expect(result.achievedConfidence).toBe(0.95);
  });

  it('uses the exact critical value for 10 against 10 (table value C = 24)', () => {
    // Exact two-sided 5% lower critical value of U for m = n = 10 is 23 (Hollander & Wolfe, table A.6),
    // so the interval runs from the 24th to the 77th difference. Shifts of 0..99 make d sortable by hand.
    const a = Array.from({ length: 10 }, (_, i) => i * 10);
    const b = Array.from({ length: 10 }, (_, i) => i + 0.5);
    const differences = a.flatMap((ai) => b.map((bj) => ai - bj)).sort((p, q) => p - q);
    const result = hodgesLehmann(a, b, 0.95);
    expect(result.lower).toBe(differences[23]);
    expect(result.upper).toBe(differences[76]);
  });

  it('falls back to the full range with its exact coverage when the level is out of reach', () => {
    // 3 against 3: the widest interval covers 1 - 2 / C(6, 3) = 0.9
    const result = hodgesLehmann([10, 11, 12], [1, 2, 3], 0.95);
    expect(result.lower).toBe(7);
    expect(result.upper).toBe(11);
    expect(result.achievedConfidence).toBeCloseTo(0.9, 12);
  });
});

describe('proportions', () => {
  it('Wilson interval matches scipy binomtest(...).proportion_ci(method="wilson")', () => {
    const a = wilsonInterval(3, 10, 0.95);
    expect(a.lower).toBeCloseTo(0.10779126740630102, 6);
    expect(a.upper).toBeCloseTo(0.6032218525388546, 6);
    const zero = wilsonInterval(0, 50, 0.95);
    expect(zero.lower).toBe(0);
    expect(zero.upper).toBeCloseTo(0.07134759913335872, 6);
  });

  it('Newcombe hybrid score difference matches Newcombe (1998), Table II, method 10', () => {
    // (a) 56/70 - 48/80: 0.0524 to 0.3339; (b) 9/10 - 3/10: 0.1705 to 0.8090
    const a = proportionDifferenceInterval(56, 70, 48, 80, 0.95);
    expect(a.estimate).toBeCloseTo(0.2, 10);
    expect(a.lower).toBeCloseTo(0.0524, 3);
    expect(a.upper).toBeCloseTo(0.3339, 3);
    const b = proportionDifferenceInterval(9, 10, 3, 10, 0.95);
    expect(b.lower).toBeCloseTo(0.1705, 3);
    expect(b.upper).toBeCloseTo(0.809, 3);
  });

  it('rate ratio is finite with zero counts (Katz log interval on Haldane-corrected counts)', () => {
    // r = (12.5/1000.5)/(3.5/1000.5); se = sqrt(1/12.5-1/1000.5+1/3.5-1/1000.5) -> 3.5714, 1.0952, 11.6464
    const result = rateRatioInterval(12, 1000, 3, 1000, 0.95);
    expect(result.estimate).toBeCloseTo(3.571428571428571, 9);
    expect(result.lower).toBeCloseTo(1.095197457421483, 5);
    expect(result.upper).toBeCloseTo(11.646394861842314, 4);
    expect(Number.isFinite(rateRatioInterval(0, 1000, 0, 1000, 0.95).upper)).toBe(true);
  });
});

describe('seeded bootstrap of a ratio', () => {
  const draw = (seed: number, scale: number, trials: number, windows: number): number[][] => {
    const random = createSeededRandom(seed);
    return Array.from({ length: trials }, () =>
      Array.from({ length: windows }, () => scale * Math.exp(0.1 * randomNormal(random))),
    );
  };
  const meanOf = (values: readonly number[]): number => mean(values);

  it('is reproducible for a seed and covers a known ratio', () => {
    const baseline = draw(1, 10, 3, 30);
    const candidate = draw(2, 13, 3, 30);
    const options = { confidence: 0.95, resamples: 1000 };
    const first = bootstrapRatioInterval(baseline, candidate, meanOf, { ...options, random: createSeededRandom(7) });
    const again = bootstrapRatioInterval(baseline, candidate, meanOf, { ...options, random: createSeededRandom(7) });
    expect(again).toEqual(first);
    expect(first.lower).toBeLessThan(1.3);
    expect(first.upper).toBeGreaterThan(1.3);
    expect(first.lower).toBeGreaterThan(1.2);
    expect(first.upper).toBeLessThan(1.4);
    expect(first.ratio).toBeCloseTo(first.candidate / first.baseline, 12);
  });

  it('covers the true ratio about as often as it claims (90% interval, 200 seeds)', () => {
    let covered = 0;
    for (let seed = 0; seed < 200; seed++) {
      const baseline = draw(1000 + seed, 10, 1, 40);
      const candidate = draw(5000 + seed, 10, 1, 40);
      const result = bootstrapRatioInterval(baseline, candidate, meanOf, {
        confidence: 0.9,
        resamples: 400,
        random: createSeededRandom(seed),
      });
      if (result.lower <= 1 && result.upper >= 1) covered++;
    }
    // Binomial(200, 0.9): 95% of runs fall in 172..188; the percentile bootstrap runs a little narrow.
    expect(covered).toBeGreaterThanOrEqual(165);
    expect(covered).toBeLessThanOrEqual(195);
  });
});

describe('latency bins', () => {
  it('reproduce HDR percentiles within half a bin (0.25%)', () => {
    const histogram = createLatencyHistogram();
    const random = createSeededRandom(3);
    for (let i = 0; i < 20_000; i++) recordLatencyMs(histogram, 2 * Math.exp(0.5 * randomNormal(random)));
    const exact = [50, 99, 99.9].map((level) => histogram.getValueAtPercentile(level) / 1000);
    const half = encodeHistogram(histogram);
    const binned = percentilesOfBins([encodedToBins([half])], [50, 99, 99.9]);
    for (let k = 0; k < 3; k++) expect(Math.abs((binned[k] as number) / (exact[k] as number) - 1)).toBeLessThan(0.004);
    // Adding the same bins twice leaves percentiles unchanged.
    const bins = encodedToBins([half]);
    expect(percentilesOfBins([bins, bins], [50, 99, 99.9])).toEqual(binned);
  });
});

describe('Student t and Welch', () => {
  it('matches scipy.stats.t', () => {
    // t.ppf(0.975, 4) = 2.7764451051977934; t.ppf(0.975, 2.5) = 3.5746548420036817
    // t.cdf(1.5, 3.3) = 0.8887484016403541; t.ppf(0.995, 30) = 2.7499956535672254
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764451051977934, 8);
    expect(studentTQuantile(0.975, 2.5)).toBeCloseTo(3.5746548420036817, 8);
    expect(studentTCdf(1.5, 3.3)).toBeCloseTo(0.8887484016403541, 10);
    expect(studentTQuantile(0.995, 30)).toBeCloseTo(2.7499956535672254, 8);
  });

  it('matches scipy ttest_ind(equal_var=False).confidence_interval on log values', () => {
    // x = log([0.21, 0.205, 0.22]); y = log([0.2, 0.198, 0.207, 0.203])
    // -> df 2.8740589025650123, CI (-0.02816128011886601, 0.1210700661494937), estimate 0.046454393015313844
    const result = welchInterval([0.21, 0.205, 0.22].map(Math.log), [0.2, 0.198, 0.207, 0.203].map(Math.log), 0.95);
    expect(result?.degreesOfFreedom).toBeCloseTo(2.8740589025650123, 8);
    expect(result?.lower).toBeCloseTo(-0.02816128011886601, 8);
    expect(result?.upper).toBeCloseTo(0.1210700661494937, 8);
    expect(result?.estimate).toBeCloseTo(0.046454393015313844, 10);
    expect(welchInterval([1], [1, 2], 0.95)).toBeUndefined();
  });
});

describe('percentilesOfBins (binary search over cumulative counts) against a plain dense scan', () => {
  function naive(parts: { bins: Int32Array; counts: Float64Array }[], levels: number[]): number[] {
    const dense = new Float64Array(LATENCY_BIN_COUNT);
    let total = 0;
    for (const part of parts) {
      part.bins.forEach((bin, i) => {
        dense[bin] = (dense[bin] as number) + (part.counts[i] as number);
        total += part.counts[i] as number;
      });
    }
    return levels.map((level) => {
      const rank = Math.max(1, Math.ceil((level / 100) * total));
      let cumulative = 0;
      for (let bin = 0; bin < LATENCY_BIN_COUNT; bin++) {
        cumulative += dense[bin] as number;
        if (cumulative >= rank) return binValueMs(bin);
      }
      return Number.NaN;
    });
  }

  it('gives identical values on random sparse parts', () => {
    const random = createSeededRandom(11);
    for (let round = 0; round < 200; round++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 6) }, () => {
        const start = 800 + Math.floor(random() * 400);
        const chosen = new Set<number>();
        const n = 1 + Math.floor(random() * 60);
        for (let i = 0; i < n; i++) chosen.add(start + Math.floor(random() * random() * 900));
        const bins = Int32Array.from([...chosen].sort((a, b) => a - b));
        const counts = Float64Array.from(bins, () => 1 + Math.floor(random() * 20));
        return latencyBinsFrom(bins, counts);
      });
      const levels = [50, 90, 99, 99.9, 100, 0.001];
      expect(percentilesOfBins(parts, levels)).toEqual(naive(parts, levels));
    }
  });
});
