/**
 * A warning when the service was still warming up while it was measured: CPU per request that
 * falls from the start to the end of a steady phase on both sides. Each round starts a fresh
 * service, so a warm-up too short for its JIT (and caches) leaves each process part-way down its own
 * warm-up curve when measuring starts, and the rounds' candidate ÷ baseline CPU ratios spread with
 * where each one landed (docs/judge.md, warm-up). It changes no verdict: it says why the CPU
 * interval is wider than the service's steady-state noise, and how to fix the scenario.
 */
import type { SecondSample } from '../load-result.js';
import type { TrialResult } from '../trial.js';
import { type JudgeContext, phasesInBoth } from './judge-context.js';
import { cpuAt } from './trial-windows.js';

/**
 * The first second of a phase is left out: it carries the switch from the load before it (requests
 * in flight, garbage of a faster warm-up). On the sample balancer warmed at 4x the measured rate it
 * was up to 70% above the rest, back within the second; counted, it flagged that well warmed
 * service (first to last third: 26-27% in one run). A JIT still warming up shows as a fall that
 * goes on after it.
 */
const SETTLE_MS = 1000;

/** The first and the last third of the rest are compared: long enough to span a resource sample each. */
const PART = 1 / 3;

/**
 * The fall of CPU per request from the first to the last third (after the first second), on both
 * sides, above which the warning is given. Measured on the sample balancer, A/A, 6 rounds of 5 s at
 * 400 req/s, pooled per side: warmed 2 s at 400 req/s, falls of 24-29% (3 runs); warmed 2 s at
 * 1600 req/s, 3.5-16.5% (4 runs, the highest at load average 8); warmed 12 s, about 0%. 20% sits
 * between the first two.
 */
export const WARM_UP_FALL = 0.2;

/**
 * Thirds whose request counts differ by more than this are not compared: in a ramp CPU per request
 * changes with the rate (fixed costs spread over more requests), not only with the warm-up.
 */
const RATE_TOLERANCE = 0.2;

/** Shortest span checked after the first second: resource samples come about once a second, so a third must span one. */
const MIN_CHECKED_MS = 3000;

interface Thirds {
  firstCpuNanos: number;
  firstRequests: number;
  lastCpuNanos: number;
  lastRequests: number;
}

/** Requests between fromMs and toMs, each second's requests spread evenly over its part of the phase. */
function requestsBetween(series: readonly SecondSample[], endMs: number, fromMs: number, toMs: number): number {
  let requests = 0;
  for (const sample of series) {
    const start = sample.second * 1000;
    const end = Math.min(start + 1000, endMs);
    const overlap = Math.min(end, toMs) - Math.max(start, fromMs);
    if (end > start && overlap > 0) requests += (sample.requests * overlap) / (end - start);
  }
  return requests;
}

/** CPU and requests of one trial's phase in the first and last third after its first second; undefined when not measurable. */
function trialThirds(trial: TrialResult, phase: string): Thirds | undefined {
  const result = trial.load?.phases.find((item) => item.name === phase);
  const series = (trial.load?.series ?? []).filter((sample) => sample.phase === phase);
  const samples = [...(trial.service?.samples ?? [])].sort((a, b) => a.atMs - b.atMs);
  if (!result || series.length === 0 || samples.length < 2) return undefined;
  const seconds = series.map((sample) => sample.second);
  const phaseStartMs = Math.min(...seconds) * 1000;
  const endMs = Math.min((Math.max(...seconds) + 1) * 1000, phaseStartMs + result.durationMs);
  const startMs = phaseStartMs + SETTLE_MS;
  if (endMs - startMs < MIN_CHECKED_MS) return undefined;
  const part = (endMs - startMs) * PART;
  const cpu = (from: number, to: number): number | undefined => {
    const start = cpuAt(samples, from);
    const end = cpuAt(samples, to);
    return start === undefined || end === undefined ? undefined : Math.max(0, end - start);
  };
  const firstCpuNanos = cpu(startMs, startMs + part);
  const lastCpuNanos = cpu(endMs - part, endMs);
  if (firstCpuNanos === undefined || lastCpuNanos === undefined) return undefined;
  return {
    firstCpuNanos,
    firstRequests: requestsBetween(series, endMs, startMs, startMs + part),
    lastCpuNanos,
    lastRequests: requestsBetween(series, endMs, endMs - part, endMs),
  };
}

/**
 * One side's fall of CPU per request from the first to the last third of a phase, pooled over its
 * trials (Σ CPU ÷ Σ requests in each third); undefined when it cannot be measured or the rate changed.
 */
function sideFall(trials: readonly TrialResult[], phase: string): number | undefined {
  const sums: Thirds = { firstCpuNanos: 0, firstRequests: 0, lastCpuNanos: 0, lastRequests: 0 };
  for (const trial of trials) {
    const thirds = trialThirds(trial, phase);
    if (!thirds) continue;
    sums.firstCpuNanos += thirds.firstCpuNanos;
    sums.firstRequests += thirds.firstRequests;
    sums.lastCpuNanos += thirds.lastCpuNanos;
    sums.lastRequests += thirds.lastRequests;
  }
  if (sums.firstRequests <= 0 || sums.lastRequests <= 0 || sums.firstCpuNanos <= 0) return undefined;
  if (Math.abs(sums.lastRequests / sums.firstRequests - 1) > RATE_TOLERANCE) return undefined;
  const first = sums.firstCpuNanos / sums.firstRequests;
  const last = sums.lastCpuNanos / sums.lastRequests;
  return 1 - last / first;
}

const percent = (fall: number): string => `${(fall * 100).toFixed(0)}%`;

/** Adds a warning for each measured phase in which both sides' CPU per request fell by more than WARM_UP_FALL. */
export function warnIfStillWarmingUp(context: JudgeContext): void {
  for (const phase of phasesInBoth(context)) {
    const baseline = sideFall(context.baseline, phase);
    const candidate = sideFall(context.candidate, phase);
    if (baseline === undefined || candidate === undefined) continue;
    if (baseline <= WARM_UP_FALL || candidate <= WARM_UP_FALL) continue;
    context.warnings.push(
      `CPU per request fell during phase ${phase} on both sides (first to last third after its first second: baseline -${percent(baseline)}, candidate -${percent(candidate)}): the service was still warming up while measured, so the CPU comparison carries each round's warm-up; lengthen the warm-up or raise its rate: \`load.warmup\``,
    );
  }
}
