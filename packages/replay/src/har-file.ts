/**
 * HAR 1.2 (what browsers' developer tools and proxies export): `log.entries[]`, each with
 * `startedDateTime`, `request` (method, url, headers, postData) and `response.status`. Pseudo-headers
 * (`:authority`, HTTP/2) and hop-by-hop headers are dropped: they describe one connection, not the
 * request, and the load engine sets its own. Bodies are kept. Secrets are scrubbed later, with the
 * query string's (secret-scrub.ts).
 *
 * A HAR is one JSON document, so it is parsed whole; browser exports are megabytes, not gigabytes.
 */
import type { ParsedLine, TrafficRecord } from './traffic-record.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the HTTP client computes itself. */
const DROPPED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
]);

/** The entries of a HAR document as records, or why an entry (or the document) is unusable. */
export function parseHar(text: string): { entries: ParsedLine[] } | { problem: string } {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { problem: notJson(error) };
  }
  const entries = (document as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) return { problem: 'not a HAR file: no log.entries list' };
  return { entries: entries.map(parseEntry) };
}

/**
 * Why the document is not JSON, by position only: V8's message quotes the text around the error,
 * which may be a recorded credential.
 */
function notJson(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message)?.[1];
  if (/end of JSON input/i.test(message)) return 'not JSON: it ends early';
  return position === undefined ? 'not JSON' : `not JSON (at character ${position})`;
}

function parseEntry(entry: unknown): ParsedLine {
  const e = entry as {
    startedDateTime?: unknown;
    request?: {
      method?: unknown;
      url?: unknown;
      headers?: unknown;
      postData?: { text?: unknown; mimeType?: unknown };
    };
    response?: { status?: unknown };
  } | null;
  if (e === null || typeof e !== 'object') return { problem: 'entry is not an object' };
  const timeMs = typeof e.startedDateTime === 'string' ? Date.parse(e.startedDateTime) : Number.NaN;
  if (Number.isNaN(timeMs)) return { problem: 'entry without a readable startedDateTime' };
  const request = e.request;
  if (typeof request?.method !== 'string' || typeof request.url !== 'string')
    return { problem: 'entry without request.method and request.url' };
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { problem: 'unreadable request.url' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { problem: 'not an HTTP request (the URL is not http: or https:)' };
  const headers: Array<[string, string]> = [];
  if (Array.isArray(request.headers)) {
    for (const header of request.headers as Array<{ name?: unknown; value?: unknown }>) {
      if (typeof header?.name !== 'string' || typeof header.value !== 'string') continue;
      const name = header.name.toLowerCase();
      if (name.startsWith(':') || DROPPED_HEADERS.has(name)) continue;
      headers.push([name, header.value]);
    }
  }
  const status = typeof e.response?.status === 'number' ? e.response.status : 0;
  const record: TrafficRecord = {
    timeMs,
    wholeSeconds: false,
    method: request.method,
    target: `${url.pathname}${url.search}`,
    status: status >= 100 && status <= 599 ? status : 0,
    headers,
  };
  const text = request.postData?.text;
  if (typeof text === 'string' && text !== '') {
    record.body = text;
    if (typeof request.postData?.mimeType === 'string') record.mimeType = request.postData.mimeType;
  }
  return { record };
}
