import { describe, expect, it } from 'vitest';
import { stopReason } from './sequential-rounds.js';

describe('stopReason (when the sequential comparison runs no further round)', () => {
  const time = { elapsedMs: 40_000, meanRoundMs: 10_000 };

  it('stops on an outright failure before anything else, and once the judge has decided', () => {
    expect(stopReason(true, true, 3, 10, time)).toBe('outright');
    expect(stopReason(false, false, 3, 10, time)).toBe('decided');
  });

  it('runs another round while undecided, until max_rounds', () => {
    expect(stopReason(true, false, 3, 10, time)).toBeUndefined();
    expect(stopReason(true, false, 10, 10, time)).toBe('max-rounds');
  });

  it('stops when another round of the mean length so far would end past the budget', () => {
    expect(stopReason(true, false, 4, 10, { ...time, budgetMs: 50_000 })).toBeUndefined();
    expect(stopReason(true, false, 4, 10, { ...time, budgetMs: 49_999 })).toBe('budget');
    // A decided look is reported as decided even past the budget.
    expect(stopReason(false, false, 4, 10, { ...time, budgetMs: 1_000 })).toBe('decided');
  });
});
