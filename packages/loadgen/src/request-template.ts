/**
 * Request templates: placeholder parsing, compilation and weighted-random rendering.
 * Templates are compiled once (in the main thread to fail early with a PeakgateError, see
 * request-guard.ts, and again in each worker, because functions cannot cross threads) and rendered
 * per request. Every random draw (the weighted choice, `{{int}}`, `{{pick}}`, `{{uuid}}`) comes from
 * the SeededStream handed to the render, so two renders from equally keyed streams are identical
 * (common random numbers, seeded-stream.ts).
 * Placeholders: `{{int a b}}` (inclusive integer range), `{{uuid}}`, `{{pick a b c}}`, and `{{env NAME}}`
 * (a variable handed in with `--env NAME`, taken once in the main thread from core's door when the
 * run starts and handed to the workers in the task: the value is constant for the run).
 *
 * Unlike the other placeholders, an env value is not part of the checked scenario text, so it could
 * bring back a CR or LF: compiling checks it against the field it lands in (no control character or
 * space in a path; no control character but TAB in a header value; anything in a body).
 */
import { randomInt } from 'node:crypto';
import type { HttpMethod, RequestTemplate } from '@peakgate/core';
import { MAX_SEED, SeededStream } from './seeded-stream.js';

type Part =
  | { kind: 'text'; text: string }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'uuid' }
  | { kind: 'pick'; options: string[] }
  | { kind: 'env'; name: string };

/** Where a templated string lands: decides which characters an `{{env NAME}}` value may hold. */
export type TemplateField = 'path' | 'header' | 'body';

/** Values of the environment variables that `{{env NAME}}` placeholders name. */
export type EnvValues = Readonly<Record<string, string>>;

/** A compiled string: constant strings render without allocation. */
export type CompiledString = ((random?: SeededStream) => string) & { constant: boolean };

/**
 * The stream a render draws from when its caller names none (tests, one-off renders): seeded once
 * per thread from the system's generator, so such renders are not reproducible, like before.
 */
const unkeyed = new SeededStream(randomInt(MAX_SEED + 1), 0, 0);

export interface RenderedRequest {
  /** Index of the template in the mix (load.requests), so each outcome can be counted per name. */
  kind: number;
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
  if (name === 'env') {
    const [variable] = args;
    if (args.length !== 1 || variable === undefined || !ENV_NAME.test(variable))
      throw invalid(where, `expected {{env NAME}} with one environment variable name, got "{{${inner}}}"`);
    return { kind: 'env', name: variable };
  }
  throw invalid(where, `unknown placeholder "{{${inner}}}" (expected int, uuid, pick or env)`);
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

export function compileString(
  source: string,
  where: string,
  field: TemplateField = 'body',
  env: EnvValues = {},
): CompiledString {
  const parts = parseTemplateString(source, where).map((part): Part => {
    if (part.kind !== 'env') return part;
    const value = env[part.name];
    // Not "is not set": the engine never looks at the environment, it is given the handed-in values.
    if (value === undefined)
      throw invalid(
        where,
        `{{env ${part.name}}}: no value was handed in for ${part.name} (run with --env ${part.name})`,
      );
    const problem = envValueProblem(value, field);
    if (problem !== undefined) throw invalid(where, `{{env ${part.name}}}: the value of ${part.name} ${problem}`);
    return { kind: 'text', text: value };
  });
  if (parts.every((p) => p.kind === 'text')) {
    const text = parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
    return Object.assign(() => text, { constant: true });
  }
  const render = (random: SeededStream = unkeyed): string => {
    let out = '';
    for (const part of parts) out += renderPart(part, random);
    return out;
  };
  return Object.assign(render, { constant: false });
}

function renderPart(part: Part, random: SeededStream): string {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'int':
      return String(part.min + random.below(part.max - part.min + 1));
    case 'uuid':
      return seededUuid(random);
    case 'pick':
      return part.options[random.below(part.options.length)] ?? '';
    case 'env':
      // compileString replaced every env part by its value.
      return '';
  }
}

/** A version 4 UUID from 122 bits of the stream (RFC 9562: version 4, variant 10). */
function seededUuid(random: SeededStream): string {
  const hex = (value: number): string => (value >>> 0).toString(16).padStart(8, '0');
  const a = hex(random.uint32());
  const b = hex((random.uint32() & 0xffff0fff) | 0x00004000);
  const c = hex((random.uint32() & 0x3fffffff) | 0x80000000);
  const d = hex(random.uint32());
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/** Why an env value cannot go where it is used, or undefined. Bodies take any text (their length is sent). */
function envValueProblem(value: string, field: TemplateField): string | undefined {
  if (field === 'body') return undefined;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    const control = (code < 0x20 && !(field === 'header' && code === 0x09)) || code === 0x7f;
    if (control || (field === 'path' && code === 0x20))
      return `holds ${code === 0x20 ? 'a space' : `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`} at character ${index + 1}, which cannot go into a ${field === 'path' ? 'request path' : 'header value'}`;
  }
  return undefined;
}

/** Names of the environment variables a plan's templates read with `{{env NAME}}`. */
export function envNamesIn(templates: readonly RequestTemplate[]): string[] {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(PLACEHOLDER)) {
        const [name, variable, ...rest] = (match[1] ?? '').trim().split(/\s+/);
        if (name === 'env' && variable !== undefined && rest.length === 0) names.add(variable);
      }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  for (const template of templates) visit([template.path, template.headers, template.body, template.json]);
  return [...names].sort();
}

/**
 * The values of the variables the templates name, from `source`; missing ones are left out. Never
 * the process environment by default: a run's values come only through core's door
 * (handedInEnvValues: the variables handed in with --env).
 */
export function envValuesFor(
  templates: readonly RequestTemplate[],
  source: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of envNamesIn(templates)) {
    const value = source[name];
    if (value !== undefined) values[name] = value;
  }
  return values;
}

/** Compiles a JSON value whose string leaves (not keys) are templates. */
function compileJson(
  value: unknown,
  where: string,
  env: EnvValues,
): { render: (random?: SeededStream) => unknown; constant: boolean } {
  if (typeof value === 'string') {
    const render = compileString(value, where, 'body', env);
    return { render, constant: render.constant };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileJson(item, `${where}[${i}]`, env));
    // Constant leaves may still differ from the written value ({{env NAME}} filled in): render once.
    if (items.every((item) => item.constant)) {
      const fixed = items.map((item) => item.render());
      return { render: () => fixed, constant: true };
    }
    return { render: (random?: SeededStream) => items.map((item) => item.render(random)), constant: false };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, compileJson(item, `${where}.${key}`, env)] as const,
    );
    if (entries.every(([, item]) => item.constant)) {
      const fixed = Object.fromEntries(entries.map(([key, item]) => [key, item.render()]));
      return { render: () => fixed, constant: true };
    }
    return {
      render: (random?: SeededStream) => Object.fromEntries(entries.map(([key, item]) => [key, item.render(random)])),
      constant: false,
    };
  }
  return { render: () => value, constant: true };
}

export interface CompiledTemplate {
  weight: number;
  /** True when no placeholder appears anywhere: the request can be built once. */
  constant: boolean;
  render(random?: SeededStream): RenderedRequest;
}

/**
 * Compiles one template of a validated plan (weights, body vs json and the characters that reach the
 * wire were checked by the scenario rules; runLoad's request guard checks the wire again). Throws
 * TemplateError only for placeholders it cannot parse.
 */
export function compileTemplate(
  template: RequestTemplate,
  where: string,
  kind = 0,
  env: EnvValues = {},
): CompiledTemplate {
  const path = compileString(template.path, `${where}.path`, 'path', env);
  const headerEntries = Object.entries(template.headers ?? {}).map(
    ([name, value]) => [name, compileString(value, `${where}.headers.${name}`, 'header', env)] as const,
  );
  const hasContentType = headerEntries.some(([name]) => name.toLowerCase() === 'content-type');
  let body: { render: (random?: SeededStream) => string | undefined; constant: boolean };
  if (template.json !== undefined) {
    const json = compileJson(template.json, `${where}.json`, env);
    const fixed = json.constant ? JSON.stringify(json.render()) : '';
    body = {
      render: json.constant ? () => fixed : (random?: SeededStream) => JSON.stringify(json.render(random)),
      constant: json.constant,
    };
    if (!hasContentType)
      headerEntries.push(['content-type', Object.assign(() => 'application/json', { constant: true })]);
  } else if (template.body !== undefined) {
    const raw = compileString(template.body, `${where}.body`, 'body', env);
    body = { render: raw, constant: raw.constant };
  } else {
    body = { render: () => undefined, constant: true };
  }
  const constant = path.constant && body.constant && headerEntries.every(([, value]) => value.constant);
  const method = template.method;
  // Draw order is fixed (headers in written order, then path, then body), so equal streams render equal requests.
  const render = (random: SeededStream = unkeyed): RenderedRequest => {
    const headers: Record<string, string> = {};
    for (const [name, value] of headerEntries) headers[name] = value(random);
    return { kind, method, path: path(random), headers, body: body.render(random) };
  };
  return { weight: template.weight, constant, render };
}

/**
 * A weighted mix: `next(random)` picks a template with probability weight / total weight, drawing
 * the choice and then the template's values from `random`.
 */
export interface RequestMix {
  /** Set when the mix is one constant request (lets the closed model skip per-request building). */
  readonly fixed: RenderedRequest | undefined;
  next(random?: SeededStream): RenderedRequest;
  /** Renders template `index` (a timeline names the template of each arrival). */
  at(index: number, random?: SeededStream): RenderedRequest;
}

export function compileRequestMix(
  templates: readonly RequestTemplate[],
  where = 'load.requests',
  env: EnvValues = {},
): RequestMix {
  // Cannot happen for a plan from the scenario loader (minItems: 1); a mix of nothing has nothing to send.
  if (templates.length === 0) throw invalid(where, 'expected at least one request');
  const compiled = templates.map((t, i) => compileTemplate(t, `${where}[${i}]`, i, env));
  const at = (index: number, random?: SeededStream): RenderedRequest =>
    (compiled[index] ?? (compiled[compiled.length - 1] as CompiledTemplate)).render(random);
  const only = compiled.length === 1 ? compiled[0] : undefined;
  if (only !== undefined) {
    const fixed = only.constant ? only.render() : undefined;
    const render = (random?: SeededStream): RenderedRequest => only.render(random);
    return { fixed, next: fixed ? () => fixed : render, at: fixed ? () => fixed : (_index, random) => render(random) };
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const t of compiled) {
    total += t.weight;
    cumulative.push(total);
  }
  return {
    fixed: undefined,
    at,
    next: (random: SeededStream = unkeyed) => {
      const x = random.float() * total;
      // Mixes are short (a handful of entries): a linear scan beats a binary search here.
      for (let i = 0; i < cumulative.length; i++) {
        if (x < (cumulative[i] ?? total)) return (compiled[i] as CompiledTemplate).render(random);
      }
      return (compiled[compiled.length - 1] as CompiledTemplate).render(random);
    },
  };
}
