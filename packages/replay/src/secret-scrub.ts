/**
 * Recorded secrets stay out of scenario files: header values, query values and JSON or form body
 * fields whose names say they hold a credential become `{{env NAME}}` placeholders, which the load
 * engine fills from the environment of the peakgate process when a run starts (`--keep-secrets`
 * writes them as recorded). Names are matched, not values: a token under an innocent name is not
 * found, so review an imported scenario before sharing it (docs/replay.md).
 */

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
]);
const SECRET_WORDS = /token|secret|passw|api[-_]?key|signature|session|credential|auth/i;
/** Query and body field names: narrower than for headers (`author=` is not a credential). */
const SECRET_PARAM_WORDS = /token|secret|passw|api[-_]?key|signature|credential/i;
const SECRET_PARAMS = new Set(['sig', 'sid', 'code', 'pwd', 'jwt', 'auth', 'session', 'sessionid']);

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase()) || SECRET_WORDS.test(name);
}

export function isSecretParam(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {}
  return SECRET_PARAMS.has(decoded.toLowerCase()) || SECRET_PARAM_WORDS.test(decoded);
}

/** `REPLAY_<PART>_<NAME>` in upper snake case: `authorization` → `REPLAY_AUTHORIZATION`, query `token` → `REPLAY_QUERY_TOKEN`. */
export function secretEnvName(where: 'header' | 'query' | 'body', name: string): string {
  const word = name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const prefix = where === 'header' ? 'REPLAY_' : where === 'query' ? 'REPLAY_QUERY_' : 'REPLAY_BODY_';
  return `${prefix}${word === '' ? 'SECRET' : word}`;
}

export const envPlaceholder = (name: string): string => `{{env ${name}}}`;

/**
 * A JSON body with secret-named string fields replaced by placeholders (names collected in `used`);
 * the value as it was when nothing matched.
 */
export function scrubJson(value: unknown, used: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, used));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' && isSecretParam(key)) {
      const name = secretEnvName('body', key);
      used.add(name);
      out[key] = envPlaceholder(name);
    } else out[key] = scrubJson(item, used);
  }
  return out;
}

/** An `application/x-www-form-urlencoded` body with secret-named fields replaced. */
export function scrubForm(body: string, used: Set<string>): string {
  return body
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1 || !isSecretParam(pair.slice(0, equals))) return pair;
      const name = secretEnvName('body', pair.slice(0, equals));
      used.add(name);
      return `${pair.slice(0, equals)}=${envPlaceholder(name)}`;
    })
    .join('&');
}
