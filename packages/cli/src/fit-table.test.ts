import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { fitTable } from './fit-table.js';
import { terminalColumns, wrapText } from './terminal-width.js';

/** Every line within the width, and each table's lines all as wide as its top border (boxes whole). */
function expectFits(text: string, width: number): void {
  const lines = text.split('\n');
  for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(width);
  let boxWidth = -1;
  for (const line of lines) {
    if (line.startsWith('┌')) boxWidth = stringWidth(line);
    expect(/^[┌│├└]/.test(line), line).toBe(true);
    expect(stringWidth(line), line).toBe(boxWidth);
    expect(/[┐│┤┘]$/.test(line), line).toBe(true);
  }
}

const HEAD = [
  'Request',
  'Phase',
  'Baseline requests',
  'errors',
  'p50',
  'p99',
  'Candidate requests',
  'errors',
  'p50',
  'p99',
];
const ROW = [
  'GET /api/v2/catalogue/items?category={{pick books music films}}&page={{int 1 40}}&sort=price',
  'step-1',
  '1,204',
  '0',
  '2.13 ms',
  '18.40 ms *',
  '1,198',
  '3',
  '2.20 ms',
  '19.02 ms *',
];

describe('fitTable', () => {
  it.each([80, 120])('a ten-column per-request table with a 90-character name fits %i columns', (width) => {
    const text = fitTable(HEAD, [ROW, ['POST /checkout', 'step-2', ...ROW.slice(2)]], {
      width,
      color: false,
      keyColumns: 2,
    });
    expectFits(text, width);
    // Nothing is lost: every word of the name is still there, across the wrapped lines.
    const joined = text.replace(/[│┌┐└┘├┤┬┴┼─\s]+/g, '');
    expect(joined).toContain('category={{pickbooksmusicfilms}}');
    expect(joined).toContain('19.02ms*');
  });

  it('a table that fits is drawn as it is', () => {
    const text = fitTable(['a', 'b'], [['1', '2']], { width: 80, color: false });
    expect(text.split('\n')).toEqual(['┌───┬───┐', '│ a │ b │', '├───┼───┤', '│ 1 │ 2 │', '└───┴───┘']);
  });

  it('measures a name as it is printed: escaped control characters and wide characters count', () => {
    const hostile = `名前${'\u001b]0;x\u0007'.repeat(6)}-${'界'.repeat(30)}`;
    const text = fitTable(['name', 'value'], [[hostile, '1.00 ms']], { width: 40, color: false });
    expectFits(text, 40);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('\\x1b]0;x\\a');
  });

  it('wraps at spaces and the .. of an interval before cutting a word', () => {
    expect(wrapText('+31.0%..+45.1%', 8)).toBe('+31.0%..\n+45.1%');
    expect(wrapText('p99 latency of checkout', 12)).toBe('p99 latency\nof checkout');
    expect(wrapText('abcdefghij', 4)).toBe('abcd\nefgh\nij');
  });

  it('reads the width from the terminal, else COLUMNS, else 80', () => {
    expect(terminalColumns({ isTTY: true, columns: 120 }, { COLUMNS: '90' })).toBe(120);
    expect(terminalColumns({ isTTY: false }, { COLUMNS: '90' })).toBe(90);
    expect(terminalColumns({ isTTY: false }, {})).toBe(80);
    expect(terminalColumns({ isTTY: false }, { COLUMNS: 'wide' })).toBe(80);
  });
});
