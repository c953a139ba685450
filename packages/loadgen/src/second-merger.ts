/**
 * Merges the per-second samples that each shard streams into one SecondSample per second, emitted
 * as soon as every shard has reported that second (histograms added, counts summed).
 */
import { type SecondSample, summarizeLatency } from '@peakgate/core';
import { encodeShardHistogram, mergeShardHistograms } from './shard-histogram.js';

interface Pending {
  reports: number;
  requests: number;
  errors: number;
  histograms: string[];
}

export class SecondMerger {
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly shards: number,
    private readonly phase: string,
    /** Added to each shard-local second (seconds of the measured phases before this one). */
    private readonly secondBase: number,
    private readonly warmup: boolean,
    private readonly emit: (sample: SecondSample) => void,
  ) {}

  add(second: number, requests: number, errors: number, histogram: string): void {
    const entry = this.pending.get(second) ?? { reports: 0, requests: 0, errors: 0, histograms: [] };
    entry.reports++;
    entry.requests += requests;
    entry.errors += errors;
    entry.histograms.push(histogram);
    this.pending.set(second, entry);
    if (entry.reports >= this.shards) {
      // Emit earlier seconds first, even if incomplete (a shard never skips a second, so this is rare).
      for (const earlier of [...this.pending.keys()].sort((a, b) => a - b)) {
        if (earlier > second) break;
        this.emitSecond(earlier);
      }
    }
  }

  /** Emits whatever is left (e.g. after an abort), in order. */
  flush(): void {
    for (const second of [...this.pending.keys()].sort((a, b) => a - b)) this.emitSecond(second);
  }

  private emitSecond(second: number): void {
    const entry = this.pending.get(second);
    if (!entry) return;
    this.pending.delete(second);
    const merged = mergeShardHistograms(entry.histograms);
    const latency = summarizeLatency(merged);
    const sample: SecondSample = {
      second: this.secondBase + second,
      phase: this.phase,
      requests: entry.requests,
      errors: entry.errors,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      histogram: encodeShardHistogram(merged),
    };
    merged.destroy();
    if (this.warmup) sample.warmup = true;
    this.emit(sample);
  }
}
