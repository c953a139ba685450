/**
 * A Prometheus histogram that takes whole per-second histograms at once. The load engine already
 * records every request in an HDR histogram; folding each second's histogram into fixed buckets
 * here costs one pass over its recorded values, where prom-client's Histogram would need one
 * `observe()` per request on the main thread (the cost budget of live metrics is 3% of the load
 * engine's CPU per request). It registers on a prom-client Registry like any metric, so /metrics
 * and the Pushgateway see it in the standard text format.
 */
import { type BucketCounts, latencyBucketCounts } from '@peakgate/core';
import type { Registry } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  /** Per-slot counts (not cumulative); the last slot is +Inf. */
  slots: number[];
  sum: number;
  count: number;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export interface BulkHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds in seconds, ascending. */
  buckets: readonly number[];
  registers: Registry[];
}

export class BulkHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly buckets: readonly number[];
  private readonly boundsMicros: number[];
  private readonly labelNames: readonly L[];
  private readonly series = new Map<string, Series>();

  constructor(options: BulkHistogramOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.buckets = options.buckets;
    this.boundsMicros = options.buckets.map((seconds) => Math.round(seconds * 1e6));
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  /** Adds an encoded latency histogram (µs, as the load engine records it). */
  addEncoded(labels: Record<L, string>, encoded: string): void {
    this.addCounts(labels, latencyBucketCounts(encoded, this.boundsMicros));
  }

  /** Adds counts already folded to this histogram's bounds (`sum` in µs). */
  addCounts(labels: Record<L, string>, folded: BucketCounts): void {
    if (folded.total === 0) return;
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: { ...labels }, slots: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    for (let i = 0; i < folded.counts.length; i += 1) {
      series.slots[i] = (series.slots[i] as number) + (folded.counts[i] as number);
    }
    series.sum += folded.sum / 1e6;
    series.count += folded.total;
  }

  reset(): void {
    this.series.clear();
  }

  /** prom-client's metric protocol: the registry renders these values. */
  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.slots[i] as number;
        values.push({ labels: { ...series.labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
