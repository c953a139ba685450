/**
 * The exit codes the help shows come from core's one table: `peakgate --help` lists all of them
 * (exitCodesHelp), and a command whose help says what its own exit codes mean names only codes of
 * that table, so a help line cannot promise a code peakgate never exits with.
 */
import { exitCodes, exitCodesHelp } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { exitCodesHelpText, main } from './main.js';
import type { Output } from './output.js';

async function help(argv: string[]): Promise<string> {
  let stdout = '';
  const output: Output = {
    result: (text) => {
      stdout += text;
    },
    info: () => undefined,
    error: () => undefined,
  };
  expect(await main(argv, output), argv.join(' ')).toBe(0);
  return stdout;
}

/** "Exit codes: 0 done; 1 …; 130 interrupted by Ctrl-C, 143 by SIGTERM." → [0, 1, …, 130, 143]. */
function codesNamed(helpText: string): number[] {
  const section = /Exit codes: ([\s\S]*?)(?:\. (?:See|Run) |\.\s*$)/m.exec(helpText)?.[1];
  if (section === undefined) return [];
  const flat = section.replace(/\s+/g, ' ');
  return [...flat.matchAll(/(?:^|[;,] )(\d+) /g)].map((match) => Number(match[1]));
}

const tableCodes = Object.values(exitCodes).map((row) => row.code);

describe('exit codes in the help', () => {
  it('peakgate --help lists every code of the table, in its order', async () => {
    const text = await help(['--help']);
    expect(text.replace(/\s+/g, ' ')).toContain(`Exit codes: ${exitCodesHelp()}.`);
    expect(codesNamed(text)).toEqual(tableCodes);
    for (const line of exitCodesHelpText().split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('a command that lists its own exit codes names only codes of the table', async () => {
    const top = await help(['--help']);
    const commands = [...top.matchAll(/^ {2}([a-z]+)\b/gm)]
      .map((match) => match[1] as string)
      .filter((name) => name !== 'help');
    expect(commands).toContain('run');
    let checked = 0;
    for (const command of commands) {
      const codes = codesNamed(await help([command, '--help']));
      if (codes.length > 0) checked += 1;
      for (const code of codes) expect(tableCodes, `${command} --help names exit ${code}`).toContain(code);
    }
    // run, replay and init say what their codes mean; if none did, this test would check nothing.
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
