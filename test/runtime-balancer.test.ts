/**
 * The sample balancer's injected regression: same answers (it passes unit tests), more CPU.
 * The whole-request ratio (≈1.3×) is measured by packages/runtime/bench; here the balancing
 * function alone, where the redundant loop must cost clearly more.
 */
import { describe, expect, it } from 'vitest';
import { createBackends } from '../docker/services/balancer/src/backends.js';
import { balance, buildRing, lookup } from '../docker/services/balancer/src/balancing.js';

const backends = createBackends();
const items = Array.from({ length: 20 }, (_, i) => ({
  key: `user-${i}`,
  zone: i % 2 ? 'eu-west-1a' : 'us-east-1b',
  size: 1 + (i % 3),
}));

function cpuMicros(share: number, calls: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) balance(backends, items, share);
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

describe('sample balancer', () => {
  it('has a deterministic table of 50 backends and a consistent-hash ring that spreads keys', () => {
    expect(backends).toHaveLength(50);
    expect(createBackends()).toEqual(backends);
    const ring = buildRing(backends);
    const owners = new Set(Array.from({ length: 2000 }, (_, i) => lookup(ring, `key-${i}`).index));
    expect(owners.size).toBeGreaterThan(40);
  });

  it('moves only the keys of a backend that leaves the ring (consistent hashing)', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `key-${i}`);
    const removed = backends[7]?.id;
    const remaining = backends.filter((backend) => backend.id !== removed);
    const ring = buildRing(backends);
    const smaller = buildRing(remaining);
    let moved = 0;
    for (const key of keys) {
      const before = backends[lookup(ring, key).index]?.id;
      const after = remaining[lookup(smaller, key).index]?.id;
      if (before === removed) moved += 1;
      else expect(after, key).toBe(before);
    }
    // The removed backend owned some keys (so the loop above checked a real change), and every
    // other key kept its owner.
    expect(moved).toBeGreaterThan(0);
  });

  it('regressed gives the same assignments as good, at clearly higher CPU', () => {
    expect(balance(backends, items, 0.6)).toEqual(balance(backends, items, 0));
    for (let i = 0; i < 200; i++) balance(backends, items, 0.6); // warm up the JIT for both paths
    const ratios: number[] = [];
    for (let block = 0; block < 8; block++) {
      const good = cpuMicros(0, 300);
      const regressed = cpuMicros(0.6, 300);
      ratios.push(regressed / good);
    }
    ratios.sort((a, b) => a - b);
    const median = ((ratios[3] ?? 0) + (ratios[4] ?? 0)) / 2;
    expect(median).toBeGreaterThan(1.25); // ≈1.5 measured; good vs good is ≈1.0
    expect(median).toBeLessThan(3);
  });
});
