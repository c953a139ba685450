/**
 * Masks the values of the environment variables the person running peakgate handed in
 * (`--env NAME`), the way GitHub and GitLab mask secrets in job logs: each occurrence becomes `***`.
 *
 * Why a module-level set: the values handed in are a property of the whole process (one CLI
 * invocation, one `peakgate serve`), and every output boundary (report files, log files, the step
 * summary, terminal lines, API replies) must mask the same values without each caller having to
 * carry them. {@link maskSecrets} is therefore callable with the text alone; the rest of this module
 * is pure (no I/O).
 *
 * A service may print a value it was sent in another form than the raw one (a header echoed inside
 * a JSON error body, a path logged percent-encoded, a value HTML-escaped in a page), so each value
 * is masked in those forms too: JSON string escaping (also the HTML-safe kind Go writes, PHP's `\/` and
 * Python's `\uXXXX`), percent-encoding (upper and lower case hex, `+` for space, and the strict form Go
 * and Python write), HTML/XML escaping (also as PHP and Go's html/template write it), and each of
 * these applied to another.
 * A multi-line value is masked whole and each of its lines on its own.
 *
 * Floor: values shorter than {@link MIN_MASKED_LENGTH} characters are not masked (masking "1" or
 * "ok" would destroy every report); the CLI warns when a handed-in value is that short.
 */

/** What a masked value is replaced with. */
export const SECRET_MASK = '***';

/** Values shorter than this many characters are not masked (GitLab refuses to mask under 8; we take 4). */
export const MIN_MASKED_LENGTH = 4;

/** Replaces every occurrence of the given values (and their encoded forms) in a text. */
export type SecretMasker = (text: string) => string;

const ENCODERS: readonly ((value: string) => string)[] = [
  (value) => JSON.stringify(value).slice(1, -1),
  // Go's encoding/json (and other HTML-safe JSON encoders) write <, > and & as \u003c, \u003e, \u0026.
  (value) =>
    JSON.stringify(value)
      .slice(1, -1)
      .replace(/[<>&]/g, (char) => `\\u00${char.charCodeAt(0).toString(16)}`),
  // PHP's json_encode (by default) and some Java encoders write "/" as "\/": an AWS secret key holds "/".
  (value) => JSON.stringify(value).slice(1, -1).replace(/\//g, '\\/'),
  // Python's json.dumps (ensure_ascii, the default) writes every non-ASCII character as \uXXXX.
  (value) =>
    JSON.stringify(value)
      .slice(1, -1)
      .replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`),
  (value) => encodeURIComponent(value),
  (value) => encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  (value) => encodeURIComponent(value).replace(/%20/g, '+'),
  (value) => encodeURI(value),
  // Go's url.QueryEscape and Python's quote_plus escape every byte but A-Z a-z 0-9 - _ . ~ (so also
  // ! ' ( ) *, which encodeURIComponent keeps), space as +; and the same with %20 for space.
  (value) => strictPercentEncode(value).replace(/%20/g, '+'),
  (value) => strictPercentEncode(value),
  (value) => escapeHtml(value, '&#39;'),
  (value) => escapeHtml(value, '&apos;'),
  (value) => escapeHtml(value, '&#x27;'),
  // PHP's htmlspecialchars (ENT_QUOTES, the default since PHP 8.1).
  (value) => escapeHtml(value, '&#039;'),
  // Go's html/template: " as &#34;, ' as &#39; and + as &#43; (an AWS secret key holds +).
  (value) => escapeHtml(value, '&#39;', '&#34;').replace(/\+/g, '&#43;'),
];

function strictPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function escapeHtml(value: string, apostrophe: string, quote = '&quot;'): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, quote)
    .replace(/'/g, apostrophe);
}

/** Every form a value is masked in: the value, each encoding of it, and each encoding of those. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const once = ENCODERS.map((encode) => encode(value));
  for (const form of once) forms.add(form);
  for (const form of once) for (const encode of ENCODERS) forms.add(encode(form));
  return [...forms];
}

/** True when a value is too short to be masked (see {@link MIN_MASKED_LENGTH}). */
export function tooShortToMask(value: string): boolean {
  return value.length < MIN_MASKED_LENGTH;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Compiled {
  /** One alternation of every form, longest first; undefined when nothing is masked. */
  pattern: RegExp | undefined;
  /** The longest form's length. */
  longest: number;
  /** True when some form holds a line break (then a stream may not cut at line ends). */
  multiline: boolean;
}

function compile(values: Iterable<string>): Compiled {
  const forms = new Set<string>();
  for (const value of values) {
    // A multi-line value (a PEM key, a kubeconfig) is also masked line by line, as GitHub's runner
    // does: a service's output is kept and quoted line by line (log tails, crash reasons), where the
    // whole value never appears in one piece.
    for (const part of new Set([value, ...value.split(/\r\n|\r|\n/)])) {
      if (tooShortToMask(part)) continue;
      for (const form of secretForms(part)) forms.add(form);
    }
  }
  if (forms.size === 0) return { pattern: undefined, longest: 0, multiline: false };
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  // Longest first, so an encoded form is replaced whole rather than the raw value inside it.
  const pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  return { pattern, longest: sorted[0]?.length ?? 0, multiline: sorted.some((form) => /[\r\n]/.test(form)) };
}

function maskWith(compiled: Compiled, text: string): string {
  const { pattern } = compiled;
  if (pattern === undefined || text.length < MIN_MASKED_LENGTH) return text;
  return text.replace(pattern, SECRET_MASK);
}

/** A masker for these values (pure: the same values always mask the same way). */
export function createSecretMasker(values: Iterable<string>): SecretMasker {
  const compiled = compile(values);
  return (text) => maskWith(compiled, text);
}

let registered = new Set<string>();
let current: Compiled = compile([]);

/**
 * Adds values to the set {@link maskSecrets} masks (the values of the variables handed in with
 * `--env NAME`). Values shorter than the floor are kept but not masked.
 */
export function registerSecretValues(values: Iterable<string>): void {
  const next = new Set(registered);
  for (const value of values) if (value !== '') next.add(value);
  if (next.size === registered.size) return;
  registered = next;
  current = compile(registered);
}

/** Forgets every registered value (tests, and a server shutting down). */
export function clearSecretValues(): void {
  registered = new Set();
  current = compile([]);
}

/** True when some registered value is long enough to be masked. */
export function hasSecretValues(): boolean {
  return current.pattern !== undefined;
}

/** Masks every registered value in `text`. Call at every output boundary, before any escaping. */
export function maskSecrets(text: string): string {
  return maskWith(current, text);
}

/**
 * Masks every registered value in each string of a JSON-like value (keys included), returning a
 * copy. Walks the value rather than masking its JSON text, so a value that looks like JSON
 * punctuation can never break the document's structure.
 */
export function maskSecretsDeep<T>(value: T): T {
  if (current.pattern === undefined) return value;
  return maskValue(value) as T;
}

/**
 * Fields that hold encoded numbers, never text a service or a scenario wrote: an HDR histogram's
 * base64. A handed-in value of 4+ characters can occur inside one by chance, and masking it there
 * would corrupt the histogram (and every re-judge of the saved run), so these are left as they are.
 */
const ENCODED_FIELDS: ReadonlySet<string> = new Set(['histogram']);

function maskValue(value: unknown): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (Array.isArray(value)) return value.map(maskValue);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        maskSecrets(key),
        ENCODED_FIELDS.has(key) && typeof item === 'string' ? item : maskValue(item),
      ]),
    );
  return value;
}

/**
 * Masks text that arrives in chunks (a service's stdout, a log file written as it comes): a value
 * split across two chunks is still masked. `push` returns what can be written now, holding back
 * the end of the text that could still be the start of a value; `end` returns the rest. Uses the
 * values registered when each chunk arrives.
 */
export interface StreamMasker {
  push(chunk: string): string;
  end(): string;
}

export function createStreamMasker(): StreamMasker {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const compiled = current;
      const { pattern } = compiled;
      if (pattern === undefined) {
        const out = pending;
        pending = '';
        return out;
      }
      // Hold back what could be the start of a form; a line end is a safe cut when no form spans lines.
      let cut = pending.length - (compiled.longest - 1);
      if (!compiled.multiline) cut = Math.max(cut, pending.lastIndexOf('\n') + 1);
      if (cut <= 0) return '';
      // A complete form across the cut goes out whole (masked) rather than split.
      for (const match of pending.matchAll(pattern)) {
        const end = match.index + match[0].length;
        if (match.index < cut && end > cut) cut = end;
        if (match.index >= cut) break;
      }
      const out = maskWith(compiled, pending.slice(0, cut));
      pending = pending.slice(cut);
      return out;
    },
    end() {
      const out = maskWith(current, pending);
      pending = '';
      return out;
    },
  };
}
