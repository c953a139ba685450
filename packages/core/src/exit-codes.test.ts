import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { errorCodes } from './errors.js';
import { type ExitCodeRow, exitCodeForSignal, exitCodes, exitCodesHelp, interruptSignals } from './exit-codes.js';

const rows: [string, ExitCodeRow][] = Object.entries(exitCodes);

// docs/errors.md's first table ("| exit | meaning |"): the rows whose first cell is a number.
const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = [...docs.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((match) => ({
  code: Number(match[1]),
  meaning: match[2] as string,
}));

describe('exit code table', () => {
  it('keeps the contract: these values never change (docs/errors.md, the design)', () => {
    expect(Object.fromEntries(rows.map(([name, row]) => [name, row.code]))).toEqual({
      pass: 0,
      fail: 1,
      usage: 2,
      infrastructure: 3,
      interrupted: 130,
      terminated: 143,
      hangup: 129,
    });
  });

  it('gives each code one row', () => {
    const codes = rows.map(([, row]) => row.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('docs/errors.md lists every code with its meaning word for word', () => {
    for (const [name, row] of rows)
      expect(
        documented.find((line) => line.code === row.code),
        `${name} (${row.code}) in docs/errors.md`,
      ).toEqual({ code: row.code, meaning: row.meaning });
  });

  it('docs/errors.md lists no exit code that is not in the table', () => {
    expect(documented.length).toBeGreaterThan(0);
    for (const line of documented)
      expect(
        rows.map(([, row]) => row.code),
        `exit ${line.code} in docs/errors.md`,
      ).toContain(line.code);
    expect(documented).toHaveLength(rows.length);
  });

  it('an interruption exits 128 + the signal number (the shell convention a CI runner reads)', () => {
    expect([...interruptSignals].sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGTERM']);
    for (const signal of interruptSignals)
      expect(exitCodeForSignal(signal), signal).toBe(128 + constants.signals[signal]);
  });

  it('every error code exits with a code of the table, and never with a verdict code (0 or 1)', () => {
    const allowed = [exitCodes.usage.code, exitCodes.infrastructure.code, exitCodes.interrupted.code];
    for (const [code, { exitCode }] of Object.entries(errorCodes)) expect(allowed, code).toContain(exitCode);
  });

  it('the help line lists every code in table order', () => {
    expect(exitCodesHelp()).toBe(rows.map(([, row]) => `${row.code} ${row.help}`).join(', '));
    expect(exitCodesHelp()).toMatch(/^0 pass, 1 .+, 2 .+, 3 .+, 130 .+, 143 .+, 129 .+$/);
  });
});
