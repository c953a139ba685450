/**
 * Common random numbers: every random draw of the load (the weighted request choice and every
 * template value) comes from a stream keyed by (round seed, phase, stream index), so both sides of a
 * round, given the same seed, send the same requests with the same values. The stream index is the
 * arrival number k in the open model and the global connection number in the closed model, so the
 * sequence does not depend on how arrivals or connections are spread over worker threads or
 * load shards.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, from PractRand,
 * which it passes): 128 bits of state, one of them a counter, 32-bit integer arithmetic only. Kept
 * here instead of a library because the worker threads load no dependency they can do without
 * (thread start-up is CPU charged to the engine, see worker-histogram.ts) and because a stream is
 * re-keyed per arrival without allocating; pure-rand's generators take a single 32-bit seed, so
 * keying by three numbers would need this hashing anyway. The key words are spread with
 * MurmurHash3's 32-bit finalizer and the state is stepped 12 times before use, as sfc's author
 * recommends for seeding.
 */

/** MurmurHash3's fmix32: a bijection on 32-bit integers with full avalanche. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffff_ffff;

/**
 * The seed of round `round` (1-based) of a run whose seed is `runSeed`: both sides of the round use
 * it, so `--seed` replays every round of a run.
 */
export function roundSeed(runSeed: number, round: number): number {
  return mix32((runSeed >>> 0) ^ mix32((round >>> 0) + 0x9e3779b9));
}

/** A reseedable sfc32 stream; draws are uniform. */
export class SeededStream {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  constructor(seed = 0, phase = 0, index = 0) {
    this.reseed(seed, phase, index);
  }

  /** Positions the stream at the start of stream `index` of phase `phase` under `seed`. */
  reseed(seed: number, phase: number, index: number): void {
    this.a = mix32(seed ^ 0x243f6a88);
    this.b = mix32((phase >>> 0) ^ 0x85a308d3);
    // Arrival numbers may pass 2³² in a long, fast phase: the high part goes in as well.
    this.c = mix32((index >>> 0) ^ mix32(Math.floor(index / 0x1_0000_0000) ^ 0x13198a2e));
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.uint32() >>> 5;
    const low = this.uint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A uniform integer in [0, n) for a positive safe integer n. */
  below(n: number): number {
    return Math.min(n - 1, Math.floor(this.float() * n));
  }
}
