/**
 * Text from a scenario or a service (names, paths, build refs and commands, reasons, log lines)
 * placed in Markdown (summary.md, the GitHub job summary). Such text comes from the pull request
 * under test, so it must render as the characters it holds and never as markup: no raw HTML
 * (`<img>`, `<strong>`), no emphasis, links, headings or list items of its own, no early end of a
 * code span or fence, no table cell split by `|`. CommonMark and GitHub's renderer are the target.
 *
 * Pure functions, one job each, composable with a secret masker applied before them.
 */

/**
 * C0 and C1 control characters other than tab, DEL, the Unicode line and paragraph separators, and
 * the bidirectional embeddings, overrides and isolates: a renderer may treat CR or U+2028 as a line
 * break, a terminal would act on ESC, and U+202E shows the text after it reversed (a name could
 * make the figures after it read the other way round); none has a place in a report line.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** Every ASCII punctuation character CommonMark lets a backslash escape that can start inline markup. */
const INLINE_MARKUP = /([\\`*_[\]<>|~])/g;

/**
 * What opens a block of its own at the start of a line: an ATX heading ("# "), a bullet ("- ",
 * "+ "; "*" is escaped anyway), an ordered item ("1. ", "1) "). ">" is escaped anyway.
 */
const BLOCK_START = /^(#{1,6}|[+-]|\d{1,9}(?=[.)]))(?=[.)]?(\s|$))/;
/** A text of only "-", "=" and spaces would be a thematic break or a setext underline. */
const RULE_LINE = /^[-=][-=\s]*$/;

/**
 * Untrusted text inside a line that starts with text of ours (a table cell, after a heading's own
 * words): one line, inline markup escaped, no control characters.
 */
export function markdownInline(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(CONTROL, '')
    .replace(INLINE_MARKUP, '\\$1');
}

/**
 * Untrusted text that may start a line or a list item: as {@link markdownInline}, and a leading
 * block marker is escaped too ("# x" → "\# x", "1. x" → "1\. x", "---" → "\---").
 */
export function markdownText(text: string): string {
  // Leading spaces are dropped: four would make a code block.
  const inline = markdownInline(text).trimStart();
  if (RULE_LINE.test(inline)) return `\\${inline}`;
  return inline.replace(BLOCK_START, (marker: string) => (/^\d/.test(marker) ? `${marker}\\` : `\\${marker}`));
}

/**
 * Untrusted text as an inline code span: fenced by one backtick more than the longest backtick run
 * inside it (the CommonMark rule), padded with a space when it starts or ends with a backtick.
 * Inside a code span nothing is markup, HTML included.
 */
export function markdownCodeSpan(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, ' ').replace(CONTROL, '');
  if (flat === '') return '` `';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A span that is all spaces, or that starts or ends with a backtick, needs the padding space
  // (CommonMark strips one space from each side when both are there).
  const pad = flat.startsWith('`') || flat.endsWith('`') || /^ +$/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * Untrusted lines as a fenced code block: the fence is longer than any backtick run inside, so no
 * line can close it; each line has its control characters removed (a bare CR would be a line end).
 */
export function markdownCodeBlock(lines: readonly string[]): string[] {
  const clean = lines.map((line) => line.replace(/\r\n|\r|\n/g, ' ').replace(CONTROL, ''));
  const longest = Math.max(0, ...clean.flatMap((line) => (line.match(/`+/g) ?? []).map((run) => run.length)));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, ...clean, fence];
}

/**
 * Untrusted text inside raw HTML that Markdown passes through (a `<details><summary>` line):
 * there Markdown escapes do not apply, only HTML's do.
 */
export function markdownHtmlText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(CONTROL, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
