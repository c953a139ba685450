import { describe, expect, it } from 'vitest';
import { formatScenarioDuration, observedSteps, scaleSteps, speedForPeak } from './rate-steps.js';

describe('rate steps', () => {
  const perSecond = new Map<number, number>();
  for (let s = 0; s < 30; s++) perSecond.set(100 + s, s < 10 ? 60 : s < 20 ? 100 : 80);

  it('cuts the window into equal steps and merges equal neighbours after scaling', () => {
    const observed = observedSteps(perSecond, 100, 129, 20);
    expect(observed).toHaveLength(15);
    const steps = scaleSteps(observed, 3);
    expect(steps.map((step) => [step.rate, step.arrivals])).toEqual([
      [180, 600],
      [300, 1000],
      [240, 800],
    ]);
    for (const step of steps) expect(step.durationMs).toBeCloseTo(10_000 / 3, 6);
  });

  it('counts quiet seconds and gives them the lowest rate', () => {
    const sparse = new Map([
      [0, 10],
      [9, 10],
    ]);
    const steps = scaleSteps(observedSteps(sparse, 0, 9, 10), 1);
    expect(steps.map((step) => step.rate)).toEqual([10, 0.01, 10]);
    expect(steps.reduce((sum, step) => sum + step.durationMs, 0)).toBe(10_000);
  });

  it('finds the speed for a peak rate', () => {
    expect(speedForPeak(observedSteps(perSecond, 100, 129, 20), 500)).toBe(5);
  });

  it('writes durations the scenario reads', () => {
    expect(formatScenarioDuration(10_000)).toBe('10s');
    expect(formatScenarioDuration(10_000 / 3)).toBe('3333.333ms');
  });
});
