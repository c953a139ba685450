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
      { driver: 'process', rounds: 1, color: false, width: 200 },
    );
    expect(text.split(cause)).toHaveLength(2);
    expect(text).toContain(
      `ERROR: the sandbox could not judge the candidate\n  1 round, driver process\n  ${cause}\n  - candidate completed no requests in any trial\n`,
    );
  });
});

describe('a build that dies at start', () => {
  it('shows the line that says why, not only the runtime epilogue, and the full log path', () => {
    const tail = [
      "Error: Cannot find module 'nope-missing'",
      'Require stack:',
      ...Array.from({ length: 8 }, (_, i) => `    at frame${i} (node:internal/x:${i}:1)`),
      "  requireStack: [ '/tmp/x/[eval]' ]",
      '}',
      '',
      'Node.js v20.20.2',
    ];
    const text = renderVerdict(
      judgement({
        // The judge keeps the last 10 lines; the trial has them all.
        reasonFindings: [
          {
            kind: 'not-ready',
            role: 'candidate',
            round: 1,
            logTail: tail.slice(-10),
            detail: 'exited before it was ready',
          },
        ],
      }),
      {
        driver: 'process',
        rounds: 1,
        color: false,
        width: 80,
        trialLog: (role, round) =>
          role === 'candidate' && round === 1 ? { path: './.peakgate/runs/t/candidate-1.log', tail } : undefined,
      },
    );
    expect(text.replace(/\n {4}/g, ' ')).toContain(
      "candidate never became ready in round 1 (exited before it was ready): Error: Cannot find module 'nope-missing'",
    );
    expect(text).toContain('    full log: ./.peakgate/runs/t/candidate-1.log\n');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});
