import { PassThrough } from 'node:stream';
import type { TrialResult } from '@peakgate/core';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { Output } from '../output.js';
import { progressDisplay } from './progress-printer.js';

/** A terminal-shaped stream that keeps what was drawn (cli-progress asks isTTY and columns). */
function fakeTerminal(): { stream: NodeJS.WritableStream; drawn: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
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
      expect(terminal.drawn()).toMatch(/candidate round 1 {2}hold +█+ 4\/4s/);
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
      expect(drawn).toContain('p\\x1b]0;FORGED\\a\\n::error::x');
      expect(drawn).toContain('gone\\r\\n::add-mask::x \\x1b]0;T\\a');
      for (const line of drawn.split('\n')) expect(line.trimStart().startsWith('::')).toBe(false);
    } finally {
      display.stop();
    }
  });
});
