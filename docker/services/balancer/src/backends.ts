/**
 * The backend table the balancer routes over: ~50 deterministic backends (a seeded generator, so
 * every container and process serves the same table and responses are comparable across builds).
 */
export interface Backend {
  id: string;
  host: string;
  port: number;
  zone: string;
  weight: number;
  capacity: number;
  active: number;
  errorRate: number;
  latencyMs: number;
}

const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c', 'us-east-1a', 'us-east-1b'];

/** mulberry32: tiny seeded PRNG, enough for a reproducible table. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createBackends(count = 50, seed = 42): Backend[] {
  const rand = seeded(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `backend-${String(i + 1).padStart(2, '0')}`,
    host: `10.0.${Math.floor(i / 16)}.${(i % 16) + 10}`,
    port: 9000 + i,
    zone: ZONES[i % ZONES.length] ?? 'eu-west-1a',
    weight: 1 + Math.floor(rand() * 5),
    capacity: 100 + Math.floor(rand() * 900),
    active: Math.floor(rand() * 50),
    errorRate: Math.round(rand() * 0.05 * 1e4) / 1e4,
    latencyMs: 2 + Math.round(rand() * 40),
  }));
}

/** FNV-1a 32-bit: cheap, stable hash for keys and ring points. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
