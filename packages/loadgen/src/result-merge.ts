/** Exact merging of worker results into phase results, and of phase results into a LoadResult. */
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
import { encodeWorkerHistogram, mergeWorkerHistograms } from './worker-histogram.js';
import type { WorkerCounts, WorkerResult } from './worker-protocol.js';

function sumCounts(items: readonly WorkerCounts[]): WorkerCounts {
  const total: WorkerCounts = { ok: 0, status: 0, timeout: 0, refused: 0, reset: 0, other: 0, dropped: 0 };
  for (const item of items) {
    for (const key of Object.keys(total) as Array<keyof WorkerCounts>) total[key] += item[key];
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

function errorsOf(counts: WorkerCounts): ErrorCounts {
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
function kindResult(counts: WorkerCounts, histogram: ReturnType<typeof mergeWorkerHistograms>): RequestKindResult {
  const errors = errorsOf(counts);
  const errorCount = errorTotal(errors);
  return {
    requests: { total: counts.ok + errorCount, ok: counts.ok, errors: errorCount },
    errors,
    latency: summarizeLatency(histogram),
    histogram: encodeWorkerHistogram(histogram),
  };
}

/**
 * Per request name: each kind's counts summed and histograms added over the workers. A one-kind mix
 * records no per-kind figures (worker-recorder.ts); its one name gets the whole phase's.
 */
function mergeKinds(
  names: readonly string[],
  workers: readonly WorkerResult[],
  whole: RequestKindResult,
): Record<string, RequestKindResult> {
  if (names.length === 1) return { [names[0] as string]: whole };
  const byName: Record<string, RequestKindResult> = {};
  names.forEach((name, kind) => {
    const parts = workers.flatMap((worker) => (worker.kinds?.[kind] ? [worker.kinds[kind]] : []));
    const histogram = mergeWorkerHistograms(parts.map((part) => part.histogram));
    byName[name] = kindResult(sumCounts(parts.map((part) => part.counts)), histogram);
    histogram.destroy();
  });
  return byName;
}

/**
 * One phase from its workers. `requests.total` counts every outcome, dropped arrivals included (they
 * are errors: the target could not keep up); `rate.achieved` counts requests actually sent.
 */
export function mergePhase(
  phase: LoadPhase,
  workers: readonly WorkerResult[],
  names: readonly string[] = [],
): PhaseResult {
  const counts = sumCounts(workers.map((s) => s.counts));
  const errors = errorsOf(counts);
  const errorCount = errorTotal(errors);
  const durationMs = workers.length > 0 ? Math.max(...workers.map((s) => s.elapsedMs)) : 0;
  const histogram = mergeWorkerHistograms(workers.map((s) => s.histogram));
  const total = counts.ok + errorCount;
  const result: PhaseResult = {
    name: phase.name,
    model: phase.load.model,
    durationMs: Math.round(durationMs),
    requests: { total, ok: counts.ok, errors: errorCount },
    errors,
    statuses: sumStatuses(workers.map((s) => s.statuses)),
    rate: { asked: askedRate(phase), achieved: durationMs > 0 ? ((total - errors.dropped) * 1000) / durationMs : 0 },
    latency: summarizeLatency(histogram),
    histogram: encodeWorkerHistogram(histogram),
  };
  if (names.length > 0) {
    const { requests, errors: kindErrors, latency, histogram: encoded } = result;
    result.byName = mergeKinds(names, workers, { requests, errors: kindErrors, latency, histogram: encoded });
  }
  histogram.destroy();
  const lateness = workers.flatMap((s) => (s.lateness === undefined ? [] : [s.lateness]));
  if (lateness.length > 0)
    result.schedule = scheduleError(
      workers.reduce((sum, s) => sum + s.arrivals, 0),
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
    const histogram = mergeWorkerHistograms(parts.map((part) => part.histogram));
    byName[name] = kindResult(sumCounts(parts.map((part) => ({ ok: part.requests.ok, ...part.errors }))), histogram);
    histogram.destroy();
  }
  return byName;
}

/** Merges lateness histograms (timeline phases) into one schedule error. */
export function scheduleError(arrivals: number, encoded: readonly string[]): ScheduleError {
  const histogram = mergeWorkerHistograms(encoded);
  const schedule = { arrivals, lateness: summarizeLatency(histogram), histogram: encodeWorkerHistogram(histogram) };
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
  const histogram = mergeWorkerHistograms(phases.map((p) => p.histogram));
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
    histogram: encodeWorkerHistogram(histogram),
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
