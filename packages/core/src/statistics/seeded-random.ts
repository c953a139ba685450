/**
 * A small seeded PRNG (mulberry32) so that every bootstrap interval, and therefore every verdict,
 * is reproducible: the same trials and the same seed give the same report, byte for byte.
 */
export type RandomSource = () => number;

/** Returns a function yielding uniform numbers in [0, 1) from a 32-bit seed. */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomIndex(random: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** A standard normal draw (Box-Muller), for synthetic data in tests and benchmarks. */
export function randomNormal(random: RandomSource): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
