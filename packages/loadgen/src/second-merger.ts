/**
 * Merges the per-second samples that each source streams (this process's worker threads, or the
 * load shards of a sharded run) into one SecondSample per second, emitted as soon as every source
 * has reported that second (histograms added, counts summed).
 */
import { type SecondKindSample, type SecondSample, summarizeLatency } from '@peakgate/core';
import { encodeWorkerHistogram, mergeWorkerHistograms } from './worker-histogram.js';
import type { KindSecond } from './worker-protocol.js';

interface PendingKind {
  requests: number;
  errors: number;
  histograms: string[];
}

interface Pending extends PendingKind {
  reports: number;
  kinds: PendingKind[];
}

export class SecondMerger {
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly sources: number,
    private readonly phase: string,
    /** Added to each source-local second (seconds of the measured phases before this one). */
    private readonly secondBase: number,
    private readonly warmup: boolean,
    private readonly emit: (sample: SecondSample) => void,
    /** Request names in mix order; per-name parts are merged only when there are several. */
    private readonly names: readonly string[] = [],
  ) {}

  add(second: number, requests: number, errors: number, histogram: string, kinds?: readonly KindSecond[]): void {
    const entry = this.pending.get(second) ?? { reports: 0, requests: 0, errors: 0, histograms: [], kinds: [] };
    entry.reports++;
    entry.requests += requests;
    entry.errors += errors;
    entry.histograms.push(histogram);
    kinds?.forEach((part, kind) => {
      entry.kinds[kind] ??= { requests: 0, errors: 0, histograms: [] };
      const sum = entry.kinds[kind];
      sum.requests += part.requests;
      sum.errors += part.errors;
      if (part.histogram !== '') sum.histograms.push(part.histogram);
    });
    this.pending.set(second, entry);
    if (entry.reports >= this.sources) {
      // Emit earlier seconds first, even if incomplete (a source never skips a second, so this is rare).
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
    const merged = mergeWorkerHistograms(entry.histograms);
    const latency = summarizeLatency(merged);
    const sample: SecondSample = {
      second: this.secondBase + second,
      phase: this.phase,
      requests: entry.requests,
      errors: entry.errors,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      histogram: encodeWorkerHistogram(merged),
    };
    merged.destroy();
    if (this.names.length > 1 && entry.kinds.length > 0) sample.byName = this.mergeKinds(entry.kinds);
    if (this.warmup) sample.warmup = true;
    this.emit(sample);
  }

  private mergeKinds(kinds: readonly PendingKind[]): Record<string, SecondKindSample> {
    const byName: Record<string, SecondKindSample> = {};
    this.names.forEach((name, kind) => {
      const part = kinds[kind];
      if (!part) {
        byName[name] = { requests: 0, errors: 0, histogram: '' };
        return;
      }
      let histogram = '';
      if (part.histograms.length === 1) histogram = part.histograms[0] as string;
      else if (part.histograms.length > 1) {
        const merged = mergeWorkerHistograms(part.histograms);
        histogram = encodeWorkerHistogram(merged);
        merged.destroy();
      }
      byName[name] = { requests: part.requests, errors: part.errors, histogram };
    });
    return byName;
  }
}
