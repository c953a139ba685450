/**
 * Metric keys with a request-name selector, in the manner of k6's tag thresholds:
 * `latency.p99{name=checkout}` judges the p99 latency of the requests named `checkout` alone.
 * Selectors apply to the metrics that can be attributed to one request: latency percentiles and the
 * error rate (CPU and memory belong to the whole service). The name runs to the last `}`, so a
 * default name with placeholders can be selected too (`latency.p99{name=GET /p?id={{uuid}}}`).
 */
import type { MetricName } from './scenario/model.js';

export const selectableMetrics = [
  'latency.p50',
  'latency.p90',
  'latency.p99',
  'latency.p999',
  'error_rate',
] as const satisfies readonly MetricName[];

export type SelectableMetric = (typeof selectableMetrics)[number];

/** JSON Schema key patterns: latency percentiles with a selector, and the error rate with one. */
export const LATENCY_SELECTOR_PATTERN = '^latency\\.(?:p50|p90|p99|p999)\\{name=.+\\}$';
export const ERROR_RATE_SELECTOR_PATTERN = '^error_rate\\{name=.+\\}$';

/**
 * A dependency's CPU per request (`cpu.per_request{dependency=db}`): its CPU time over the
 * measured window ÷ the build's completed requests. Limits only; a dependency's CPU is reported
 * but judged only where a limit asks for it. The name is a service.dependencies key.
 */
export const DEPENDENCY_CPU_SELECTOR_PATTERN = '^cpu\\.per_request\\{dependency=[a-z][a-z0-9-]*\\}$';

const DEPENDENCY_SELECTOR = /^cpu\.per_request\{dependency=([a-z][a-z0-9-]*)\}$/;

/** `cpu.per_request{dependency=db}` → `db`; undefined for any other key. */
export function parseDependencySelector(key: string): string | undefined {
  return DEPENDENCY_SELECTOR.exec(key)?.[1];
}

const SELECTOR = /^([a-z_.0-9]+)\{name=(.+)\}$/s;

/** `latency.p99{name=checkout}` → { metric, name }; undefined for a key without a selector. */
export function parseMetricSelector(key: string): { metric: SelectableMetric; name: string } | undefined {
  const match = SELECTOR.exec(key);
  if (!match) return undefined;
  const metric = match[1] as SelectableMetric;
  if (!(selectableMetrics as readonly string[]).includes(metric)) return undefined;
  return { metric, name: match[2] as string };
}

export function metricSelectorKey(metric: MetricName, name: string): string {
  return `${metric}{name=${name}}`;
}
