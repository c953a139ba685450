import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { escapeControls, neutraliseCiCommands, oneLine, terminalText } from './terminal-text.js';

const colours = pc.createColors(true);
const off = { keepColors: false };
const on = { keepColors: true };

describe('escapeControls', () => {
  it('shows an OSC title, CR, backspace, BEL and C1/bidi characters as visible escapes', () => {
    const text = 'a\u001b]0;pwned\u0007b\rc\bd\u009b31m\u202eright';
    const safe = escapeControls(text, on);
    expect(safe).toBe('a\\x1b]0;pwned\\ab\\rc\\bd\\u009b31m\\u202eright');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
    expect(safe).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/u);
  });

  it("keeps peakgate's colours when colour is on, escapes every ESC when it is off", () => {
    const line = `${colours.red('FAIL')} ${colours.bold('x')}`;
    expect(escapeControls(line, on)).toBe(line);
    expect(escapeControls(line, off)).not.toContain('\u001b');
    expect(escapeControls(line, off)).toContain('\\x1b[31mFAIL');
  });

  it('escapes non-colour CSI sequences even with colour on (cursor moves, erase, GitLab section markers)', () => {
    for (const sequence of [
      '\u001b[2J',
      '\u001b[1A',
      '\u001b[0Ksection_start:1:x\r\u001b[0K',
      '\u001b]8;;http://e\u0007',
    ]) {
      expect(escapeControls(sequence, on)).not.toContain('\u001b');
    }
  });

  it("escapes a build's SGR that could hide text or is not one of the 16 colours, even with colour on", () => {
    for (const sequence of ['\u001b[8m', '\u001b[0;8m', '\u001b[38;5;196m', '\u001b[38;2;0;0;0m', '\u001b[1;;8m']) {
      expect(escapeControls(`${sequence}hidden`, on)).toBe(`\\x1b${sequence.slice(1)}hidden`);
    }
    expect(escapeControls('\u001b[1;32mPASS\u001b[0m', on)).toBe('\u001b[1;32mPASS\u001b[0m');
  });

  it('leaves tabs, line feeds and ordinary Unicode alone', () => {
    expect(escapeControls('a\tb\nc µs → ✓', off)).toBe('a\tb\nc µs → ✓');
  });
});

describe('neutraliseCiCommands', () => {
  it.each([
    '::error title=forged::FORGED',
    '  ::add-mask::secret',
    '\t::set-output name=verdict::pass',
    '::stop-commands::token',
    '\u00a0::warning::x',
  ])('keeps %j from starting a line with ::', (line) => {
    const safe = neutraliseCiCommands(`ours\n${line}\nmore`);
    for (const out of safe.split('\n')) expect(out.trimStart().startsWith('::')).toBe(false);
    expect(safe).toContain(line.trimStart().slice(2));
  });

  it('looks past colour sequences at the start of a line', () => {
    const safe = neutraliseCiCommands(`${colours.dim('::error::x')}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
    expect(safe.replace(/\u001b\[[0-9;]*m/g, '').startsWith('\\::error')).toBe(true);
  });

  it("breaks Azure Pipelines' ##vso[command] anywhere in a line (issue 23 red team)", () => {
    expect(neutraliseCiCommands('log ##vso[task.setvariable variable=PATH]/tmp/evil')).toBe(
      'log #\\u0023vso[task.setvariable variable=PATH]/tmp/evil',
    );
    expect(neutraliseCiCommands('##vso[task.prependpath]/tmp/evil')).not.toContain('##vso[');
    // TeamCity's service messages have the same shape.
    expect(neutraliseCiCommands("##teamcity[setParameter name='env.PATH' value='/tmp/evil']")).not.toContain(
      '##teamcity[',
    );
    expect(neutraliseCiCommands('## heading, #### [x]')).toBe('## heading, #### [x]');
  });

  it('breaks the older ##[command] form anywhere in a line, and leaves :: inside a line alone', () => {
    expect(neutraliseCiCommands('log ##[error]x')).toBe('log #\\u0023[error]x');
    expect(neutraliseCiCommands('listening on [::1]:80 a::b')).toBe('listening on [::1]:80 a::b');
  });
});

describe('a --json document through the terminal boundary (issue 23 red team)', () => {
  it('stays valid JSON that reads back as the original text: DEL, C1, bidi, U+2028, ##[ and ##vso[', () => {
    const value = { name: 'x\u0085y\u009b31m\u007f\u202e\u2028 ##[error]a ##vso[task.setvariable]b' };
    const printed = terminalText(JSON.stringify(value, null, 2), off);
    expect(JSON.parse(printed)).toEqual(value);
    expect(printed).not.toMatch(/[\u007f-\u009f\u202e\u2028]|##\[|##vso\[/u);
  });
});

describe('terminalText and oneLine', () => {
  it('an untrusted value with CR/LF, OSC and a workflow command stays inside our one line', () => {
    const name = 'x\r\n::error title=forged::y\u001b]0;t\u0007';
    const printed = terminalText(`scenario "${oneLine(name)}" is valid\n`, off);
    expect(printed.split('\n')).toEqual(['scenario "x\\r\\n::error title=forged::y\\x1b]0;t\\a" is valid', '']);
  });
});
