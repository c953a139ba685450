/**
 * The balancing logic: a consistent-hash ring for GET /route and a scoring pass for POST /balance.
 * The `regressed` mode adds a redundant re-scoring loop here — the kind of change that passes unit
 * tests (same answers) but costs ~30% more CPU per request under load.
 */
import { type Backend, fnv1a } from './backends.js';

export interface Ring {
  points: Uint32Array;
  owners: number[];
}

const VIRTUAL_NODES = 64;

export function buildRing(backends: Backend[]): Ring {
  const entries: Array<[number, number]> = [];
  backends.forEach((backend, index) => {
    for (let v = 0; v < VIRTUAL_NODES * backend.weight; v++) entries.push([fnv1a(`${backend.id}#${v}`), index]);
  });
  entries.sort((a, b) => a[0] - b[0]);
  return { points: Uint32Array.from(entries.map((e) => e[0])), owners: entries.map((e) => e[1]) };
}

export function lookup(ring: Ring, key: string): { index: number; hash: number } {
  const hash = fnv1a(key);
  let lo = 0;
  let hi = ring.points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ring.points[mid] ?? 0) < hash) lo = mid + 1;
    else hi = mid;
  }
  return { index: ring.owners[lo % ring.owners.length] ?? 0, hash };
}

export interface BalanceItem {
  key: string;
  zone?: string;
  size?: number;
  priority?: number;
}

export interface Assignment {
  key: string;
  backend: string;
  host: string;
  port: number;
  score: number;
}

function score(backend: Backend, item: BalanceItem, active: number): number {
  const affinity = (fnv1a(`${item.key}:${backend.id}`) % 1000) / 1000;
  const zoneBonus = item.zone !== undefined && item.zone === backend.zone ? 1.5 : 1;
  const headroom = (backend.capacity - active) / backend.capacity;
  const size = item.size ?? 1;
  return (
    backend.weight * headroom * zoneBonus * (1 + (item.priority ?? 0) / 10) -
    backend.errorRate * 20 -
    backend.latencyMs / 100 -
    size / backend.capacity +
    affinity * 0.25
  );
}

function pickBest(backends: Backend[], active: number[], item: BalanceItem): { index: number; score: number } {
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < backends.length; i++) {
    const s = score(backends[i] as Backend, item, active[i] ?? 0);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return { index: best, score: bestScore };
}

/**
 * Assigns each item to the best-scoring backend, counting the load it adds as it goes.
 * `redundantShare` > 0 re-scores that share of the items (1 = every item once more) against a copy
 * of the table and throws the result away: the injected regression (answers identical, CPU not).
 */
export function balance(backends: Backend[], items: BalanceItem[], redundantShare: number): Assignment[] {
  const active = backends.map((b) => b.active);
  const assignments: Assignment[] = [];
  for (const item of items) {
    const { index, score: s } = pickBest(backends, active, item);
    active[index] = (active[index] ?? 0) + (item.size ?? 1);
    const backend = backends[index] as Backend;
    assignments.push({ key: item.key, backend: backend.id, host: backend.host, port: backend.port, score: s });
  }
  const redundant = Math.round(items.length * redundantShare);
  for (let i = 0; i < redundant; i++) {
    // "Validate" a pick against a fresh snapshot — a redundant loop that changes nothing.
    const snapshot = backends.map((b) => ({ ...b }));
    pickBest(snapshot, active.slice(), items[i % items.length] as BalanceItem);
  }
  return assignments;
}

/** The regression on the routing path: re-scores the key against every backend, then ignores it. */
export function redundantRouteCheck(backends: Backend[], key: string, rounds: number): number {
  let checksum = 0;
  const active = backends.map((b) => b.active);
  for (let r = 0; r < rounds; r++) checksum += pickBest(backends, active, { key: `${key}/${r}` }).index;
  return checksum;
}
