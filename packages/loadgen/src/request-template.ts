/**
 * Request templates: placeholder parsing, compilation and weighted-random rendering.
 * Templates are compiled once (in the main thread to fail early with a PeakgateError, see
 * request-guard.ts, and again in each worker, because functions cannot cross threads) and rendered
 * per request.
 * Placeholders: `{{int a b}}` (inclusive integer range), `{{uuid}}`, `{{pick a b c}}`.
 */
import { randomUUID } from 'node:crypto';
import type { HttpMethod, RequestTemplate } from '@peakgate/core';

type Part =
  | { kind: 'text'; text: string }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'uuid' }
  | { kind: 'pick'; options: string[] };

/** A compiled string: constant strings render without allocation. */
export type CompiledString = (() => string) & { constant: boolean };

export interface RenderedRequest {
  /** Index of the template in the mix (load.requests), so each outcome can be counted per name. */
  kind: number;
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** Parses one templated string; `where` names the field for error messages. */
export function parseTemplateString(source: string, where: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const index = match.index ?? 0;
    if (index > last) parts.push({ kind: 'text', text: source.slice(last, index) });
    parts.push(parsePlaceholder((match[1] ?? '').trim(), where));
    last = index + match[0].length;
  }
  if (last < source.length) parts.push({ kind: 'text', text: source.slice(last) });
  const rest = parts.filter((p): p is { kind: 'text'; text: string } => p.kind === 'text').map((p) => p.text);
  if (rest.some((text) => text.includes('{{') || text.includes('}}'))) {
    throw invalid(where, `unbalanced "{{" or "}}" in ${JSON.stringify(source)}`);
  }
  return parts;
}

function parsePlaceholder(inner: string, where: string): Part {
  const [name, ...args] = inner.split(/\s+/).filter((word) => word !== '');
  if (name === 'uuid') {
    if (args.length !== 0) throw invalid(where, `{{uuid}} takes no arguments, got "{{${inner}}}"`);
    return { kind: 'uuid' };
  }
  if (name === 'int') {
    const [a, b] = args.map(Number);
    if (
      args.length !== 2 ||
      a === undefined ||
      b === undefined ||
      !Number.isSafeInteger(a) ||
      !Number.isSafeInteger(b) ||
      a > b
    ) {
      throw invalid(where, `expected {{int MIN MAX}} with integers MIN <= MAX, got "{{${inner}}}"`);
    }
    return { kind: 'int', min: a, max: b };
  }
  if (name === 'pick') {
    if (args.length === 0) throw invalid(where, `{{pick}} needs at least one option, got "{{${inner}}}"`);
    return { kind: 'pick', options: args };
  }
  throw invalid(where, `unknown placeholder "{{${inner}}}" (expected int, uuid or pick)`);
}

/**
 * A template the engine cannot compile. Plain Error (not PeakgateError) so worker threads need not
 * load @peakgate/core; the main thread converts it (request-guard.ts).
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

function invalid(where: string, message: string): TemplateError {
  return new TemplateError(`${where}: ${message}`);
}

export function compileString(source: string, where: string): CompiledString {
  const parts = parseTemplateString(source, where);
  if (parts.every((p) => p.kind === 'text')) {
    return Object.assign(() => source, { constant: true });
  }
  const render = (): string => {
    let out = '';
    for (const part of parts) out += renderPart(part);
    return out;
  };
  return Object.assign(render, { constant: false });
}

function renderPart(part: Part): string {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'int':
      return String(part.min + Math.floor(Math.random() * (part.max - part.min + 1)));
    case 'uuid':
      return randomUUID();
    case 'pick':
      return part.options[Math.floor(Math.random() * part.options.length)] ?? '';
  }
}

/** Compiles a JSON value whose string leaves (not keys) are templates. */
function compileJson(value: unknown, where: string): { render: () => unknown; constant: boolean } {
  if (typeof value === 'string') {
    const render = compileString(value, where);
    return { render, constant: render.constant };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileJson(item, `${where}[${i}]`));
    if (items.every((item) => item.constant)) return { render: () => value, constant: true };
    return { render: () => items.map((item) => item.render()), constant: false };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => [key, compileJson(item, `${where}.${key}`)] as const);
    if (entries.every(([, item]) => item.constant)) return { render: () => value, constant: true };
    return {
      render: () => Object.fromEntries(entries.map(([key, item]) => [key, item.render()])),
      constant: false,
    };
  }
  return { render: () => value, constant: true };
}

export interface CompiledTemplate {
  weight: number;
  /** True when no placeholder appears anywhere: the request can be built once. */
  constant: boolean;
  render(): RenderedRequest;
}

/**
 * Compiles one template of a validated plan (weights, body vs json and the characters that reach the
 * wire were checked by the scenario rules; runLoad's request guard checks the wire again). Throws
 * TemplateError only for placeholders it cannot parse.
 */
export function compileTemplate(template: RequestTemplate, where: string, kind = 0): CompiledTemplate {
  const path = compileString(template.path, `${where}.path`);
  const headerEntries = Object.entries(template.headers ?? {}).map(
    ([name, value]) => [name, compileString(value, `${where}.headers.${name}`)] as const,
  );
  const hasContentType = headerEntries.some(([name]) => name.toLowerCase() === 'content-type');
  let body: { render: () => string | undefined; constant: boolean };
  if (template.json !== undefined) {
    const json = compileJson(template.json, `${where}.json`);
    const fixed = json.constant ? JSON.stringify(template.json) : '';
    body = { render: json.constant ? () => fixed : () => JSON.stringify(json.render()), constant: json.constant };
    if (!hasContentType)
      headerEntries.push(['content-type', Object.assign(() => 'application/json', { constant: true })]);
  } else if (template.body !== undefined) {
    const raw = compileString(template.body, `${where}.body`);
    body = { render: raw, constant: raw.constant };
  } else {
    body = { render: () => undefined, constant: true };
  }
  const constant = path.constant && body.constant && headerEntries.every(([, value]) => value.constant);
  const method = template.method;
  const render = (): RenderedRequest => {
    const headers: Record<string, string> = {};
    for (const [name, value] of headerEntries) headers[name] = value();
    return { kind, method, path: path(), headers, body: body.render() };
  };
  return { weight: template.weight, constant, render };
}

/** A weighted mix: `next()` picks a template with probability weight / total weight. */
export interface RequestMix {
  /** Set when the mix is one constant request (lets the closed model skip per-request building). */
  readonly fixed: RenderedRequest | undefined;
  next(): RenderedRequest;
}

export function compileRequestMix(templates: readonly RequestTemplate[], where = 'load.requests'): RequestMix {
  // Cannot happen for a plan from the scenario loader (minItems: 1); a mix of nothing has nothing to send.
  if (templates.length === 0) throw invalid(where, 'expected at least one request');
  const compiled = templates.map((t, i) => compileTemplate(t, `${where}[${i}]`, i));
  const only = compiled.length === 1 ? compiled[0] : undefined;
  if (only !== undefined) {
    const fixed = only.constant ? only.render() : undefined;
    return { fixed, next: fixed ? () => fixed : () => only.render() };
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const t of compiled) {
    total += t.weight;
    cumulative.push(total);
  }
  return {
    fixed: undefined,
    next: () => {
      const x = Math.random() * total;
      // Mixes are short (a handful of entries): a linear scan beats a binary search here.
      for (let i = 0; i < cumulative.length; i++) {
        if (x < (cumulative[i] ?? total)) return (compiled[i] as CompiledTemplate).render();
      }
      return (compiled[compiled.length - 1] as CompiledTemplate).render();
    },
  };
}
