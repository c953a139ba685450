/**
 * The sample balancer's costlier-kind knob (KIND_PATH, KIND_X; bench/calibrate's kindN cases):
 * only that path's requests pay, and each pays (KIND_X − 1) × the path's own measured CPU.
 */
import { describe, expect, it } from 'vitest';
import { kindCost } from '../docker/services/balancer/src/injected-cost.js';

function cpuMicros(): number {
  const used = process.cpuUsage();
  return used.user + used.system;
}

/** Spins `micros` of this process's CPU time: a request's own work of known size. */
function work(micros: number): void {
  const start = cpuMicros();
  while (cpuMicros() - start < micros) {
    // spin
  }
}

describe('sample balancer: a costlier request kind', () => {
  it('is off unless a path and a factor above 1 are given', () => {
    expect(kindCost({ path: '', factor: 5 })).toBeUndefined();
    expect(kindCost({ path: '/backends', factor: 1 })).toBeUndefined();
  });

  it('matches its path with or without a query, and no other path', () => {
    const kind = kindCost({ path: '/backends', factor: 5 });
    expect(kind?.matches('/backends')).toBe(true);
    expect(kind?.matches('/backends?zone=eu')).toBe(true);
    expect(kind?.matches('/backends2')).toBe(false);
    expect(kind?.matches('/route?key=/backends')).toBe(false);
  });

  it('burns (factor − 1) × the measured own cost after each request', () => {
    const kind = kindCost({ path: '/backends', factor: 5 });
    if (!kind) throw new Error('kindCost returned nothing for a valid knob');
    const own = 2000;
    const burned: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = kind.start();
      work(own);
      const before = cpuMicros();
      kind.finish(started);
      burned.push(cpuMicros() - before);
    }
    // Mean of the last 10: the window's own-cost estimate is 2 ms plus the readings' overhead.
    const mean = burned.slice(10).reduce((a, b) => a + b, 0) / 10;
    expect(mean).toBeGreaterThan(0.9 * 4 * own);
    expect(mean).toBeLessThan(1.15 * 4 * own); // 5 × own (factor, not factor − 1) would be 1.25
  });
});
