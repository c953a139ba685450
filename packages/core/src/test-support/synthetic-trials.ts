/**
 * Synthetic TrialResults with known effects, built from a seed, for the judge's and the report's
 * tests (which import this file directly). A test fixture, not public API: `@peakgate/core` does
 * not export it and tsconfig keeps src/test-support out of dist. Latency is lognormal with an optional slow tail; CPU samples are cumulative like
 * the runtime's.
 */
import * as hdr from 'hdr-histogram-js';
import {
  encodeHistogram,
  type Histogram,
  LATENCY_HISTOGRAM,
  recordLatencyMs,
  summarizeLatency,
} from '../histograms.js';
import type { ErrorCounts, LoadResult, PhaseResult, SecondSample } from '../load-result.js';
import type { Role } from '../scenario/model.js';
import { createSeededRandom, type RandomSource, randomNormal } from '../statistics/seeded-random.js';
import { cpuPerRequestMs, type ResourceSample, type ServiceExit, type TrialResult } from '../trial.js';

export interface SyntheticPhase {
  name: string;
  model: 'open' | 'closed';
  seconds: number;
  /** Requests per second (closed model: before `throughputFactor`). */
  rate: number;
}

export interface SyntheticTrialOptions {
  role: Role;
  round: number;
  order?: number;
  seed: number;
  phases?: SyntheticPhase[];
  /** Median latency in ms (lognormal). */
  latencyMedianMs?: number;
  /** Lognormal sigma of latency. Default 0.3. */
  latencySigma?: number;
  /** Share of requests that are slow, and how much slower. */
  slowFraction?: number;
  slowFactor?: number;
  cpuPerRequestMs?: number;
  memoryPeakBytes?: number;
  errorRate?: number;
  /** Closed phases: achieved rate multiplier. Default 1. */
  throughputFactor?: number;
  /** Per-trial multiplicative noise (sigma) on latency, CPU and throughput. Default 0.02. */
  trialNoise?: number;
  /** Per-second multiplicative noise (sigma) on CPU time. Default 0.05. */
  cpuSecondNoise?: number;
  /**
   * CPU per request of each second of the run (0-based) multiplied by this: a service still warming
   * up while measured (its JIT) is above 1 early and falls to 1. Default 1 throughout.
   */
  cpuFactorAt?: (second: number) => number;
  /** Second from which every request fails (a service dying mid-run). */
  failFromSecond?: number;
  exit?: Partial<ServiceExit>;
  /** False: the service never became ready (load and service are null). */
  ready?: boolean;
  /**
   * Named kinds of request: each request is of a kind with probability `share` (shares sum to 1),
   * its latency multiplied by `latencyFactor`. Fills the per-name figures (`byName`) like the engine.
   */
  kinds?: Array<{ name: string; share: number; latencyFactor?: number }>;
}

interface KindAccumulator {
  name: string;
  phase: Histogram;
  second: Histogram;
  secondRequests: number;
  phaseRequests: number;
  run: Histogram;
  runRequests: number;
}

/** Same layout as createLatencyHistogram, with 32-bit counters: recording is faster than packed, the encoding identical. */
const createLatencyHistogram = (): Histogram =>
  hdr.build({ ...LATENCY_HISTOGRAM, bitBucketSize: 32, autoResize: true, useWebAssembly: false });

const emptyErrors = (): ErrorCounts => ({ status: 0, timeout: 0, refused: 0, reset: 0, other: 0, dropped: 0 });

export function buildSyntheticTrial(options: SyntheticTrialOptions): TrialResult {
  const random: RandomSource = createSeededRandom(options.seed);
  const exit: ServiceExit = {
    ready: options.ready ?? true,
    crashed: false,
    oomKilled: false,
    exitCode: null,
    logTail: ['listening on 127.0.0.1'],
    ...options.exit,
  };
  const base = { role: options.role, round: options.round, order: options.order ?? 0 };
  if (options.ready === false) return { ...base, load: null, service: null, exit };

  const phases = options.phases ?? [{ name: 'peak', model: 'open', seconds: 20, rate: 500 }];
  const noise = options.trialNoise ?? 0.02;
  const trialFactor = Math.exp(noise * randomNormal(random));
  const median = (options.latencyMedianMs ?? 2) * trialFactor;
  const sigma = options.latencySigma ?? 0.3;
  const cpuMs = (options.cpuPerRequestMs ?? 0.2) * Math.exp(noise * randomNormal(random));
  const errorRate = options.errorRate ?? 0;

  const series: SecondSample[] = [];
  const phaseResults: PhaseResult[] = [];
  const overall: Histogram = createLatencyHistogram();
  // Memory climbs to its peak at the end of the run, with 1% trial-to-trial noise.
  const memoryPeak = (options.memoryPeakBytes ?? 100e6) * Math.exp(0.01 * randomNormal(random));
  const totalSeconds = phases.reduce((sum, phase) => sum + phase.seconds, 0);
  const memoryAt = (elapsed: number): number => memoryPeak * (0.9 + (0.1 * elapsed) / totalSeconds);
  const samples: ResourceSample[] = [{ atMs: 0, cpuNanos: 0, memoryBytes: memoryAt(0) }];
  let cpuNanos = 0;
  let second = 0;
  const kinds: KindAccumulator[] = (options.kinds ?? []).map((kind) => ({
    name: kind.name,
    phase: createLatencyHistogram(),
    second: createLatencyHistogram(),
    secondRequests: 0,
    phaseRequests: 0,
    run: createLatencyHistogram(),
    runRequests: 0,
  }));
  const pickKind = (): number => {
    let x = random();
    const specs = options.kinds ?? [];
    for (let k = 0; k < specs.length; k++) {
      x -= (specs[k] as { share: number }).share;
      if (x < 0) return k;
    }
    return specs.length - 1;
  };
  const kindResult = (histogram: Histogram, requests: number) => ({
    requests: { total: requests, ok: requests, errors: 0 },
    errors: emptyErrors(),
    latency: summarizeLatency(histogram),
    histogram: encodeHistogram(histogram),
  });
  for (const phase of phases) {
    const phaseHistogram = createLatencyHistogram();
    let total = 0;
    let errors = 0;
    for (let s = 0; s < phase.seconds; s++, second++) {
      const perSecond = createLatencyHistogram();
      const rate = phase.model === 'closed' ? phase.rate * (options.throughputFactor ?? 1) * trialFactor : phase.rate;
      const requests = Math.max(1, Math.round(rate * (1 + 0.01 * randomNormal(random))));
      let secondErrors = 0;
      for (let r = 0; r < requests; r++) {
        const slow = options.slowFraction !== undefined && random() < options.slowFraction;
        let latency = median * Math.exp(sigma * randomNormal(random)) * (slow ? (options.slowFactor ?? 5) : 1);
        if (kinds.length > 0) {
          const k = pickKind();
          const kind = kinds[k] as KindAccumulator;
          latency *= options.kinds?.[k]?.latencyFactor ?? 1;
          recordLatencyMs(kind.second, latency);
          kind.secondRequests++;
        }
        recordLatencyMs(perSecond, latency);
        const failed =
          random() < errorRate || (options.failFromSecond !== undefined && second >= options.failFromSecond);
        if (failed) secondErrors++;
      }
      // The two percentiles a second holds, as summarizeLatency rounds them: its mean walks every
      // recorded value, and this runs for every second of thousands of simulated trials (it was
      // half the time of the sequential simulations).
      const secondMs = (level: number): number => Math.round(perSecond.getValueAtPercentile(level)) / 1000;
      series.push({
        second,
        phase: phase.name,
        requests,
        errors: secondErrors,
        p50Ms: secondMs(50),
        p99Ms: secondMs(99),
        histogram: encodeHistogram(perSecond),
        ...(kinds.length > 1
          ? {
              byName: Object.fromEntries(
                kinds.map((kind) => [
                  kind.name,
                  { requests: kind.secondRequests, errors: 0, histogram: encodeHistogram(kind.second) },
                ]),
              ),
            }
          : {}),
      });
      for (const kind of kinds) {
        kind.phase.add(kind.second);
        kind.phaseRequests += kind.secondRequests;
        kind.second.reset();
        kind.secondRequests = 0;
      }
      phaseHistogram.add(perSecond);
      perSecond.destroy();
      total += requests;
      errors += secondErrors;
      cpuNanos +=
        requests *
        cpuMs *
        1e6 *
        (options.cpuFactorAt?.(second) ?? 1) *
        Math.exp((options.cpuSecondNoise ?? 0.05) * randomNormal(random));
      samples.push({
        atMs: (second + 1) * 1000,
        cpuNanos,
        memoryBytes: memoryAt(second + 1),
      });
    }
    overall.add(phaseHistogram);
    phaseResults.push({
      name: phase.name,
      model: phase.model,
      durationMs: phase.seconds * 1000,
      requests: { total, ok: total - errors, errors },
      errors: { ...emptyErrors(), status: errors },
      statuses: { '200': total - errors, ...(errors > 0 ? { '500': errors } : {}) },
      rate: { asked: phase.model === 'open' ? phase.rate : null, achieved: total / phase.seconds },
      latency: summarizeLatency(phaseHistogram),
      histogram: encodeHistogram(phaseHistogram),
      ...(kinds.length > 0
        ? { byName: Object.fromEntries(kinds.map((kind) => [kind.name, kindResult(kind.phase, kind.phaseRequests)])) }
        : {}),
    });
    for (const kind of kinds) {
      kind.run.add(kind.phase);
      kind.runRequests += kind.phaseRequests;
      kind.phase.reset();
      kind.phaseRequests = 0;
    }
    phaseHistogram.destroy();
  }
  const total = phaseResults.reduce((sum, p) => sum + p.requests.total, 0);
  const errors = phaseResults.reduce((sum, p) => sum + p.requests.errors, 0);
  const durationMs = second * 1000;
  const load: LoadResult = {
    target: 'http://127.0.0.1:8080',
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, options.order ?? 0)).toISOString(),
    durationMs,
    latencyOrigin: phases.every((p) => p.model === 'open')
      ? 'intended-start'
      : phases.every((p) => p.model === 'closed')
        ? 'actual-send'
        : 'mixed',
    interrupted: false,
    workers: 1,
    requests: { total, ok: total - errors, errors },
    errors: { ...emptyErrors(), status: errors },
    statuses: { '200': total - errors, ...(errors > 0 ? { '500': errors } : {}) },
    rate: { asked: null, achieved: total / Math.max(1, second) },
    latency: summarizeLatency(overall),
    histogram: encodeHistogram(overall),
    phases: phaseResults,
    series,
    ...(kinds.length > 0
      ? { byName: Object.fromEntries(kinds.map((kind) => [kind.name, kindResult(kind.run, kind.runRequests)])) }
      : {}),
  };
  overall.destroy();
  for (const kind of kinds) {
    kind.phase.destroy();
    kind.second.destroy();
    kind.run.destroy();
  }
  const memoryPeakBytes = Math.max(...samples.map((sample) => sample.memoryBytes));
  return {
    ...base,
    load,
    service: {
      cpuSeconds: cpuNanos / 1e9,
      cpuPerRequestMs: cpuPerRequestMs(cpuNanos / 1e9, total),
      memoryPeakBytes,
      readyMs: 300,
      samples,
    },
    exit,
  };
}

/** Rounds of interleaved trials (A B, B A, …) for two sides described by option overrides. */
export function buildSyntheticComparison(
  rounds: number,
  seed: number,
  baseline: Omit<SyntheticTrialOptions, 'role' | 'round' | 'seed'>,
  candidate: Omit<SyntheticTrialOptions, 'role' | 'round' | 'seed'>,
): TrialResult[] {
  const trials: TrialResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    const roles: Role[] = round % 2 === 1 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
    for (const role of roles) {
      const sideOptions = role === 'baseline' ? baseline : candidate;
      trials.push(
        buildSyntheticTrial({
          ...sideOptions,
          role,
          round,
          order: trials.length,
          seed: seed * 1000 + round * 10 + (role === 'baseline' ? 1 : 2),
        }),
      );
    }
  }
  return trials;
}
