/**
 * Turns one trial into resampling units for the bootstrap: windows of a few seconds, re-merged
 * from the per-second series. Windows (not seconds) because neighbouring seconds are correlated
 * and one second holds too few requests for a stable tail; windows (not whole trials) because
 * three trials a side give too few samples for an interval. When a trial has no series (or no
 * resource samples), the whole trial is one unit, so nothing is silently dropped.
 */
import type { PhaseResult, SecondSample } from '../load-result.js';
import { encodedToBins, type LatencyBins } from '../statistics/latency-bins.js';
import type { ResourceSample, TrialResult } from '../trial.js';

export interface CpuUnit {
  cpuNanos: number;
  requests: number;
}

export interface ThroughputUnit {
  ok: number;
  seconds: number;
}

/**
 * The statistic of a resample of windows: Σ top ÷ Σ bottom (a ratio of sums, not a mean of
 * ratios, so a window's weight is its size), divided by `scale`; 0 when the bottom sums to 0.
 */
export function ratioOfSums<Unit>(
  units: readonly Unit[],
  top: (unit: Unit) => number,
  bottom: (unit: Unit) => number,
  scale = 1,
): number {
  let numerator = 0;
  let denominator = 0;
  for (const unit of units) {
    numerator += top(unit);
    denominator += bottom(unit);
  }
  return denominator > 0 ? numerator / scale / denominator : 0;
}

function phaseOf(trial: TrialResult, phase: string): PhaseResult | undefined {
  return trial.load?.phases.find((item) => item.name === phase);
}

/** Consecutive groups of `windowSeconds` seconds of one phase's series. */
function groupSeconds(series: readonly SecondSample[], windowSeconds: number): SecondSample[][] {
  if (series.length === 0) return [];
  const sorted = [...series].sort((a, b) => a.second - b.second);
  const first = (sorted[0] as SecondSample).second;
  const groups = new Map<number, SecondSample[]>();
  for (const sample of sorted) {
    const key = Math.floor((sample.second - first) / windowSeconds);
    const group = groups.get(key);
    if (group) group.push(sample);
    else groups.set(key, [sample]);
  }
  return [...groups.values()];
}

/**
 * Decoded windows of each trial, kept while the trial object lives: the judge reads the same
 * windows at every look of a comparison and again for the acceptance boundary, and decoding them
 * was its largest cost in a mix of many kinds (50 kinds: every kind's windows, every look). Keyed
 * by the trial's series array and its length as well, so a trial whose series changed is decoded
 * afresh. Callers only read the bins.
 */
interface CachedWindows {
  series: readonly SecondSample[] | undefined;
  length: number;
  windows: readonly LatencyBins[];
}
const decodedWindows = new WeakMap<TrialResult, Map<string, CachedWindows>>();

/**
 * Latency windows of one phase, of the whole mix or of one request name. A second without per-name
 * parts (a one-kind mix records none) holds only that one name's requests, so its whole histogram is
 * the name's.
 */
export function latencyWindows(
  trial: TrialResult,
  phase: string,
  windowSeconds: number,
  request?: string,
): readonly LatencyBins[] {
  const key = JSON.stringify([phase, windowSeconds, request ?? null]);
  const series = trial.load?.series;
  let cache = decodedWindows.get(trial);
  const hit = cache?.get(key);
  if (hit && hit.series === series && hit.length === (series?.length ?? 0)) return hit.windows;
  const windows = decodeLatencyWindows(trial, phase, windowSeconds, request);
  if (!cache) {
    cache = new Map();
    decodedWindows.set(trial, cache);
  }
  cache.set(key, { series, length: series?.length ?? 0, windows });
  return windows;
}

function decodeLatencyWindows(
  trial: TrialResult,
  phase: string,
  windowSeconds: number,
  request: string | undefined,
): LatencyBins[] {
  const result = phaseOf(trial, phase);
  const whole = request === undefined ? result : result?.byName?.[request];
  if (!result || !whole || whole.requests.total === 0) return [];
  const oneKind = Object.keys(result.byName ?? {}).length === 1;
  const histogramOf = (sample: SecondSample): string => {
    if (request === undefined) return sample.histogram;
    if (sample.byName === undefined) return oneKind ? sample.histogram : '';
    return sample.byName[request]?.histogram ?? '';
  };
  const series = (trial.load?.series ?? []).filter((sample) => sample.phase === phase && histogramOf(sample) !== '');
  const windows = groupSeconds(series, windowSeconds)
    .map((group) => encodedToBins(group.map(histogramOf)))
    .filter((bins) => bins.total > 0);
  return windows.length > 0 ? windows : [encodedToBins([whole.histogram])];
}

export function throughputWindows(trial: TrialResult, phase: string, windowSeconds: number): ThroughputUnit[] {
  const result = phaseOf(trial, phase);
  if (!result) return [];
  const series = (trial.load?.series ?? []).filter((sample) => sample.phase === phase);
  // The last second of a phase is often partial; a window is counted by the seconds it holds.
  const windows = groupSeconds(series, windowSeconds).map((group) => ({
    ok: group.reduce((sum, sample) => sum + sample.requests - sample.errors, 0),
    seconds: group.length,
  }));
  if (windows.length > 0) return windows;
  return result.durationMs > 0 ? [{ ok: result.requests.ok, seconds: result.durationMs / 1000 }] : [];
}

/** Cumulative CPU at a time (samples sorted by atMs), linearly interpolated; undefined outside the sampled span (±0.5 s). */
export function cpuAt(samples: readonly ResourceSample[], atMs: number): number | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || atMs < first.atMs - 500 || atMs > last.atMs + 500) return undefined;
  if (atMs <= first.atMs) return first.cpuNanos;
  if (atMs >= last.atMs) return last.cpuNanos;
  for (let i = 1; i < samples.length; i++) {
    const right = samples[i] as ResourceSample;
    if (right.atMs >= atMs) {
      const left = samples[i - 1] as ResourceSample;
      const span = right.atMs - left.atMs;
      return span <= 0
        ? right.cpuNanos
        : left.cpuNanos + ((right.cpuNanos - left.cpuNanos) * (atMs - left.atMs)) / span;
    }
  }
  return last.cpuNanos;
}

/** CPU time and completed requests per window, from cumulative CPU samples and the series. */
export function cpuWindows(trial: TrialResult, windowSeconds: number): CpuUnit[] {
  const load = trial.load;
  const service = trial.service;
  if (!load || !service || load.requests.total === 0) return [];
  const samples = [...service.samples].sort((a, b) => a.atMs - b.atMs);
  const windows: CpuUnit[] = [];
  if (samples.length >= 2 && load.series.length > 0) {
    for (const group of groupSeconds(load.series, windowSeconds)) {
      const start = (group[0] as SecondSample).second * 1000;
      const end = ((group[group.length - 1] as SecondSample).second + 1) * 1000;
      const cpuStart = cpuAt(samples, start);
      const cpuEnd = cpuAt(samples, end);
      const requests = group.reduce((sum, sample) => sum + sample.requests, 0);
      if (cpuStart === undefined || cpuEnd === undefined || requests === 0) continue;
      windows.push({ cpuNanos: Math.max(0, cpuEnd - cpuStart), requests });
    }
  }
  if (windows.length >= 2) return windows;
  return [{ cpuNanos: service.cpuSeconds * 1e9, requests: load.requests.total }];
}
