/**
 * A recorded request target → a path and query peakgate can send as written. Recorded targets may
 * hold anything a client sent (raw spaces, UTF-8, even control characters in JSON logs); every
 * character outside printable ASCII is percent-encoded, and so are `{` and `}` (they would start or
 * end a placeholder). What comes out can never hold a CR, LF, space or other control character, so
 * the scenario rules accept it and it reaches the wire as exactly one request.
 */

/** Printable ASCII except `{` and `}`. */
const UNSAFE = /[^\x21-\x7a|~]/;

export function encodeUnsafe(text: string): string {
  if (!UNSAFE.test(text)) return text;
  let out = '';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (code >= 0x21 && code <= 0x7e && character !== '{' && character !== '}') out += character;
    else if (code >= 0xd800 && code <= 0xdfff) out += '%EF%BF%BD';
    else
      out += encodeURIComponent(character).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  return out;
}

export interface SplitTarget {
  /** Path segments after the leading `/` (so `/` is `['']`). */
  segments: string[];
  /** Query parameters in order, or undefined when the target has no `?`. */
  query: Array<[string, string]> | undefined;
}

/** Splits an origin-form (`/a?b`) or absolute-form (`http://h/a?b`) target; undefined when it is neither. */
export function splitTarget(target: string): SplitTarget | undefined {
  let text = target;
  if (!text.startsWith('/')) {
    const scheme = /^https?:\/\/[^/?#]*/i.exec(text);
    if (scheme === null) return undefined;
    text = text.slice(scheme[0].length) || '/';
    if (text.startsWith('?')) text = `/${text}`;
  }
  const hash = text.indexOf('#');
  if (hash !== -1) text = text.slice(0, hash);
  const mark = text.indexOf('?');
  const path = encodeUnsafe(mark === -1 ? text : text.slice(0, mark));
  const segments = path.slice(1).split('/');
  if (mark === -1) return { segments, query: undefined };
  const query: Array<[string, string]> = [];
  for (const pair of text.slice(mark + 1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    query.push(
      equals === -1
        ? [encodeUnsafe(pair), '']
        : [encodeUnsafe(pair.slice(0, equals)), encodeUnsafe(pair.slice(equals + 1))],
    );
  }
  return { segments, query };
}
