/**
 * The one list of what `peakgate replay` treats as a recorded credential (docs/replay.md, "Secrets"
 * repeats it): names that say a value is a credential, and values shaped like one whatever their
 * name. secret-scrub.ts applies these rules to every place a recorded request carries text: path
 * segments, query values, headers, and JSON, form and multipart bodies.
 *
 * The rules lean towards scrubbing: a scrubbed value costs one environment variable to set, a kept
 * one leaks a credential into a file that is committed and shared.
 */

/**
 * Words of a name (split at `-`, `_`, `.`, spaces and camelCase humps, lower-cased) that make the
 * name a credential's, in headers, query parameters, path parameters and body fields alike.
 * `authorization=` in a query, `session_id`, `otp`, `pin`, `access_key`, `apiKeys` all match.
 */
const SECRET_WORDS = new Set([
  'token',
  'tokens',
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'pwd',
  'pin',
  'otp',
  'totp',
  'key',
  'keys',
  'apikey',
  'apikeys',
  'auth',
  'authorization',
  'sig',
  'signature',
  'credential',
  'credentials',
  'session',
  'sessid',
  'sessionid',
  'phpsessid',
  'jsessionid',
  'aspsessionid',
  'jwt',
  'cookie',
  'csrf',
  'xsrf',
  'cert',
  'certificate',
]);

/** Whole names (lower-cased) that are credentials though none of their words is above. */
const SECRET_NAMES = new Set(['sid', 'code', 'pass', 'accesskey', 'secretkey', 'privatekey', 'clientsecret']);

/**
 * `…key` names that identify a record, not a credential: `sort_key=name` stays. Only these prefixes
 * of the word `key`; any other `…_key` is scrubbed.
 */
const NOT_SECRET_BEFORE_KEY = new Set([
  'sort',
  'cache',
  'idempotency',
  'partition',
  'primary',
  'foreign',
  'object',
  'range',
  'row',
  'group',
  'websocket',
]);

/** Headers whose names say credential by substring (the older, wider header rule: `x-myauth-thing`). */
const SECRET_HEADER_SUBSTRINGS = /token|secret|passw|api[-_]?key|signature|session|credential|auth/i;

/**
 * Headers whose values are never judged by their shape: they carry random-looking ids that are not
 * credentials (a multipart boundary, an ETag, a trace id), and a placeholder there would break the
 * request (`content-type` must match the body's boundary).
 */
const SHAPE_EXEMPT_HEADERS = new Set([
  'content-type',
  'accept',
  'accept-encoding',
  'accept-language',
  'user-agent',
  'if-none-match',
  'if-match',
  'traceparent',
  'tracestate',
  'x-request-id',
  'x-correlation-id',
  'x-amzn-trace-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'sec-websocket-key',
  'idempotency-key',
]);

/** The words of a name: `Ocp-Apim-Subscription-Key` → ocp apim subscription key; `apiKeys` → api keys. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** True when a query, path-parameter, form, multipart or JSON field name says it holds a credential. */
export function isSecretName(rawName: string): boolean {
  const name = decodeName(rawName);
  const words = nameWords(name);
  if (SECRET_NAMES.has(words.join(''))) return true;
  // `api_key` and `apiKey` read as api + key; `access_key` as access + key.
  if (SECRET_WORDS.has(words.join(''))) return true;
  return words.some(
    (word, index) =>
      SECRET_WORDS.has(word) && !(word === 'key' && index > 0 && NOT_SECRET_BEFORE_KEY.has(words[index - 1] ?? '')),
  );
}

/**
 * Names whose only credential word is `key` (`key`, `route_key`, `access_key`): the name alone is too
 * common to decide (a routing key: `/route?key=417`), so the value does: a plain number of up to 15
 * digits is an id and stays; any other value is a credential (API keys are not plain numbers).
 */
export function isWeakSecretName(rawName: string): boolean {
  const words = nameWords(decodeName(rawName));
  if (SECRET_NAMES.has(words.join('')) || SECRET_WORDS.has(words.join(''))) return words.join('') === 'key';
  const secret = words.filter((word) => SECRET_WORDS.has(word));
  return secret.length > 0 && secret.every((word) => word === 'key' || word === 'keys');
}

const PLAIN_NUMBER = /^\d{1,15}$/;

/** True when a `key` name's value is an id (see {@link isWeakSecretName}). */
export const isKeptKeyValue = (text: string): boolean => PLAIN_NUMBER.test(text);

/** A query, form, multipart or JSON field holds a credential: by its name (and, for `key` names, its value) or its shape. */
export function isSecretField(name: string, value: string | number): boolean {
  const text = String(value);
  if (isSecretName(name)) return !(isWeakSecretName(name) && isKeptKeyValue(text));
  return typeof value === 'string' && hasSecretShape(value);
}

/** True when a header's name says it holds a credential (`Authorization`, `X-Functions-Key`, `Cookie`, …). */
export function isSecretHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower === 'idempotency-key' || lower === 'sec-websocket-key') return false;
  return SECRET_HEADER_SUBSTRINGS.test(lower) || isSecretName(lower);
}

/** True when a header's value is judged by its shape too ({@link SHAPE_EXEMPT_HEADERS} are not). */
export function isShapeCheckedHeader(name: string): boolean {
  return !SHAPE_EXEMPT_HEADERS.has(name.toLowerCase());
}

/**
 * Values shaped like a credential wherever they sit, found as a substring (JWTs: {@link jwtSpans}): a
 * chat-bot token (`123456789:AA…`), an `Authorization` scheme with its token (`Bearer …`), well-known
 * key prefixes (AWS access key ids, GitHub, GitLab, Slack and Stripe tokens).
 */
const SHAPES: readonly RegExp[] = [
  /\d{6,12}:[A-Za-z0-9_-]{30,}/,
  /\b(?:bearer|basic|digest|token|negotiate)(?:\s|%20|\+)+[A-Za-z0-9._~+/=-]{8,}/i,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/,
  /\bglpat-[A-Za-z0-9_-]{20,}/,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/,
  /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/,
];

/** Words of the base64url alphabet: a JWT is three of them joined by dots, the first starting `eyJ`. */
const WORD = /[A-Za-z0-9_-]+/g;

/**
 * The spans of JWTs (`eyJ…` `.` 4+ characters `.` signature) in a text, found in one pass over its
 * words: a regular expression for it backtracks quadratically on a body of repeated `eyJ`.
 */
function jwtSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  if (!text.includes('eyJ')) return spans;
  const words = [...text.matchAll(WORD)].map((match): [number, number] => [
    match.index ?? 0,
    (match.index ?? 0) + match[0].length,
  ]);
  for (let i = 0; i + 1 < words.length; i++) {
    const [start, end] = words[i] ?? [0, 0];
    const header = text.indexOf('eyJ', start);
    if (header === -1 || header >= end || end - header < 7 || text.charCodeAt(end) !== 0x2e) continue;
    const [nextStart, nextEnd] = words[i + 1] ?? [0, 0];
    if (nextStart !== end + 1 || nextEnd - nextStart < 4 || text.charCodeAt(nextEnd) !== 0x2e) continue;
    const [lastStart, lastEnd] = words[i + 2] ?? [0, 0];
    spans.push([header, lastStart === nextEnd + 1 ? lastEnd : nextEnd + 1]);
    i += 2;
  }
  return spans;
}

/** Runs of the base64 / base64url / hex alphabet, judged by {@link isRandomKey}. */
const RUN = /[A-Za-z0-9+/=_-]{24,}/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Longer runs are data (an embedded image, a file), not a key: keys and tokens are shorter. */
const MAX_KEY_RUN = 512;

/**
 * A long random-looking run: 32 or more hex digits (an MD5, a SHA or a hex API key: a recorded
 * commit id in a path counts too), or 24 or more base64 characters that mix upper case, lower case
 * and at least two digits and change between those classes at least 4 times in 10 characters (random
 * text does about 6 times; `getUserAccountDetailsV2Handler` 3.4). UUIDs are ids and are kept.
 */
export function isRandomKey(run: string): boolean {
  const text = run.replace(/=+$/, '');
  if (text.length < 24 || text.length > MAX_KEY_RUN) return false;
  if (/^[0-9a-f]+$/.test(text) || /^[0-9A-F]+$/.test(text))
    return text.length >= 32 && /\d/.test(text) && /[a-f]/i.test(text);
  let upper = 0;
  let lower = 0;
  let digits = 0;
  let switches = 0;
  let previous = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const kind =
      code >= 0x61 && code <= 0x7a ? 0 : code >= 0x41 && code <= 0x5a ? 1 : code >= 0x30 && code <= 0x39 ? 2 : 3;
    if (kind === 0) lower++;
    else if (kind === 1) upper++;
    else if (kind === 2) digits++;
    if (previous !== -1 && kind !== previous) switches++;
    previous = kind;
  }
  return upper > 0 && lower > 0 && digits >= 2 && switches / (text.length - 1) >= 0.4;
}

function decodeValue(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** True when the value (or its percent-decoded form) holds something shaped like a credential. */
export function hasSecretShape(value: string): boolean {
  if (value.length < 16) return false;
  for (const text of new Set([value, decodeValue(value)])) {
    if (SHAPES.some((shape) => shape.test(text)) || jwtSpans(text).length > 0) return true;
    for (const match of text.replace(UUID, ' ').matchAll(RUN)) if (isRandomKey(match[0])) return true;
  }
  return false;
}

/**
 * `name=value` pairs inside a header value (a `Referer` URL's query, a custom cookie-like header)
 * whose name is a credential's: `https://app/cb?session_id=…` makes the whole header a secret.
 */
export function hasSecretPair(value: string): boolean {
  for (const match of value.matchAll(/(?:^|[?&;,\s])([^=?&;,\s]{1,64})=([^&;,\s]*)/g))
    if (isSecretField(match[1] ?? '', match[2] ?? '')) return true;
  return false;
}

/**
 * The spans of a text that are shaped like credentials (for raw bodies: each is replaced in place).
 * Sorted, not overlapping.
 */
export function secretSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = jwtSpans(text);
  for (const shape of SHAPES) {
    const global = new RegExp(shape.source, `${shape.flags}g`);
    for (const match of text.matchAll(global)) spans.push([match.index ?? 0, (match.index ?? 0) + match[0].length]);
  }
  const masked = text.replace(UUID, (uuid) => ' '.repeat(uuid.length));
  for (const match of masked.matchAll(RUN))
    if (isRandomKey(match[0])) spans.push([match.index ?? 0, (match.index ?? 0) + match[0].length]);
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last !== undefined && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  return merged;
}
