/** Exact merging of shard results into phase results, and of phase results into a LoadResult. */
import {
  type ErrorCounts,
  type LoadPhase,
  type LoadResult,
  type PhaseResult,
  type RequestKindResult,
  type ScheduleError,
  type SecondSample,
  summarizeLatency,
} from '@peakgate/core';
import { encodeShardHistogram, mergeShardHistograms } from './worker-histogram.js';
import type { ShardCounts, ShardResult } from './worker-protocol.js';

function sumCounts(items: readonly ShardCounts[]): ShardCounts {
  const total: ShardCounts = { ok: 0, status: 0, timeout: 0, refused: 0, reset: 0, other: 0, dropped: 0 };
  for (const item of items) {
    for (const key of Object.keys(total) as Array<keyof ShardCounts>) total[key] += item[key];
  }
  return total;
}

function sumStatuses(items: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const item of items) {
    for (const [status, count] of Object.entries(item)) total[status] = (total[status] ?? 0) + count;
  }
  return total;
}

function errorsOf(counts: ShardCounts): ErrorCounts {
  const { status, timeout, refused, reset, other, dropped } = counts;
  return { status, timeout, refused, reset, other, dropped };
}

function errorTotal(errors: ErrorCounts): number {
  return errors.status + errors.timeout + errors.refused + errors.reset + errors.other + errors.dropped;
}

/** The rate a phase asks for: the mean arrival rate of an open phase (ramps included), null for closed. */
export function askedRate(phase: LoadPhase): number | null {
  return phase.load.model === 'open' ? (phase.load.rate.from + phase.load.rate.to) / 2 : null;
}

/** One kind's figures from its counts and merged histogram (which it leaves to the caller to destroy). */
function kindResult(counts: ShardCounts, histogram: ReturnType<typeof mergeShardHistograms>): RequestKindResult {
  const errors = errorsOf(counts);
  const errorCount = errorTotal(errors);
  return {
    requests: { total: counts.ok + errorCount, ok: counts.ok, errors: errorCount },
    errors,
    latency: summarizeLatency(histogram),
    histogram: encodeShardHistogram(histogram),
  };
}

/**
 * Per request name: each kind's counts summed and histograms added over the shards. A one-kind mix
 * records no per-kind figures (worker-recorder.ts); its one name gets the whole phase's.
 */
function mergeKinds(
  names: readonly string[],
  shards: readonly ShardResult[],
  whole: RequestKindResult,
): Record<string, RequestKindResult> {
  if (names.length === 1) return { [names[0] as string]: whole };
  const byName: Record<string, RequestKindResult> = {};
  names.forEach((name, kind) => {
    const parts = shards.flatMap((shard) => (shard.kinds?.[kind] ? [shard.kinds[kind]] : []));
    const histogram = mergeShardHistograms(parts.map((part) => part.histogram));
    byName[name] = kindResult(sumCounts(parts.map((part) => part.counts)), histogram);
    histogram.destroy();
  });
  return byName;
}

/**
 * One phase from its shards. `requests.total` counts every outcome, dropped arrivals included (they
 * are errors: the target could not keep up); `rate.achieved` counts requests actually sent.
 */
export function mergePhase(
  phase: LoadPhase,
  shards: readonly ShardResult[],
  names: readonly string[] = [],
): PhaseResult {
  const counts = sumCounts(shards.map((s) => s.counts));
  const errors = errorsOf(counts);
  const errorCount = errorTotal(errors);
  const durationMs = shards.length > 0 ? Math.max(...shards.map((s) => s.elapsedMs)) : 0;
  const histogram = mergeShardHistograms(shards.map((s) => s.histogram));
  const total = counts.ok + errorCount;
  const result: PhaseResult = {
    name: phase.name,
    model: phase.load.model,
    durationMs: Math.round(durationMs),
    requests: { total, ok: counts.ok, errors: errorCount },
    errors,
    statuses: sumStatuses(shards.map((s) => s.statuses)),
    rate: { asked: askedRate(phase), achieved: durationMs > 0 ? ((total - errors.dropped) * 1000) / durationMs : 0 },
    latency: summarizeLatency(histogram),
    histogram: encodeShardHistogram(histogram),
  };
  if (names.length > 0) {
    const { requests, errors: kindErrors, latency, histogram: encoded } = result;
    result.byName = mergeKinds(names, shards, { requests, errors: kindErrors, latency, histogram: encoded });
  }
  histogram.destroy();
  const lateness = shards.flatMap((s) => (s.lateness === undefined ? [] : [s.lateness]));
  if (lateness.length > 0)
    result.schedule = scheduleError(
      shards.reduce((sum, s) => sum + s.arrivals, 0),
      lateness,
    );
  return result;
}

/** Per request name over the measured phases: counts summed, histograms added. */
function mergeRunKinds(phases: readonly PhaseResult[]): Record<string, RequestKindResult> | undefined {
  if (phases.length === 0 || phases.some((phase) => phase.byName === undefined)) return undefined;
  const byName: Record<string, RequestKindResult> = {};
  for (const name of Object.keys(phases[0]?.byName ?? {})) {
    const parts = phases.flatMap((phase) => (phase.byName?.[name] ? [phase.byName[name]] : []));
    const histogram = mergeShardHistograms(parts.map((part) => part.histogram));
    byName[name] = kindResult(sumCounts(parts.map((part) => ({ ok: part.requests.ok, ...part.errors }))), histogram);
    histogram.destroy();
  }
  return byName;
}

/** Merges lateness histograms (timeline phases) into one schedule error. */
export function scheduleError(arrivals: number, encoded: readonly string[]): ScheduleError {
  const histogram = mergeShardHistograms(encoded);
  const schedule = { arrivals, lateness: summarizeLatency(histogram), histogram: encodeShardHistogram(histogram) };
  histogram.destroy();
  return schedule;
}

export interface RunFacts {
  target: string;
  startedAt: string;
  interrupted: boolean;
  workers: number;
  series: SecondSample[];
}

export function mergeRun(phases: readonly PhaseResult[], facts: RunFacts): LoadResult {
  const counts = sumCounts(phases.map((p) => ({ ok: p.requests.ok, ...p.errors })));
  const errors = errorsOf(counts);
  const errorCount = errorTotal(errors);
  const durationMs = phases.reduce((sum, p) => sum + p.durationMs, 0);
  const histogram = mergeShardHistograms(phases.map((p) => p.histogram));
  const models = new Set(phases.map((p) => p.model));
  const asked =
    phases.every((p) => p.rate.asked !== null) && durationMs > 0
      ? phases.reduce((sum, p) => sum + (p.rate.asked ?? 0) * p.durationMs, 0) / durationMs
      : null;
  const total = counts.ok + errorCount;
  const result: LoadResult = {
    target: facts.target,
    startedAt: facts.startedAt,
    durationMs,
    latencyOrigin: models.size > 1 ? 'mixed' : models.has('closed') ? 'actual-send' : 'intended-start',
    interrupted: facts.interrupted,
    workers: facts.workers,
    requests: { total, ok: counts.ok, errors: errorCount },
    errors,
    statuses: sumStatuses(phases.map((p) => p.statuses)),
    rate: { asked, achieved: durationMs > 0 ? ((total - errors.dropped) * 1000) / durationMs : 0 },
    latency: summarizeLatency(histogram),
    histogram: encodeShardHistogram(histogram),
    phases: [...phases],
    series: facts.series,
  };
  const byName = mergeRunKinds(phases);
  if (byName) result.byName = byName;
  histogram.destroy();
  const timed = phases.flatMap((p) => (p.schedule === undefined ? [] : [p.schedule]));
  if (timed.length > 0)
    result.schedule = scheduleError(
      timed.reduce((sum, s) => sum + s.arrivals, 0),
      timed.map((s) => s.histogram),
    );
  return result;
}
