/**
 * Splits a command string into argv the way docker compose does (shell-like words, no shell):
 * `node server.js --port "8 0"` → ['node', 'server.js', '--port', '8 0']. Used for `service.command`,
 * the Docker command override, because distroless images have no /bin/sh to run a string.
 * (Process-driver commands such as `--baseline-cmd` are not split: they run under `sh -c`.)
 *
 * Why not a library: both candidates were tried on the cases in command-line.test.ts.
 * - `shell-quote` (parse) accepts `node 'x` without a word of complaint (the scenario rule needs
 *   the error to point at the field), turns `a#b` into a comment and `*.js`, `>` or `&&` into
 *   operator objects, and rewrites `${X}y` as `$Xy` even when told to keep variables: it models a
 *   shell, and no shell runs this command, so every one of those would have to be undone.
 * - `string-argv` has no backslash escapes (`a\ b` gives two words, `"say \"hi\""` loses the
 *   quotes) and also accepts unbalanced quotes.
 * The rules here are the few compose documents (whitespace, single and double quotes, backslash),
 * and the tests pin each of them.
 */
export class CommandLineError extends Error {
  override name = 'CommandLineError';
}

export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && index + 1 < text.length) word += text[++index];
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && index + 1 < text.length) {
      word += text[++index];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new CommandLineError(`unbalanced ${quote} quote in ${JSON.stringify(text)}`);
  if (inWord) words.push(word);
  return words;
}
