/**
 * The sequential decision, checked by simulation (sequential-simulation.ts): a +10% change caught
 * against a +5% limit, and the control that shows the A/A and at-limit checks of
 * sequential.test.ts can fail (uncorrected looks leak).
 */
import { describe, expect, it } from 'vitest';
import { options, side, simulate, spec } from '../test-support/sequential-simulation.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import { judge } from './judge.js';

describe('sequential decision, simulated (per-round noise 0.03): power and the control', () => {
  it('catches +10% CPU with a +5% limit in at least 95% of comparisons within 10 rounds', () => {
    const regressed = simulate(200, 9001, 1.1, spec(0.05));
    console.info('+10% true, +5% limit:', regressed);
    expect(regressed.fails / 200).toBeGreaterThanOrEqual(0.95);
  }, 300_000);

  it('without the correction, the same looks would fail A/A at the limit more often than α/2', () => {
    // The control that shows the test can fail: ten uncorrected looks at 95% (one look per spec,
    // so the judge applies no correction) stopped at the first fail.
    let fails = 0;
    for (let i = 0; i < 200; i++) {
      const all = buildSyntheticComparison(10, 21001 + i, side(0.2), side(0.2 * 1.05));
      for (let round = 3; round <= 10; round++) {
        const result = judge(
          all.filter((trial) => trial.round <= round),
          spec(0.05, round, round),
          options,
        );
        if (result.verdict === 'fail') {
          fails++;
          break;
        }
      }
    }
    console.info('uncorrected looks, +5% true, +5% limit: fails', fails, 'of 200');
    expect(fails).toBeGreaterThan(10);
  }, 300_000);
});
