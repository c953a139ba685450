/**
 * A cli-table3 table that fits the terminal: every line at most `width` columns, boxes whole.
 *
 * 1. Cells are measured as they will be printed (masked, escaped: terminal-width.ts).
 * 2. If the table is too wide, the columns with the most room to give are narrowed one column at
 *    a time and their text wrapped: at spaces, `..`, `/` and `,` first; a name column (`names`, text
 *    from the scenario, such as a request name) may also have a long word cut.
 * 3. If it is still too wide with every column at its narrowest, it is split into several tables
 *    stacked one under the other, each repeating the first `keyColumns` columns (the row's name),
 *    the columns packed into parts at their natural widths so that each part reads without wrapping
 *    where it can.
 */
import Table from 'cli-table3';
import { blockWidth, longestWord, printable, wrapText } from './terminal-width.js';

export interface FitTableOptions {
  /** Columns a line may take. */
  width: number;
  /** Whether colour is on for the stream the table goes to (cells may hold picocolors' colour). */
  color: boolean;
  /** Columns repeated in every part when the table has to be split. Default 1. */
  keyColumns?: number;
  /** Columns of free text whose long words may be cut (names, phases). Default: the key columns. */
  names?: readonly number[];
}

/** Narrowest a name column is made before the table is split instead. */
const NAME_MIN = 12;

/** What a table with these column widths takes on a line: `│ cell │ cell │`. */
const lineWidth = (widths: readonly number[]): number =>
  widths.reduce((sum, width) => sum + width + 2, 0) + widths.length + 1;

function draw(head: readonly string[], rows: readonly (readonly string[])[], widths: readonly number[]): string {
  const table = new Table({
    head: head.map((cell, i) => wrapText(cell, widths[i] ?? 1)),
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push(row.map((cell, i) => wrapText(cell, widths[i] ?? 1)));
  return table.toString();
}

/** The widths each column wants (`natural`) and the least it can do with (`least`). */
/** `cells[0]` is the header row. */
function measure(
  cells: readonly (readonly string[])[],
  names: ReadonlySet<number>,
  columns: number,
): { natural: number[]; least: number[] } {
  const natural: number[] = [];
  const least: number[] = [];
  for (let i = 0; i < columns; i++) {
    const column = cells.map((row) => row[i] ?? '');
    natural[i] = Math.max(1, ...column.map(blockWidth));
    const words = Math.max(1, ...column.map(longestWord));
    // A name may be cut anywhere, but not narrower than NAME_MIN nor its column's header words.
    const header = longestWord(column[0] ?? '');
    least[i] = names.has(i) ? Math.min(natural[i] as number, Math.max(NAME_MIN, header)) : words;
  }
  return { natural, least };
}

/** Narrows the columns with the most room to give until the table fits, or returns undefined. */
function shrink(natural: readonly number[], least: readonly number[], width: number): number[] | undefined {
  const widths = [...natural];
  while (lineWidth(widths) > width) {
    let pick = -1;
    for (let i = 0; i < widths.length; i++) {
      const room = (widths[i] as number) - (least[i] as number);
      if (room > 0 && (pick === -1 || (widths[i] as number) > (widths[pick] as number))) pick = i;
    }
    if (pick === -1) return undefined;
    widths[pick] = (widths[pick] as number) - 1;
  }
  return widths;
}

function prepare(head: readonly string[], rows: readonly (readonly string[])[], options: FitTableOptions) {
  const keep = Math.min(options.keyColumns ?? 1, head.length);
  const names = new Set(options.names ?? Array.from({ length: keep }, (_, i) => i));
  const safeHead = head.map((cell) => printable(cell, options.color));
  const safeRows = rows.map((row) => head.map((_, i) => printable(row[i] ?? '', options.color)));
  return { keep, safeHead, safeRows, ...measure([safeHead, ...safeRows], names, head.length) };
}

/** Whether the table fits `options.width` as one table (narrowed and wrapped if need be, not split). */
export function fitsWhole(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: FitTableOptions,
): boolean {
  const { natural, least } = prepare(head, rows, options);
  return lineWidth(natural) <= options.width || shrink(natural, least, options.width) !== undefined;
}

/** A split table's key columns get this much room when they want it, so a name is not wrapped word by word. */
const KEY_ROOM = 24;
/** And its other columns this much, when packing them into parts. */
const PART_COLUMN_ROOM = 30;

/** The table as text, fitted to `options.width` (no trailing newline). */
export function fitTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: FitTableOptions,
): string {
  const { keep, safeHead, safeRows, natural, least } = prepare(head, rows, options);
  if (lineWidth(natural) <= options.width) return draw(safeHead, safeRows, natural);
  const widths = shrink(natural, least, options.width);
  if (widths !== undefined) return draw(safeHead, safeRows, widths);
  // Split: the key columns (with some room), then as many of the others as fit at their narrowest, per part.
  // Parts are packed with each column at its natural width (up to a cap), so no part is squeezed
  // while the next has room; a part is still narrowed and wrapped when it must be.
  const room = least.map((width, i) =>
    Math.max(width, Math.min(natural[i] as number, i < keep ? KEY_ROOM : PART_COLUMN_ROOM)),
  );
  const groups: number[][] = [];
  let group: number[] = [];
  const keyColumns = Array.from({ length: keep }, (_, i) => i);
  for (let i = keep; i < head.length; i++) {
    const tried = [...keyColumns, ...group, i];
    if (group.length > 0 && lineWidth(tried.map((c) => room[c] as number)) > options.width) {
      groups.push(group);
      group = [];
    }
    group.push(i);
  }
  if (group.length > 0) groups.push(group);
  return groups
    .map((part) => {
      const columns = [...keyColumns, ...part];
      const partNatural = columns.map((c) => natural[c] as number);
      const partLeast = columns.map((c) => least[c] as number);
      const partWidths = shrink(partNatural, partLeast, options.width) ?? partLeast;
      return draw(
        columns.map((c) => safeHead[c] as string),
        safeRows.map((row) => columns.map((c) => row[c] as string)),
        partWidths,
      );
    })
    .join('\n');
}
