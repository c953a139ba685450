import { describe, expect, it } from 'vitest';
import { roundOrder } from './trial-order.js';

describe('roundOrder', () => {
  it('alternates A B, B A so each pair of rounds is balanced', () => {
    const order = [1, 2, 3, 4].flatMap((round) => roundOrder(round));
    expect(order).toEqual([
      'baseline',
      'candidate',
      'candidate',
      'baseline',
      'baseline',
      'candidate',
      'candidate',
      'baseline',
    ]);
  });
});
