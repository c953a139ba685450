import type { Judgement, OutrightFinding } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { renderVerdict } from './verdict-table.js';

const crash: OutrightFinding = {
  kind: 'crashed',
  role: 'baseline',
  round: 1,
  exitCode: 139,
  logTail: ['Segmentation fault'],
};

function judgement(overrides: Partial<Judgement>): Judgement {
  return {
    verdict: 'fail',
    reasons: [],
    reasonFindings: [],
    warnings: [],
    metrics: [],
    findings: [],
    needsMoreRounds: false,
    sequential: { lookConfidence: 0.95, state: 'fail', undecided: [] },
    rounds: 1,
    confidence: 0.95,
    ...overrides,
  };
}

describe('renderVerdict', () => {
  it('states a broken baseline once, above the candidate reasons', () => {
    const cause =
      'the baseline is broken, so the candidate cannot be judged: baseline crashed (exit 139) in round 1: Segmentation fault';
    const text = renderVerdict(
      judgement({
        reasonFindings: [
          { kind: 'baseline-broken', findings: [crash] },
          { kind: 'no-data', role: 'candidate', logTail: [] },
        ],
        infrastructureError: cause,
      }),
      { driver: 'process', rounds: 1, color: false },
    );
    expect(text.split(cause)).toHaveLength(2);
    expect(text).toContain(
      `ERROR: the sandbox could not judge the candidate\n  1 round(s), driver process\n  ${cause}\n  - candidate completed no requests in any trial\n`,
    );
  });
});
