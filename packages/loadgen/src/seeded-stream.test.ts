import type { RequestTemplate } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { compileRequestMix } from './request-template.js';
import { MAX_SEED, mix32, roundSeed, SeededStream } from './seeded-stream.js';

const draws = (stream: SeededStream, n: number): number[] => Array.from({ length: n }, () => stream.uint32());

const MIX: RequestTemplate[] = [
  { weight: 98, method: 'GET', path: '/cheap/{{int 1 1000000}}', headers: {} },
  {
    weight: 2,
    method: 'POST',
    path: '/rare/{{uuid}}',
    headers: { 'x-pick': '{{pick a b c d}}' },
    json: { id: '{{uuid}}', n: '{{int -5 5}}' },
  },
];

describe('seeded streams (common random numbers)', () => {
  it('the same key gives the same draws; any other key, others', () => {
    expect(draws(new SeededStream(7, 1, 42), 8)).toEqual(draws(new SeededStream(7, 1, 42), 8));
    const reference = draws(new SeededStream(7, 1, 42), 8);
    for (const [seed, phase, index] of [
      [8, 1, 42],
      [7, 2, 42],
      [7, 1, 43],
      [7, 1, 42 + 2 ** 32],
    ] as const)
      expect(draws(new SeededStream(seed, phase, index), 8)).not.toEqual(reference);
    const stream = new SeededStream(1, 2, 3);
    stream.uint32();
    stream.reseed(7, 1, 42);
    expect(draws(stream, 8)).toEqual(reference);
  });

  it('draws are uniform enough: floats in [0, 1), mean near 1/2, every bucket of below(10) filled evenly', () => {
    const stream = new SeededStream(123, 0, 0);
    const buckets = new Array<number>(10).fill(0);
    let sum = 0;
    let outside = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = stream.float();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
      const bucket = stream.below(10);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    // Binomial(100000, 0.1): sd ≈ 95; 5 sd either side.
    for (const count of buckets) expect(Math.abs(count - n / 10)).toBeLessThan(475);
  });

  it('a round seed is the same for both sides and differs from round to round and run to run', () => {
    expect(roundSeed(99, 1)).toBe(roundSeed(99, 1));
    expect(new Set([1, 2, 3, 4, 5].map((round) => roundSeed(99, round))).size).toBe(5);
    expect(roundSeed(99, 1)).not.toBe(roundSeed(100, 1));
    for (const seed of [0, 1, MAX_SEED]) expect(roundSeed(seed, 1)).toBeLessThanOrEqual(MAX_SEED);
    // fmix32 is a bijection: no two of these inputs collide.
    expect(new Set(Array.from({ length: 1000 }, (_, i) => mix32(i))).size).toBe(1000);
  });

  it('a mix renders the same request, kind and values for the same key, arrival by arrival', () => {
    const a = compileRequestMix(MIX);
    const b = compileRequestMix(MIX);
    const streamA = new SeededStream();
    const streamB = new SeededStream();
    const other = new SeededStream();
    let differ = 0;
    let rare = 0;
    for (let k = 0; k < 5000; k++) {
      streamA.reseed(2024, 1, k);
      streamB.reseed(2024, 1, k);
      other.reseed(2025, 1, k);
      const left = a.next(streamA);
      expect(b.next(streamB)).toEqual(left);
      if (JSON.stringify(a.next(other)) !== JSON.stringify(left)) differ++;
      if (left.kind === 1) {
        rare++;
        expect(left.path).toMatch(/^\/rare\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        const body = JSON.parse(left.body ?? '{}') as { n: string };
        expect(Number(body.n)).toBeGreaterThanOrEqual(-5);
        expect(Number(body.n)).toBeLessThanOrEqual(5);
        expect(['a', 'b', 'c', 'd']).toContain(left.headers['x-pick']);
      }
    }
    expect(differ).toBeGreaterThan(4900);
    // 2% of 5000 = 100 (sd ≈ 10).
    expect(rare).toBeGreaterThan(60);
    expect(rare).toBeLessThan(140);
  });

  it('a timeline arrival (template named) draws its values from the key too', () => {
    const mix = compileRequestMix(MIX);
    expect(mix.at(1, new SeededStream(5, 0, 9))).toEqual(mix.at(1, new SeededStream(5, 0, 9)));
    expect(mix.at(1, new SeededStream(5, 0, 9))).not.toEqual(mix.at(1, new SeededStream(5, 0, 10)));
  });
});
