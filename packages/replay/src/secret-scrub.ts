/**
 * Recorded secrets stay out of scenario files: every place a recorded request carries text is
 * checked against the rules of secret-rules.ts (credential names, and values shaped like a
 * credential whatever their name), and what matches becomes an `{{env NAME}}` placeholder, which the
 * load engine fills from the environment when a run starts (`--keep-secrets` writes them as
 * recorded). The whole value is replaced, so the variable is set to the whole value.
 */
import {
  hasSecretPair,
  hasSecretShape,
  isSecretField,
  isSecretHeaderName,
  isSecretName,
  isShapeCheckedHeader,
  secretSpans,
} from './secret-rules.js';

/** The older name of {@link isSecretHeaderName}. */
export const isSecretHeader = isSecretHeaderName;
/** The older name of {@link isSecretName}. */
export const isSecretParam = isSecretName;

export type SecretPlace = 'header' | 'query' | 'body' | 'path';

/** `REPLAY_<PART>_<NAME>` in upper snake case: `authorization` → `REPLAY_AUTHORIZATION`, query `token` → `REPLAY_QUERY_TOKEN`. */
export function secretEnvName(where: SecretPlace, name: string): string {
  const word = name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  const prefix =
    where === 'header'
      ? 'REPLAY_'
      : where === 'query'
        ? 'REPLAY_QUERY_'
        : where === 'path'
          ? 'REPLAY_PATH_'
          : 'REPLAY_BODY_';
  return `${prefix}${word === '' ? 'SECRET' : word}`;
}

export const envPlaceholder = (name: string): string => `{{env ${name}}}`;

/** The placeholder for a secret at `where` named `name`, recorded in `used`. */
function replace(used: Set<string>, where: SecretPlace, name: string): string {
  const env = secretEnvName(where, name);
  used.add(env);
  return envPlaceholder(env);
}

/** A header value, or its placeholder when the name or the value says credential. */
export function scrubHeader(name: string, value: string, used: Set<string>): string {
  if (isSecretHeaderName(name)) return replace(used, 'header', name);
  if (isShapeCheckedHeader(name) && (hasSecretShape(value) || hasSecretPair(value)))
    return replace(used, 'header', name);
  return value;
}

/** True when a query value must not be kept: its name or its shape says credential. */
export function isSecretQuery(name: string, value: string): boolean {
  return isSecretField(name, value);
}

/**
 * A path segment with its credentials replaced, or undefined when it holds none. A segment shaped
 * like a credential (a JWT, a bot token, a long random key) is replaced whole and named after the
 * literal segment before it (`/keys/<key>` → `REPLAY_PATH_KEYS`, else its position); path parameters
 * with a credential's name (`cart;jsessionid=…`) have their value replaced.
 */
export function scrubSegment(
  segment: string,
  previous: string | undefined,
  position: number,
  used: Set<string>,
): string | undefined {
  const semicolon = segment.indexOf(';');
  if (semicolon !== -1) {
    let changed = false;
    const params = segment
      .slice(semicolon + 1)
      .split(';')
      .map((param) => {
        const equals = param.indexOf('=');
        const name = equals === -1 ? param : param.slice(0, equals);
        if (equals === -1 || !isSecretField(name, param.slice(equals + 1))) return param;
        changed = true;
        return `${name}=${replace(used, 'path', name)}`;
      });
    const base = segment.slice(0, semicolon);
    if (hasSecretShape(base)) return replace(used, 'path', previous ?? String(position));
    return changed ? [base, ...params].join(';') : undefined;
  }
  if (hasSecretShape(segment)) return replace(used, 'path', previous ?? String(position));
  return undefined;
}

/** Deepest JSON body scrubbed (the scenario rules refuse deeper ones anyway). */
export const MAX_JSON_DEPTH = 64;

/**
 * A JSON body with its credentials replaced (names collected in `used`): under a credential's name
 * (`password`, `otp`, `api_keys`, `authorization`) every string or number leaf, at any depth, arrays
 * included (`api_keys[1]` → `REPLAY_BODY_API_KEYS_2`); elsewhere every string leaf shaped like a
 * credential. A number becomes the placeholder string. Undefined when nested deeper than
 * {@link MAX_JSON_DEPTH}.
 */
export function scrubJson(value: unknown, used: Set<string>): unknown {
  return scrubJsonAt(value, used, undefined, false, 0);
}

/**
 * `name` names the env variable (`api_keys_2`); `secretName` is the credential's field name above it,
 * `secret` whether there is one.
 */
function scrubJsonAt(
  value: unknown,
  used: Set<string>,
  name: string | undefined,
  secret: boolean,
  depth: number,
  secretName?: string,
): unknown {
  if (depth > MAX_JSON_DEPTH) throw new RangeError('JSON body nested too deep');
  if (typeof value === 'string' || typeof value === 'number') {
    // Under a credential's name the field rule decides (a `key` holding a plain number is an id).
    const leaf = secret ? isSecretField(secretName ?? 'value', value) : isSecretField('', value);
    return leaf ? replace(used, 'body', name ?? 'value') : value;
  }
  if (Array.isArray(value))
    return value.map((item, index) =>
      scrubJsonAt(item, used, name === undefined ? undefined : `${name}_${index + 1}`, secret, depth + 1, secretName),
    );
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const keySecret = !secret && isSecretName(key);
    const inner = secret ? `${name ?? 'value'}_${key}` : key;
    const above = secret ? secretName : keySecret ? key : undefined;
    out[key] = scrubJsonAt(item, used, inner, secret || keySecret, depth + 1, above);
  }
  return out;
}

/** An `application/x-www-form-urlencoded` body with fields whose name or value says credential replaced. */
export function scrubForm(body: string, used: Set<string>): string {
  return body
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      const name = pair.slice(0, equals);
      if (!isSecretField(name, pair.slice(equals + 1))) return pair;
      return `${name}=${replace(used, 'body', name)}`;
    })
    .join('&');
}

/** True when a raw body reads as `a=1&b=2` (a form sent without its media type). */
export function looksLikeForm(body: string): boolean {
  return /^[^\s=&]+=[^\s&]*(?:&[^\s=&]+=[^\s&]*)*$/.test(body);
}

/**
 * A `multipart/form-data` body with the content of each part whose field name or (text) content says
 * credential replaced; file parts (with a `filename`) are judged by name only. The boundary comes
 * from the media type, else from the body's first line. Undefined when the body is not multipart.
 */
export function scrubMultipart(body: string, mimeType: string, used: Set<string>): string | undefined {
  const fromType = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(mimeType);
  const boundary = fromType?.[1] ?? fromType?.[2] ?? /^--([^\r\n]+)\r?\n/.exec(body)?.[1];
  if (boundary === undefined) return undefined;
  const delimiter = `--${boundary}`;
  const pieces = body.split(delimiter);
  if (pieces.length < 3) return undefined;
  return pieces
    .map((piece, index) => {
      if (index === 0 || piece.startsWith('--')) return piece;
      const headerEnd = piece.search(/\r?\n\r?\n/);
      if (headerEnd === -1) return piece;
      const separator = /\r?\n\r?\n/.exec(piece.slice(headerEnd))?.[0] ?? '\r\n\r\n';
      const headers = piece.slice(0, headerEnd);
      const content = piece.slice(headerEnd + separator.length);
      const name = /\bname="([^"]*)"/i.exec(headers)?.[1] ?? /\bname=([^;\s]+)/i.exec(headers)?.[1] ?? '';
      const file = /\bfilename=/i.test(headers);
      const ending = /\r?\n$/.exec(content)?.[0] ?? '';
      const value = content.slice(0, content.length - ending.length);
      if (file ? !isSecretName(name) : !isSecretField(name, value)) return piece;
      return `${headers}${separator}${replace(used, 'body', name)}${ending}`;
    })
    .join(delimiter);
}

/** Any other raw body: each span shaped like a credential replaced in place (`REPLAY_BODY_SECRET_1`, …). */
export function scrubText(body: string, used: Set<string>): string {
  const spans = secretSpans(body);
  if (spans.length === 0) return body;
  let out = '';
  let at = 0;
  spans.forEach(([start, end], index) => {
    out += body.slice(at, start) + replace(used, 'body', `secret_${index + 1}`);
    at = end;
  });
  return out + body.slice(at);
}
