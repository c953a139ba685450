/**
 * How wide the terminal is, and how wide text is on it. Tables and live bars are fitted to this
 * width so nothing wraps into broken boxes or is cut at the right edge.
 *
 * Width is measured on the text as it will be printed: masked and escaped (output.ts,
 * terminal-text.ts), so a control character that prints as `\x1b` counts four columns; colour
 * sequences count none, and wide characters (CJK, emoji) two (string-width, the measure
 * cli-table3 itself uses).
 */
import { maskSecrets } from '@peakgate/core';
import stringWidth from 'string-width';
import { terminalText } from './terminal-text.js';

/** Narrowest width peakgate lays out for; a smaller terminal gets this width (and wraps). */
export const MIN_COLUMNS = 40;
/** The width when nothing says otherwise (not a terminal, no COLUMNS). */
export const DEFAULT_COLUMNS = 80;

/**
 * The stream's width: the terminal's own size when it is one, else `COLUMNS` (a positive
 * integer), else 80. Never below MIN_COLUMNS.
 */
export function terminalColumns(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fromStream = stream.isTTY === true && typeof stream.columns === 'number' ? stream.columns : 0;
  const fromEnv = /^\d+$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : 0;
  const columns = fromStream > 0 ? fromStream : fromEnv > 0 ? fromEnv : DEFAULT_COLUMNS;
  return Math.max(MIN_COLUMNS, columns);
}

/**
 * Text as the output boundary will print it (masked, escaped), so it can be measured: `keepColors`
 * as output.ts will decide for the stream it goes to (colorEnabled). Escaping is idempotent, so the
 * boundary's second pass changes nothing.
 */
export function printable(text: string, keepColors: boolean): string {
  return terminalText(maskSecrets(text), { keepColors });
}

/** Columns one line of printed text takes (colour sequences take none). */
export function visibleWidth(line: string): number {
  return stringWidth(line);
}

/** The widest line of a possibly multi-line text. */
export function blockWidth(text: string): number {
  return Math.max(0, ...text.split('\n').map(visibleWidth));
}

/** Pieces of a line that may be broken after spaces, the `..` of an interval, `/`, `,`, `&`, `?`, a word's `-`, or before `(`. */
function pieces(line: string): string[] {
  return line.split(/(?<= )|(?<=\.\.)|(?<=[/,&?])|(?<=\p{L}-)|(?=\()/u).filter((piece) => piece !== '');
}

/** The widest piece that wrapping would never break (the narrowest the text can go without cutting a word). */
export function longestWord(text: string): number {
  return Math.max(0, ...text.split('\n').flatMap((line) => pieces(line).map((piece) => visibleWidth(piece.trimEnd()))));
}

/** Cuts one piece into parts of at most `width` columns (a name with no break in it). */
function hardBreak(piece: string, width: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const char of piece) {
    if (current !== '' && visibleWidth(current + char) > width) {
      parts.push(current);
      current = '';
    }
    current += char;
  }
  if (current !== '') parts.push(current);
  return parts;
}

/**
 * Wraps text to `width` columns: at spaces and the other break points first, cutting a piece only
 * when it is wider than the width on its own. Existing line breaks are kept. Text without colour.
 */
export function wrapText(text: string, width: number): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let current = '';
    for (const piece of pieces(line)) {
      if (visibleWidth((current + piece).trimEnd()) <= width) {
        current += piece;
        continue;
      }
      if (current.trimEnd() !== '') out.push(current.trimEnd());
      current = '';
      if (visibleWidth(piece.trimEnd()) <= width) current = piece;
      else {
        const parts = hardBreak(piece.trimEnd(), width);
        out.push(...parts.slice(0, -1));
        current = parts.at(-1) ?? '';
        if (piece.endsWith(' ')) current += ' ';
      }
    }
    out.push(current.trimEnd());
  }
  return out.join('\n');
}
