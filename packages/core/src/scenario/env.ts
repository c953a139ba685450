/**
 * The one door through which a scenario's `{{env NAME}}` placeholders read the environment.
 *
 * A scenario may come from the pull request under test, so it must not choose which variables of
 * the runner (or of `peakgate serve`) it reads: only the variables the person running peakgate
 * hands in with `--env NAME` are readable. The door is opened once per process ({@link openEnvDoor},
 * by the CLI from its `--env` flags): it copies those variables' values then, registers them with
 * the masker (secret-mask.ts) so they are shown as `***` everywhere, and nothing else in peakgate
 * reads the environment for a scenario.
 *
 * No existence oracle: a name that was not handed in is refused before any environment is looked
 * at, with the same message whether the variable exists or not. A handed-in name that is unset
 * gets its own error; the person named it, so saying it is unset tells them nothing new.
 */
import { PeakgateError } from '../errors.js';
import type { RequestTemplate } from '../load-plan.js';
import { registerSecretValues } from '../secret-mask.js';
import { type FieldPath, formatFieldPath } from './issues.js';
import { parsePlaceholders } from './placeholders.js';

/** Where a scenario reads a variable: the name and the field (`load.requests[0].headers.Authorization`). */
export interface EnvUse {
  name: string;
  field: string;
}

interface Door {
  /** Names handed in, in the order given. */
  names: readonly string[];
  /** Their values when the door was opened; a name without a value was unset. */
  values: ReadonlyMap<string, string>;
}

let door: Door = { names: [], values: new Map() };

/** The flag that hands a variable in, for messages. */
export function envFlagHint(name: string): string {
  return `--env ${name}`;
}

/**
 * Hands variables in: copies each named variable's value from `source` (the process environment)
 * and registers it to be masked. Called once per process, before any scenario runs; a later call
 * adds names. Throws PG_ERR_OPTS_INVALID for a name that is not a variable name.
 */
export function openEnvDoor(names: readonly string[], source: Readonly<Record<string, string | undefined>>): void {
  const values = new Map(door.values);
  const all = [...door.names];
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `--env ${JSON.stringify(name)}: expected an environment variable name (letters, digits and _, not starting with a digit)`,
      );
    if (!all.includes(name)) all.push(name);
    const value = source[name];
    if (value !== undefined) values.set(name, value);
  }
  door = { names: all, values };
  registerSecretValues(values.values());
}

/** Closes the door again (tests). Does not forget masked values: what was shown masked stays masked. */
export function closeEnvDoor(): void {
  door = { names: [], values: new Map() };
}

/** The names handed in with `--env`. */
export function handedInEnvNames(): readonly string[] {
  return door.names;
}

/** Every `{{env NAME}}` in the requests, with the field it is in, in scenario order. */
export function envUses(requests: readonly RequestTemplate[], where = 'load.requests'): EnvUse[] {
  const uses: EnvUse[] = [];
  const visit = (text: string, path: FieldPath): void => {
    let parts: ReturnType<typeof parsePlaceholders>;
    try {
      parts = parsePlaceholders(text);
    } catch {
      // The scenario rules report placeholders that do not parse; nothing is read from them.
      return;
    }
    for (const part of parts) if (part.kind === 'env') uses.push({ name: part.name, field: formatFieldPath(path) });
  };
  const leaves = (value: unknown, path: FieldPath): void => {
    if (typeof value === 'string') visit(value, path);
    else if (Array.isArray(value)) for (const [index, item] of value.entries()) leaves(item, [...path, index]);
    else if (value !== null && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) leaves(item, [...path, key]);
  };
  for (const [index, request] of requests.entries()) {
    const base: FieldPath = [...where.split('.'), index];
    visit(request.path, [...base, 'path']);
    for (const [name, value] of Object.entries(request.headers ?? {})) visit(value, [...base, 'headers', name]);
    if (request.body !== undefined) visit(request.body, [...base, 'body']);
    if (request.json !== undefined) leaves(request.json, [...base, 'json']);
  }
  return uses;
}

/** Each name once, at the first field that reads it, in scenario order. */
function firstUses(uses: readonly EnvUse[]): EnvUse[] {
  const first = new Map<string, EnvUse>();
  for (const use of uses) if (!first.has(use.name)) first.set(use.name, use);
  return [...first.values()];
}

/** One error naming every variable not handed in, so one rerun with all the flags works. */
function notAllowed(refused: readonly EnvUse[]): PeakgateError {
  const flags = refused.map((use) => envFlagHint(use.name)).join(' ');
  const [only] = refused;
  const what =
    refused.length === 1 && only !== undefined
      ? `${only.field}: {{env ${only.name}}} reads ${only.name}, which was not handed in`
      : `the scenario reads ${refused.length} variables that were not handed in: ${refused.map((use) => `{{env ${use.name}}} in ${use.field}`).join(', ')}`;
  return new PeakgateError(
    'PG_ERR_SCENARIO_ENV_NOT_ALLOWED',
    `${what}; a scenario reads only the variables given with --env, so run with ${flags} to allow ${refused.length === 1 ? 'it' : 'them'}`,
  );
}

/**
 * Refuses every variable the requests read that was not handed in, all named in one error. Never
 * looks at the environment, so the answer is the same whether each variable exists or not. For
 * `validate`.
 */
export function assertEnvAllowed(requests: readonly RequestTemplate[]): void {
  const refused = firstUses(envUses(requests).filter((use) => !door.names.includes(use.name)));
  if (refused.length > 0) throw notAllowed(refused);
}

/**
 * The values of the variables the requests read: refuses any not handed in (before looking at
 * any value), then any handed in but unset. What the load engine sends `{{env NAME}}` as.
 */
export function handedInEnvValues(requests: readonly RequestTemplate[]): Record<string, string> {
  assertEnvAllowed(requests);
  const values: Record<string, string> = {};
  const unset: EnvUse[] = [];
  for (const use of firstUses(envUses(requests))) {
    const value = door.values.get(use.name);
    if (value === undefined) unset.push(use);
    else values[use.name] = value;
  }
  const [only] = unset;
  if (unset.length === 1 && only !== undefined)
    throw new PeakgateError(
      'PG_ERR_SCENARIO_ENV_UNSET',
      `${only.field}: {{env ${only.name}}} reads ${only.name}, which was handed in with ${envFlagHint(only.name)} but is not set in peakgate's environment`,
    );
  if (unset.length > 1)
    throw new PeakgateError(
      'PG_ERR_SCENARIO_ENV_UNSET',
      `the scenario reads ${unset.length} variables that were handed in with --env but are not set in peakgate's environment: ${unset.map((use) => `{{env ${use.name}}} in ${use.field}`).join(', ')}`,
    );
  return values;
}
