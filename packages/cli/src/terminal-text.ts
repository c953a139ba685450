/**
 * Everything the CLI prints passes through here (output.ts): text from a scenario or a service
 * (names, build refs, reasons, error messages quoting a log tail) comes from the pull request under
 * test, and a terminal or a CI runner would act on some of it.
 *
 * - Control characters (C0 but tab and line feed, DEL, C1, the Unicode line/paragraph separators
 *   and the bidirectional overrides) are shown as visible escapes (`\x1b`, `\r`, `\u202e`), so no
 *   OSC title, cursor move, carriage-return overwrite or GitLab `\e[0Ksection_start:` marker
 *   reaches the terminal. Colour sequences (SGR: `ESC [ digits m`) pass only when colour is on for
 *   that stream, because then they are peakgate's own (picocolors); with colour off (CI logs,
 *   pipes, NO_COLOR) every ESC is escaped.
 * - GitHub runs a workflow command (`::error …::`, `::add-mask::`, `::stop-commands::`) from any
 *   stdout/stderr line that starts with `::` after leading spaces, and the older `##[command]`
 *   form from anywhere in a line; Azure Pipelines runs `##vso[task.setvariable …]` from anywhere in a
 *   line too. peakgate prints no workflow command of its own, so every such line gets a backslash
 *   before the `::`, every `##[` becomes `#\u0023[` and `##vso[` `#\u0023vso[`: shown, never run.
 * - What replaces a character is also a valid JSON string escape (`\u0085`, `\u0023`), never `\x85`
 *   or `\#`: `--json` documents pass through here too, and must still parse (to the original text).
 *
 * Pure; a secret masker composes with it (mask first, then this).
 */

export interface TerminalTextOptions {
  /** Keep SGR colour sequences (the stream has colour on, so they are peakgate's). */
  keepColors: boolean;
}

const NAMED: Record<string, string> = { '\r': '\\r', '\b': '\\b', '\u0007': '\\a', '\u000b': '\\v', '\f': '\\f' };

/** One unsafe character: C0 but \t and \n, DEL, C1, U+2028/2029, bidi embeddings/overrides/isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** An SGR sequence at the start of a string: what picocolors writes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
const SGR = /^\u001b\[([0-9;]*)m/;
/**
 * The SGR parameters kept: reset, bold/dim/italic/underline/inverse/strike and their ends, and the
 * 16 foreground and background colours (what picocolors writes). A build's own sequence passes only
 * within these: conceal (8) could hide text, and 256/true-colour forms are never peakgate's.
 */
const SAFE_SGR_PARAMETERS = new Set([
  0,
  1,
  2,
  3,
  4,
  7,
  9,
  21,
  22,
  23,
  24,
  27,
  29,
  39,
  49,
  ...[30, 40, 90, 100].flatMap((base) => Array.from({ length: 8 }, (_, i) => base + i)),
]);

function safeSgr(parameters: string): boolean {
  return parameters === '' || parameters.split(';').every((p) => p !== '' && SAFE_SGR_PARAMETERS.has(Number(p)));
}

function visible(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0) ?? 0;
  // C0 as \xNN (JSON.stringify never leaves one raw); DEL, C1 and the rest as \uNNNN, which a JSON
  // string reads back as the character itself (JSON.stringify leaves those raw).
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Control characters as visible escapes; SGR colour sequences kept when `keepColors`. */
export function escapeControls(text: string, options: TerminalTextOptions): string {
  if (!UNSAFE.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (!UNSAFE.test(char)) {
      out += char;
      continue;
    }
    if (char === '\u001b' && options.keepColors) {
      const sgr = SGR.exec(text.slice(i, i + 32));
      if (sgr !== null && safeSgr(sgr[1] ?? '')) {
        out += sgr[0];
        i += sgr[0].length - 1;
        continue;
      }
    }
    out += visible(char);
  }
  return out;
}

/** Leading spaces and colour sequences: what GitHub's runner would not see as the line's start. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
const LINE_LEAD = /^(?:\s|\u001b\[[0-9;]*m)*/;

/**
 * Workflow commands shown, never run: `::` at a line's start gets a backslash; `##[` becomes `#\u0023[`
 * and `##vso[` (Azure Pipelines) `#\u0023vso[` (inside a JSON string both read back as `##`).
 */
export function neutraliseCiCommands(text: string): string {
  if (!text.includes('::') && !text.includes('##')) return text;
  return text
    .split('\n')
    .map((line) => {
      const lead = LINE_LEAD.exec(line)?.[0] ?? '';
      const rest = line.slice(lead.length);
      const safe = rest.startsWith('::') ? `${lead}\\${rest}` : line;
      // `##[`, and Azure Pipelines' `##vso[` (setvariable, prependpath: run from anywhere in a line).
      return safe.replace(/##(?=[A-Za-z]*\[)/g, '#\\u0023');
    })
    .join('\n');
}

/** Text safe to print on a terminal or in a CI log. */
export function terminalText(text: string, options: TerminalTextOptions): string {
  return neutraliseCiCommands(escapeControls(text, options));
}

/**
 * One untrusted value (a name, a build ref) inside a line of ours: its line breaks are shown as
 * `\n` too, so it cannot start a line of its own that reads like peakgate's.
 */
export function oneLine(text: string): string {
  return text.replace(/\r?\n/g, (eol) => (eol === '\n' ? '\\n' : '\\r\\n'));
}
