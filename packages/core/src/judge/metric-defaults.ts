/**
 * Per-metric defaults: direction, unit, relative limit when the scenario gives none, and the
 * absolute noise floor. Documented in docs/judge.md; change both together.
 */
import type { MetricName } from '../scenario/model.js';
import type { MetricDirection, MetricUnit } from './judgement.js';

export interface MetricDefaults {
  label: string;
  unit: MetricUnit;
  direction: MetricDirection;
  /** Allowed relative change when `compare.limits` does not name the metric. */
  limit: number;
  /** Smallest absolute change (in `unit`) that may fail or be marginal. */
  floor: number;
}

export const METRIC_DEFAULTS: Readonly<Record<MetricName, MetricDefaults>> = {
  'latency.p50': { label: 'p50 latency', unit: 'ms', direction: 'lower-is-better', limit: 0.1, floor: 0.05 },
  'latency.p90': { label: 'p90 latency', unit: 'ms', direction: 'lower-is-better', limit: 0.1, floor: 0.05 },
  'latency.p99': { label: 'p99 latency', unit: 'ms', direction: 'lower-is-better', limit: 0.15, floor: 0.1 },
  'latency.p999': { label: 'p99.9 latency', unit: 'ms', direction: 'lower-is-better', limit: 0.25, floor: 0.25 },
  'cpu.per_request': { label: 'CPU per request', unit: 'ms', direction: 'lower-is-better', limit: 0.1, floor: 0.002 },
  'memory.peak': {
    label: 'peak memory',
    unit: 'bytes',
    direction: 'lower-is-better',
    limit: 0.2,
    floor: 4 * 1024 * 1024,
  },
  // Relative limit on the smoothed rate ratio (1.0 = may double); the floor is on the difference of rates.
  error_rate: { label: 'error rate', unit: 'ratio', direction: 'lower-is-better', limit: 1, floor: 0.001 },
  throughput: { label: 'throughput', unit: 'req/s', direction: 'higher-is-better', limit: 0.1, floor: 5 },
};

/** Percentile level of each latency metric. */
export const LATENCY_LEVELS: Readonly<Partial<Record<MetricName, number>>> = {
  'latency.p50': 50,
  'latency.p90': 90,
  'latency.p99': 99,
  'latency.p999': 99.9,
};

/** Metrics judged when the caller names none (p90 only when the scenario sets a limit or SLO on it). */
export const DEFAULT_METRICS: readonly MetricName[] = [
  'latency.p50',
  'latency.p99',
  'latency.p999',
  'cpu.per_request',
  'memory.peak',
  'error_rate',
  'throughput',
];
