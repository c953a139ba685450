/**
 * What a terminal shows after a program wrote `output` to it: a small screen model for the escape
 * sequences peakgate's live bars use (cli-progress): cursor up (`ESC[nA`), to column n (`ESC[nG`),
 * erase in line (`ESC[0K`, `ESC[2K`) and below (`ESC[0J`), line feed and carriage return. Colour
 * (SGR) is dropped; other sequences are ignored. Lines are never wrapped here: a test that checks
 * widths wants the full line, as the program wrote it.
 */
export function screenLines(output: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  let column = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what this reads
  const tokens = output.split(/(\u001b\[[0-9;?]*[A-Za-z]|\r\n|\n|\r)/);
  for (const token of tokens) {
    if (token === '') continue;
    if (token === '\n' || token === '\r\n') {
      row += 1;
      column = 0;
      rows[row] ??= '';
      continue;
    }
    if (token === '\r') {
      column = 0;
      continue;
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what this reads
    const sequence = /^\u001b\[([0-9;?]*)([A-Za-z])$/.exec(token);
    if (sequence !== null) {
      const [, args = '', command] = sequence;
      const n = Number.parseInt(args, 10);
      if (command === 'A') row = Math.max(0, row - (Number.isNaN(n) ? 1 : n));
      else if (command === 'B') row += Number.isNaN(n) ? 1 : n;
      else if (command === 'G') column = Math.max(0, (Number.isNaN(n) ? 1 : n) - 1);
      else if (command === 'K') rows[row] = args === '2' ? '' : (rows[row] ?? '').slice(0, column);
      else if (command === 'J') {
        rows[row] = (rows[row] ?? '').slice(0, column);
        rows.length = row + 1;
      }
      rows[row] ??= '';
      continue;
    }
    const line = (rows[row] ?? '').padEnd(column, ' ');
    rows[row] = line.slice(0, column) + token + line.slice(column + [...token].length);
    column += [...token].length;
  }
  return rows;
}

/**
 * Every line the program drew, over time: each line of text between line breaks, with colour and
 * cursor sequences taken out. For "no line was ever wider than the terminal".
 */
export function drawnLines(output: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what this removes
  return output.split(/\r?\n|\r|\u001b\[[0-9]*[ABJ]/).map((line) => line.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ''));
}
