/**
 * What a request may hold so that it reaches the wire as exactly one request. The HTTP/1.1 request
 * line and header lines end in CR LF, and the closed model's autocannon writes method, path and
 * headers into the socket as they are: a CR or LF in any of them ends the line early, and what
 * follows becomes a header or a second request of the author's choosing (request smuggling, an
 * injected `Host:`). So the scenario rules refuse such requests (scenario/rules.ts), and the load
 * engine checks again before it opens a connection (loadgen's request-guard.ts), both with these
 * functions.
 *
 * Placeholders cannot bring such characters back: `{{int}}` renders digits and `-`, `{{uuid}}` hex
 * and `-`, and `{{pick}}` one of its words, which are split on whitespace and are part of the checked
 * text. So checking the written text checks every request rendered from it.
 */
import type { UnlocatedIssue } from './issues.js';

/** RFC 9110 `token`: the characters of a method or a header name. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TOKEN_CHARACTERS = "letters, digits and !#$%&'*+-.^_`|~";

/** The parts of a request that reach the request line and header lines (written or resolved form). */
export interface WireRequest {
  method?: string | undefined;
  path: string;
  headers?: Readonly<Record<string, string | number>> | undefined;
}

/**
 * Headers the HTTP client owns because they frame the message or the connection. Written by a
 * scenario, the closed model's autocannon sent them as they were: `content-length: 0` with
 * `transfer-encoding: chunked` and a body holding `GET /SMUGGLED …` reaches a server or proxy that
 * trusts the other framing as two requests, and a second `host` or a `connection: upgrade` changes
 * who answers. undici (the open model) refuses most of them per request. Both models refuse them
 * alike, at load (and in the load engine's guard): the client computes them from the body and target.
 */
export const CLIENT_OWNED_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'proxy-connection',
  'expect',
]);

/** Every reason the request cannot be sent as written, with paths relative to the request. */
export function requestWireIssues(request: WireRequest): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  if (request.method !== undefined && !HTTP_TOKEN.test(request.method))
    issues.push({
      path: ['method'],
      message: `expected an HTTP method (${TOKEN_CHARACTERS}), found ${JSON.stringify(request.method)}`,
    });
  const path = pathProblem(request.path);
  if (path !== undefined) issues.push({ path: ['path'], message: path });
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!HTTP_TOKEN.test(name))
      issues.push({
        path: ['headers', name],
        at: 'key',
        message: `expected a header name (${TOKEN_CHARACTERS}), found ${JSON.stringify(name)}`,
      });
    else if (CLIENT_OWNED_HEADERS.has(name.toLowerCase()))
      issues.push({
        path: ['headers', name],
        at: 'key',
        message: `the load engine writes ${name} itself (it frames the request or the connection): leave it out`,
      });
    const problem = typeof value === 'string' ? headerValueProblem(value) : undefined;
    if (problem !== undefined) issues.push({ path: ['headers', name], message: problem });
  }
  return issues;
}

/**
 * A path (and query) may hold no control character (C0, DEL) anywhere and no space outside
 * `{{placeholders}}`: a space would end the request target early too. Returns why not, or undefined.
 */
export function pathProblem(path: string): string | undefined {
  const control = firstControl(path, false);
  // Spaces separate a placeholder's words; only the literal text around them reaches the wire.
  const space = path.replace(/\{\{[^{}]*\}\}/g, (placeholder) => '_'.repeat(placeholder.length)).indexOf(' ');
  const at = control === -1 ? space : space === -1 ? control : Math.min(control, space);
  if (at === -1) return undefined;
  return `a path cannot hold spaces or control characters, found ${characterName(path, at)} at character ${at + 1}; percent-encode it (${percentEncoded(path, at)})`;
}

/**
 * Why `ready.http` is not a plain path of the build's own origin, or undefined (control characters and
 * spaces are pathProblem's). URL rules read a leading `//` as another host and `\` like `/`, so
 * `//127.0.0.1:47002/x` joined to a deployed build's URL would probe a host and port the scenario chose.
 */
export function readyPathProblem(readyPath: string): string | undefined {
  if (!readyPath.startsWith('/')) return 'expected a path starting with /';
  if (readyPath.includes('\\')) return 'expected a path without \\ (percent-encode it as %5C)';
  const beforeQuery = readyPath.split(/[?#]/, 1)[0] ?? '';
  if (beforeQuery.includes('//'))
    return 'expected a path without // (a path starting with // names another host; the probe goes only to the build)';
  return undefined;
}

/** A header value may hold no control character but HTAB (RFC 9110 field-value). */
export function headerValueProblem(value: string): string | undefined {
  const at = firstControl(value, true);
  if (at === -1) return undefined;
  return `a header value cannot hold CR, LF, NUL or other control characters, found ${characterName(value, at)} at character ${at + 1}`;
}

/** Index of the first C0 control or DEL (HTAB allowed when `allowTab`), or -1. */
function firstControl(text: string, allowTab: boolean): number {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && !(allowTab && code === 0x09)) || code === 0x7f) return index;
  }
  return -1;
}

const NAMES: Readonly<Record<number, string>> = {
  0: 'NUL',
  9: 'TAB',
  10: 'LF (a line break)',
  13: 'CR',
  32: 'a space',
  127: 'DEL',
};

function characterName(text: string, at: number): string {
  const code = text.charCodeAt(at);
  return NAMES[code] ?? `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function percentEncoded(text: string, at: number): string {
  return `%${text.charCodeAt(at).toString(16).toUpperCase().padStart(2, '0')}`;
}
