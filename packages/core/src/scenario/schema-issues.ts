/**
 * Turns TypeBox validation errors into issues a person can act on: "expected a duration like 250ms,
 * 10s or 2m, found \"10 sec\"" rather than "Expected string to match pattern". Unions are explained
 * by the branch that matches the value's kind (an object written for `rate` gets the object's errors).
 */
import type { TSchema } from '@sinclair/typebox';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { describeFound } from '../units.js';
import type { UnlocatedIssue } from './issues.js';

/** All schema issues of a value, in document order of discovery. */
export function schemaIssues(schema: TSchema, value: unknown): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  for (const error of Value.Errors(schema, value)) issues.push(...issueFromError(error, value));
  return dedupe(issues);
}

const MISSING = 'required field is missing';

function issueFromError(error: ValueError, root: unknown): UnlocatedIssue[] {
  const path = pointerToPath(error.path, root);
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return [{ path, message: MISSING }];
    case ValueErrorType.ObjectAdditionalProperties:
      return [{ path, at: 'key', message: unknownFieldMessage(String(path.at(-1)), knownKeys(error.schema)) }];
    // compare.limits and compare.slo: named metrics plus `metric{name=…}` keys (scenario/schema.ts).
    case ValueErrorType.IntersectUnevaluatedProperties:
      return [
        {
          path,
          at: 'key',
          message: `${unknownFieldMessage(String(path.at(-1)), intersectKnownKeys(error.schema))}; or a metric with a request selector, e.g. latency.p99{name=checkout} (latency.p50/p90/p99/p999, error_rate)`,
        },
      ];
    // The members' own errors say what is wrong; "expected all values to match" adds nothing.
    case ValueErrorType.Intersect:
      return [];
    case ValueErrorType.ArrayMinItems:
      return [{ path, message: `expected ${atLeast(error.schema.minItems)}, found ${describeList(error.value)}` }];
    case ValueErrorType.Union:
      return unionIssues(error, path, root);
    default: {
      // `duration: 10` is 10 what? Units are never guessed; say so.
      const bare = typeof error.value === 'number' && typeof error.schema.pattern === 'string';
      const hint = bare ? ' (a bare number: add a unit)' : '';
      return [{ path, message: `${expectedPhrase(error.schema)}, found ${describeFound(error.value)}${hint}` }];
    }
  }
}

/** Explain a union through the single branch whose kind matches the value, else as a whole. */
function unionIssues(error: ValueError, path: UnlocatedIssue['path'], root: unknown): UnlocatedIssue[] {
  const variants: TSchema[] = error.schema.anyOf ?? [];
  const kind = valueKind(error.value);
  const matching = variants.flatMap((variant, index) => (schemaKinds(variant).includes(kind) ? [index] : []));
  const only = matching.length === 1 ? matching[0] : undefined;
  const allLiterals = variants.every((variant) => variant.const !== undefined);
  // Recurse into containers and numbers: an object written for `rate` is best explained by its own
  // fields and a number by its bounds, while a wrong string is best explained by the union's phrase
  // ("an HTTP status (100-599) or a class like 2xx").
  const explainsItself = ['object', 'array', 'number', 'integer'].includes(String(variants[only ?? -1]?.type));
  if (only !== undefined && explainsItself && !allLiterals) {
    const nested = error.errors[only];
    if (nested !== undefined) {
      const issues: UnlocatedIssue[] = [];
      for (const inner of nested) issues.push(...issueFromError(inner, root));
      if (issues.length > 0) return issues;
    }
  }
  return [{ path, message: `${expectedPhrase(error.schema)}, found ${describeFound(error.value)}` }];
}

/** "expected …" for a schema node: its errorMessage, or a phrase built from its type and bounds. */
export function expectedPhrase(schema: TSchema): string {
  if (typeof schema.errorMessage === 'string') return schema.errorMessage;
  if (schema.const !== undefined) return `expected ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.anyOf)) {
    const variants = schema.anyOf as TSchema[];
    if (variants.every((variant) => variant.const !== undefined))
      return `expected one of ${variants.map((variant) => String(variant.const)).join(', ')}`;
    return `expected ${variants.map((variant) => expectedPhrase(variant).replace(/^expected /, '')).join(' or ')}`;
  }
  switch (schema.type) {
    case 'string':
      return schema.minLength === 1 ? 'expected a non-empty string' : 'expected a string';
    case 'number':
      return `expected a number${bounds(schema)}`;
    case 'integer':
      return `expected a whole number${bounds(schema)}`;
    case 'boolean':
      return 'expected true or false';
    case 'array':
      return 'expected a list';
    case 'object':
      return 'expected a mapping';
    default:
      return 'expected a valid value';
  }
}

function bounds(schema: TSchema): string {
  const low =
    schema.exclusiveMinimum !== undefined
      ? `greater than ${schema.exclusiveMinimum}`
      : schema.minimum !== undefined
        ? `at least ${schema.minimum}`
        : undefined;
  const high =
    schema.exclusiveMaximum !== undefined
      ? `less than ${schema.exclusiveMaximum}`
      : schema.maximum !== undefined
        ? `at most ${schema.maximum}`
        : undefined;
  if (schema.minimum !== undefined && schema.maximum !== undefined)
    return ` from ${schema.minimum} to ${schema.maximum}`;
  if (low !== undefined && high !== undefined) return ` ${low} and ${high}`;
  if (low !== undefined) return ` ${low}`;
  if (high !== undefined) return ` ${high}`;
  return '';
}

/**
 * `unknown field "basline" (did you mean "baseline"?); known fields: …`: the scenario loader's
 * message for a field it does not know, also used by the HTTP API for request bodies.
 */
export function unknownFieldMessage(key: string, known: string[]): string {
  const suggestion = closest(key, known);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  const list = known.length === 0 ? '' : `; known fields: ${known.join(', ')}`;
  return `unknown field "${key}"${hint}${list}`;
}

function intersectKnownKeys(schema: TSchema): string[] {
  return ((schema.allOf as TSchema[] | undefined) ?? []).flatMap(knownKeys);
}

function knownKeys(schema: TSchema): string[] {
  return Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
}

/** The known key within edit distance 2 (or a case-insensitive match), if any. */
function closest(key: string, known: string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

type ValueKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null' | 'other';

function valueKind(value: unknown): ValueKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'object') return type;
  return 'other';
}

function schemaKinds(schema: TSchema): ValueKind[] {
  if (schema.const !== undefined) return [valueKind(schema.const)];
  if (schema.type === 'integer') return ['number'];
  if (typeof schema.type === 'string') return [schema.type as ValueKind];
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).flatMap(schemaKinds);
  return [];
}

function atLeast(count: number): string {
  return `a list with at least ${count} item${count === 1 ? '' : 's'}`;
}

function describeList(value: unknown): string {
  return Array.isArray(value) && value.length === 0 ? 'an empty list' : describeFound(value);
}

/**
 * TypeBox paths are JSON pointers: `/load/phases/1/rate` → ['load', 'phases', 1, 'rate']. A segment
 * is an index only where the value at that point is a list (a mapping may have a key "0").
 */
function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(key)) {
      path.push(Number(key));
      current = current[Number(key)];
    } else {
      path.push(key);
      current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

/** Drops repeats, and the type errors TypeBox adds for a field already reported missing. */
function dedupe(issues: UnlocatedIssue[]): UnlocatedIssue[] {
  const pathKey = (issue: UnlocatedIssue): string => JSON.stringify(issue.path);
  const missing = new Set(issues.filter((issue) => issue.message === MISSING).map(pathKey));
  const seen = new Set<string>();
  return issues.filter((issue) => {
    if (missing.has(pathKey(issue)) && issue.message !== MISSING) return false;
    const key = `${pathKey(issue)}|${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
