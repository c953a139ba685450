/**
 * The observed arrival-rate curve as rate steps (open-model phases). The window is cut into at most
 * `maxSteps` equal steps of whole seconds; each step's rate is its arrivals ÷ its length. Replayed
 * `speed` times faster, a step lasts length ÷ speed at rate × speed, so the replay sends the same
 * number of requests in the same shape, compressed in time. Neighbouring steps with the same rate are
 * merged.
 */

export interface RateStep {
  /** Length after scaling, ms. */
  durationMs: number;
  /** Arrivals per second after scaling. */
  rate: number;
  /** Arrivals the log holds in this step. */
  arrivals: number;
}

/** Lowest rate written: a phase needs a rate above zero, and a quiet step still lasts its time. */
export const MIN_RATE = 0.01;

/** Rates are written with two decimals. */
export const roundRate = (rate: number): number => Math.max(MIN_RATE, Math.round(rate * 100) / 100);

/**
 * Unscaled rate per step (arrivals per second of the log) for the seconds [firstSecond, lastSecond].
 * Work is bounded by the seconds that saw requests, not by the span: each counted second is put in
 * its step, so a log whose two lines are years apart costs two additions, not one per empty second.
 */
export function observedSteps(
  perSecond: ReadonlyMap<number, number>,
  firstSecond: number,
  lastSecond: number,
  maxSteps = 20,
): Array<{ seconds: number; arrivals: number }> {
  const total = lastSecond - firstSecond + 1;
  const width = Math.max(1, Math.ceil(total / maxSteps));
  const count = Math.ceil(total / width);
  const steps: Array<{ seconds: number; arrivals: number }> = [];
  for (let index = 0; index < count; index++)
    steps.push({ seconds: Math.min(width, lastSecond - (firstSecond + index * width) + 1), arrivals: 0 });
  for (const [second, arrivals] of perSecond) {
    if (second < firstSecond || second > lastSecond) continue;
    const step = steps[Math.floor((second - firstSecond) / width)];
    if (step !== undefined) step.arrivals += arrivals;
  }
  return steps;
}

/** The speed that makes the busiest step run at `peakRate`. */
export function speedForPeak(steps: ReadonlyArray<{ seconds: number; arrivals: number }>, peakRate: number): number {
  const peak = Math.max(...steps.map((step) => step.arrivals / step.seconds));
  return peak > 0 ? peakRate / peak : 1;
}

export function scaleSteps(steps: ReadonlyArray<{ seconds: number; arrivals: number }>, speed: number): RateStep[] {
  const scaled: RateStep[] = [];
  for (const step of steps) {
    const rate = roundRate((step.arrivals / step.seconds) * speed);
    const durationMs = (step.seconds * 1000) / speed;
    const last = scaled.at(-1);
    if (last !== undefined && last.rate === rate) {
      last.durationMs += durationMs;
      last.arrivals += step.arrivals;
    } else scaled.push({ durationMs, rate, arrivals: step.arrivals });
  }
  return scaled;
}

/**
 * `replay --duration`: the steps of one pass repeated back to back until `durationMs` (the last
 * pass cut there, or the first when the recording is longer), neighbouring steps of the same rate
 * merged again (a one-step recording looped is one long step).
 */
export function loopSteps(steps: readonly RateStep[], durationMs: number): RateStep[] {
  const passMs = steps.reduce((sum, step) => sum + step.durationMs, 0);
  if (passMs <= 0 || steps.length === 0) return [...steps];
  // One rate: one step, however many passes (the caller keeps steps × passes within the phase limit).
  const [only] = steps;
  if (steps.length === 1 && only !== undefined)
    return [{ durationMs, rate: only.rate, arrivals: only.arrivals * (durationMs / only.durationMs) }];
  const looped: RateStep[] = [];
  let atMs = 0;
  for (let index = 0; atMs < durationMs - 1e-6; index = (index + 1) % steps.length) {
    const step = steps[index] as RateStep;
    const durationLeft = Math.min(step.durationMs, durationMs - atMs);
    const arrivals = step.arrivals * (durationLeft / step.durationMs);
    atMs += durationLeft;
    const last = looped.at(-1);
    if (last !== undefined && last.rate === step.rate) {
      last.durationMs += durationLeft;
      last.arrivals += arrivals;
    } else looped.push({ durationMs: durationLeft, rate: step.rate, arrivals });
  }
  return looped;
}

/** A duration as the scenario writes it: whole seconds as `12s`, else milliseconds with up to 3 decimals. */
export function formatScenarioDuration(ms: number): string {
  const rounded = Math.round(ms * 1000) / 1000;
  if (rounded % 1000 === 0) return `${rounded / 1000}s`;
  return `${rounded}ms`;
}
