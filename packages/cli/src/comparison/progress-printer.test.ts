import { PassThrough } from 'node:stream';
import type { TrialResult } from '@peakgate/core';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { drawnLines, screenLines } from '../../../../test/terminal-screen.js';
import type { Output } from '../output.js';
import { visibleWidth } from '../terminal-width.js';
import { progressDisplay } from './progress-printer.js';

/** A terminal-shaped stream that keeps what was drawn (cli-progress asks isTTY and columns). */
function fakeTerminal(columns = 120): { stream: NodeJS.WritableStream; drawn: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, drawn: () => Buffer.concat(chunks).toString('utf8') };
}

const silent: Output = { result: () => undefined, info: () => undefined, error: () => undefined };

describe('live progress bars', () => {
  it('draws a bar full once as its trial ends, even when the last second was never drawn', () => {
    const terminal = fakeTerminal();
    const display = progressDisplay(silent, {
      mode: 'live',
      warmupSeconds: 1,
      measuredSeconds: 3,
      colors: pc.createColors(false),
      stream: terminal.stream,
    });
    try {
      const base = { runId: 'r', role: 'candidate' as const, round: 1 };
      display.onProgress({ type: 'trial-started', ...base, order: 0 });
      // The 3rd of 4 seconds arrives and the trial ends before the next timed redraw.
      display.onProgress({
        type: 'sample',
        ...base,
        sample: { second: 1, phase: 'hold', requests: 80, errors: 0, p50Ms: 1, p99Ms: 4, histogram: '' },
      });
      display.onProgress({ type: 'trial-started', ...base, round: 2, order: 1 });
      expect(terminal.drawn()).toMatch(/candidate done +█+ {2}4\/4s/);
    } finally {
      display.stop();
    }
  });

  it('shows a hostile phase name and exit message with visible escapes, never raw', () => {
    const terminal = fakeTerminal();
    const display = progressDisplay(silent, {
      mode: 'live',
      warmupSeconds: 0,
      measuredSeconds: 2,
      colors: pc.createColors(false),
      stream: terminal.stream,
    });
    try {
      const base = { runId: 'r', role: 'candidate' as const, round: 1 };
      display.onProgress({ type: 'trial-started', ...base, order: 0 });
      const phase = 'p\u001b]0;FORGED\u0007\n::error::x';
      display.onProgress({
        type: 'sample',
        ...base,
        sample: { second: 0, phase, requests: 1, errors: 0, p50Ms: 1, p99Ms: 1, histogram: '' },
      });
      // Only the fields the printer reads: a trial that never sent load, ended by a hostile message.
      const trial = {
        role: 'candidate',
        round: 1,
        load: null,
        exit: { ready: false, crashed: false, oomKilled: false, message: 'gone\r\n::add-mask::x \u001b]0;T\u0007' },
      } as unknown as TrialResult;
      display.onProgress({ type: 'trial-finished', runId: 'r', trial });
      const drawn = terminal.drawn();
      expect(drawn).not.toContain('\u001b]0;');
      expect(drawn).not.toContain('\u0007');
      // The phase is cut to its column, after escaping: what shows is escaped text.
      expect(drawn).toContain('p\\x1b]0;FORGED');
      expect(drawn).toContain('gone\\r\\n::add-mask::x \\x1b]0;T\\a');
      for (const line of drawn.split('\n')) expect(line.trimStart().startsWith('::')).toBe(false);
    } finally {
      display.stop();
    }
  });
});

describe('live progress: order, rounds, budget, width', () => {
  const sample = (role: 'baseline' | 'candidate', round: number, second: number) =>
    ({
      type: 'sample',
      runId: 'r',
      role,
      round,
      sample: {
        second,
        phase: 'a-phase-name-longer-than-its-column',
        requests: 812,
        errors: 3,
        p50Ms: 1,
        p99Ms: 1234.5,
        histogram: '',
      },
    }) as const;

  it.each([80, 120])('keeps baseline above candidate when the candidate starts first, within %i columns', (columns) => {
    const terminal = fakeTerminal(columns);
    let clock = 0;
    const display = progressDisplay(silent, {
      mode: 'live',
      warmupSeconds: 5,
      measuredSeconds: 115,
      colors: pc.createColors(true),
      stream: terminal.stream,
      now: () => clock,
    });
    try {
      display.onProgress({
        type: 'comparison-started',
        runId: 'r',
        scenario: 's',
        driver: 'process',
        plannedRounds: 3,
        maxRounds: 10,
        budgetMs: 600_000,
      });
      // Round 2 runs B A: the candidate starts first.
      display.onProgress({ type: 'trial-started', runId: 'r', role: 'candidate', round: 2, order: 2 });
      clock = 200_000;
      display.onProgress(sample('candidate', 2, 40));
      display.onProgress({ type: 'trial-started', runId: 'r', role: 'baseline', round: 2, order: 3 });
      display.onProgress(sample('baseline', 2, 10));
      // A line logged above the bars writes over them: every bar must be drawn again under it.
      display.onProgress({
        type: 'service-ready',
        runId: 'r',
        role: 'baseline',
        round: 2,
        readyMs: 200,
        url: 'http://127.0.0.1:1',
      });
      const drawn = terminal.drawn();
      const lines = screenLines(drawn);
      const last = (word: string): number => lines.findLastIndex((line) => line.startsWith(word));
      expect(last('baseline')).toBeGreaterThan(-1);
      expect(last('candidate')).toBe(last('baseline') + 1);
      expect(lines[last('baseline') - 1]).toBe('round 2 of 3–10 · 6m40s left of the 10m budget');
      expect(lines[last('baseline') - 2]).toBe('round 2: baseline ready in 200 ms at http://127.0.0.1:1');
      for (const line of drawnLines(drawn)) expect(visibleWidth(line), line).toBeLessThanOrEqual(columns);
      // p99 and its errors are whole on the line, not cut by the terminal's edge.
      expect(lines[last('candidate')]).toMatch(/p99 1234\.50 ms 3 err$/);
    } finally {
      display.stop();
    }
  });

  it('names the metrics that earn another round, with the round and time left', () => {
    const said: string[] = [];
    const output: Output = { result: () => undefined, info: (line) => said.push(line), error: () => undefined };
    let clock = 0;
    const display = progressDisplay(output, {
      mode: 'lines',
      warmupSeconds: 1,
      measuredSeconds: 3,
      colors: pc.createColors(false),
      now: () => clock,
    });
    display.onProgress({
      type: 'comparison-started',
      runId: 'r',
      scenario: 's',
      driver: 'process',
      plannedRounds: 3,
      maxRounds: 10,
      budgetMs: 600_000,
    });
    display.onProgress({ type: 'trial-started', runId: 'r', role: 'baseline', round: 1, order: 0 });
    clock = 330_000;
    display.onProgress({
      type: 'round-finished',
      runId: 'r',
      round: 3,
      needsMoreRounds: true,
      undecided: ['p99 latency (peak)', 'CPU per request'],
    });
    expect(said).toEqual([
      'peakgate: comparing on the process driver, 3 rounds planned, at most 10 within 10m (run r)',
      'round 1: baseline starting',
      'round 3: p99 latency (peak), CPU per request are not decided yet; running another round (round 4 of 3–10, 4m30s left of the 10m budget)',
    ]);
  });
});
