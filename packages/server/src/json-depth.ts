/**
 * The nesting depth of a JSON text, measured before it is parsed. A request body nested 100,000
 * deep parses, but every recursive walk after it (schema validation, the scenario parser,
 * JSON.stringify) then overflows the stack: a 500 for what is a bad request. One linear pass over
 * the text, no recursion, stops as soon as the limit is passed.
 */

/** Deepest JSON nesting a request body may have; a scenario needs far fewer than this. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the JSON text nests arrays/objects deeper than `limit`. Brackets inside strings do not
 * count; the text need not be valid JSON (the parser decides that afterwards).
 */
export function jsonDepthOver(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) i++;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      depth++;
      if (depth > limit) return true;
    } else if (code === 0x5d /* ] */ || code === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}
