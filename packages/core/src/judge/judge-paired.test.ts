import { describe, expect, it } from 'vitest';
import type { CompareSpec } from '../scenario/model.js';
import { createSeededRandom } from '../statistics/seeded-random.js';
import { buildSyntheticTrial } from '../test-support/synthetic-trials.js';
import type { TrialResult } from '../trial.js';
import { judge } from './judge.js';

const spec: CompareSpec = {
  rounds: 3,
  maxRounds: 4,
  limits: { 'cpu.per_request': 0.15 },
  slo: {},
  confidence: 0.95,
  schedule: 'duet',
};

/**
 * Rounds whose speed drifts as on a shared VM: each round's machine factor (0.6..1.6) scales both
 * sides alike, as it does when baseline and candidate run at the same moment (duet rounds).
 */
function driftingRounds(rounds: number, seed: number, candidateCpuFactor: number): TrialResult[] {
  const random = createSeededRandom(seed);
  const trials: TrialResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    const machine = 0.6 + random() * 1.0;
    for (const role of ['baseline', 'candidate'] as const) {
      trials.push(
        buildSyntheticTrial({
          role,
          round,
          order: trials.length,
          seed: seed * 100 + round * 2 + (role === 'baseline' ? 0 : 1),
          cpuPerRequestMs: 0.4 * machine * (role === 'candidate' ? candidateCpuFactor : 1),
          latencyMedianMs: 1 * machine,
          trialNoise: 0.02,
        }),
      );
    }
  }
  return trials;
}

const cpuOf = (trials: TrialResult[]) => judge(trials, spec).metrics.find((m) => m.name === 'cpu.per_request');

describe('judge: rounds paired by time', () => {
  it('separates a 30% CPU regression from machine drift that moves both sides by up to 2.7x', () => {
    const metric = cpuOf(driftingRounds(4, 7, 1.3));
    expect(metric?.method).toBe('paired-bootstrap');
    expect(metric?.status).toBe('fail');
    expect(metric?.interval[0]).toBeGreaterThan(1.15);
    expect(metric?.interval[1]).toBeLessThan(1.5);
  });

  it('the same trials judged without their pairing (rounds not aligned) cannot tell', () => {
    const trials = driftingRounds(4, 7, 1.3).map((trial) =>
      trial.role === 'candidate' ? { ...trial, round: trial.round + 10 } : trial,
    );
    const metric = cpuOf(trials);
    expect(metric?.method).toBe('hierarchical-bootstrap');
    expect(metric?.status).not.toBe('fail');
  });

  it('never fails the same build under drift (A/A, 20 seeds)', () => {
    const verdicts = Array.from({ length: 20 }, (_, seed) => judge(driftingRounds(3, seed + 1, 1), spec).verdict);
    expect(verdicts.filter((v) => v === 'fail')).toEqual([]);
  });
});
