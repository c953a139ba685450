/**
 * The lines of a build's log tail that say why it failed, for a reason on one line. The last lines
 * alone are often the runtime's epilogue (`requireStack: [] | } | Node.js v20.20.2`) while the line
 * that says why (`Error: Cannot find module 'x'`) is a dozen lines up: lines that name an error,
 * exception, panic or fatal come first, then the last lines, each at most once, in log order.
 */

/** A line that names what went wrong. */
const TELLING = /error|exception|panic|fatal/i;
/** A line with something to read: three letters or digits, not just `}`, `^` or a blank. */
const WORDY = /[\p{L}\p{N}]{3}/u;
/** Stack frames (`    at foo (file.js:1:2)`) name where, not why. */
const FRAME = /^\s*at\s/;

export function logExcerpt(logTail: readonly string[], lines = 3, maxChars = 300): string {
  const text = logExcerptLines(logTail, lines).join(' | ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/** The picked lines themselves, trimmed, in log order (at most `lines`). */
export function logExcerptLines(logTail: readonly string[], lines = 3): string[] {
  const candidates = logTail
    .map((text, index) => ({ text: text.trim(), index }))
    .filter((line) => WORDY.test(line.text) && !FRAME.test(line.text));
  const picked = new Set<number>();
  // At most all but one of the lines for errors, so the very last line (an exit note) still shows.
  for (const line of candidates) {
    if (picked.size >= Math.max(1, lines - 1)) break;
    if (TELLING.test(line.text)) picked.add(line.index);
  }
  for (const line of [...candidates].reverse()) {
    if (picked.size >= lines) break;
    picked.add(line.index);
  }
  return candidates.filter((line) => picked.has(line.index)).map((line) => line.text);
}
