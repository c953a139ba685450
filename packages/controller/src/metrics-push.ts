/**
 * Pushes a registry to a Prometheus Pushgateway once, at the end of a CLI comparison or run: CI
 * jobs end before any scrape would see them. PUT replaces exactly one group (job + grouping key),
 * so the push never touches metrics other jobs or scenarios pushed.
 */
import { Pushgateway } from 'prom-client';
import type { ComparisonMetrics } from './metrics.js';

export interface PushMetricsOptions {
  /** Base URL of the Pushgateway, e.g. http://127.0.0.1:9091. */
  url: string;
  /** Job name of the group; default `peakgate`. */
  job?: string;
  /** The rest of the grouping key, e.g. `{ scenario: 'checkout-peak' }`. */
  groupings?: Record<string, string>;
  timeoutMs?: number;
}

export async function pushMetrics(metrics: ComparisonMetrics, options: PushMetricsOptions): Promise<void> {
  const gateway = new Pushgateway(options.url, { timeout: options.timeoutMs ?? 10_000 }, metrics.registry);
  await gateway.push({
    jobName: options.job ?? 'peakgate',
    ...(options.groupings ? { groupings: options.groupings } : {}),
  });
}
