/**
 * Cross-field rules the JSON Schema cannot say well, as small named functions. Each rule looks at a
 * part of the written document only once that part matches its schema (unknown fields aside), so rules
 * run even when other parts have errors and the user sees nearly every problem in one pass.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CommandLineError, splitCommandLine } from '../command-line.js';
import { compileLogPattern } from '../log-pattern.js';
import { parseDependencySelector, parseMetricSelector } from '../metric-selector.js';
import { requestNames } from '../request-name.js';
import { CHANGE_EXPECTED, DURATION_PATTERN, describeFound, parseChange, parseDuration } from '../units.js';
import type { FieldPath, UnlocatedIssue } from './issues.js';
import { PlaceholderError, parsePlaceholders } from './placeholders.js';
import { pathProblem, readyPathProblem, requestWireIssues } from './request-wire-issues.js';
import {
  type ScenarioFileBuild,
  type ScenarioFileCompare,
  type ScenarioFileDependency,
  type ScenarioFilePhase,
  type ScenarioFileRequest,
  type ScenarioFileService,
  type ScenarioFileWarmup,
  scenarioParts,
} from './schema.js';

const DURATION = new RegExp(DURATION_PATTERN);

type Rule<T> = (value: T, path: FieldPath) => UnlocatedIssue[];

/** Every rule issue of a written document (which may be partly invalid). */
export function ruleIssues(written: unknown): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const root = asRecord(written);
  if (root === undefined) return issues;
  const apply = <T>(schema: TSchema, value: unknown, path: FieldPath, rules: Rule<T>[]): void => {
    if (value === undefined) return;
    // Unknown fields are already reported; without them the part may still be checkable.
    let known: unknown;
    try {
      known = Value.Clean(schema, structuredClone(value));
      if (!Value.Check(schema, known)) return;
    } catch {
      // TypeBox's Clean and Check throw on some shapes the schema rejects (an array or null where
      // an intersect of records is expected: "Cannot delete property 'length'", "Cannot convert
      // null to object"); the schema errors already say what is wrong there, so the rules skip
      // the part rather than crash the loader.
      return;
    }
    for (const rule of rules) issues.push(...rule(known as T, path));
  };

  const load = asRecord(root.load);
  if (load !== undefined) {
    apply<ScenarioFileWarmup>(
      scenarioParts.warmup,
      load.warmup,
      ['load', 'warmup'],
      [exactlyOneLoadModel, maxConnectionsOnlyWithRate, positiveDuration],
    );
    if (Array.isArray(load.phases)) {
      load.phases.forEach((phase, index) => {
        apply<ScenarioFilePhase>(
          scenarioParts.phase,
          phase,
          ['load', 'phases', index],
          [exactlyOneLoadModel, maxConnectionsOnlyWithRate, positiveDuration],
        );
      });
      issues.push(...uniquePhaseNames(load.phases, ['load', 'phases']));
    }
    if (Array.isArray(load.requests)) issues.push(...uniqueRequestNames(load.requests, ['load', 'requests']));
    if (Array.isArray(load.requests)) {
      load.requests.forEach((request, index) => {
        apply<ScenarioFileRequest>(
          scenarioParts.request,
          request,
          ['load', 'requests', index],
          [bodyOrJson, wireSafeRequest, validPlaceholders],
        );
      });
    }
    issues.push(...phasesOrTimeline(load));
    if (typeof load.timeout === 'string' && DURATION.test(load.timeout))
      issues.push(...durationAboveZero(load.timeout, ['load', 'timeout']));
  }
  apply<ScenarioFileService>(
    scenarioParts.service,
    root.service,
    ['service'],
    [exactlyOneReadiness, positiveReadyTimeout, wireSafeReadyPath, readyLogIsRegex, commandSplits, serviceEnvNames],
  );
  const dependencies = asRecord(asRecord(root.service)?.dependencies);
  for (const [name, dependency] of Object.entries(dependencies ?? {})) {
    apply<ScenarioFileDependency>(
      scenarioParts.dependency,
      dependency,
      ['service', 'dependencies', name],
      [dependencyImageOrCommand, dependencyPortWithImage, dependencyReadiness],
    );
  }
  for (const role of ['baseline', 'candidate'] as const) {
    apply<ScenarioFileBuild>(
      scenarioParts.build,
      root[role],
      [role],
      [imageOrCommand, cwdAndEnvNeedCommand, buildEnvNames],
    );
  }
  issues.push(...sameBuildKind(root.baseline, root.candidate));
  apply<ScenarioFileCompare>(
    scenarioParts.compare,
    root.compare,
    ['compare'],
    [roundsInOrder, budgetInRange, limitDirections, finiteLimits],
  );
  issues.push(...selectorsNameRequests(root.compare, load?.requests));
  issues.push(...selectorsNameDependencies(root.compare, asRecord(root.service)?.dependencies));
  return issues;
}

// ---------------------------------------------------------------------------------------------
// load

/** A phase is open (rate) or closed (connections): exactly one. */
export const exactlyOneLoadModel: Rule<ScenarioFilePhase | ScenarioFileWarmup> = (phase, path) => {
  if (phase.rate !== undefined && phase.connections !== undefined)
    return [
      {
        path: [...path, 'connections'],
        at: 'key',
        message: 'rate and connections exclude each other: rate is the open model, connections the closed model',
      },
    ];
  if (phase.rate === undefined && phase.connections === undefined)
    return [{ path, message: 'expected one of rate (requests per second) or connections, found neither' }];
  return [];
};

export const maxConnectionsOnlyWithRate: Rule<ScenarioFilePhase | ScenarioFileWarmup> = (phase, path) =>
  phase.max_connections !== undefined && phase.rate === undefined
    ? [
        {
          path: [...path, 'max_connections'],
          at: 'key',
          message: 'max_connections applies to the open model (rate); with connections it has no effect',
        },
      ]
    : [];

export const positiveDuration: Rule<{ duration: string }> = (phase, path) =>
  durationAboveZero(phase.duration, [...path, 'duration']);

/** A zero duration passes the pattern (`0s`) but means nothing for a phase or a timeout. */
export function durationAboveZero(written: string, path: FieldPath): UnlocatedIssue[] {
  return parseDuration(written) > 0
    ? []
    : [{ path, message: `expected a duration greater than 0, found ${JSON.stringify(written)}` }];
}

/** The measured load is phases or a timeline (replayed as one phase): exactly one. */
export function phasesOrTimeline(load: Record<string, unknown>): UnlocatedIssue[] {
  if (load.phases !== undefined && load.timeline !== undefined)
    return [
      {
        path: ['load', 'timeline'],
        at: 'key',
        message: 'phases and timeline exclude each other: a timeline replays its own arrival times',
      },
    ];
  if (load.phases === undefined && load.timeline === undefined)
    return [{ path: ['load', 'phases'], message: 'required field is missing (or load.timeline instead)' }];
  return [];
}

/** Phase names key the per-phase results, so they must be unique (unnamed phases get phase-N). */
export function uniquePhaseNames(phases: unknown[], path: FieldPath): UnlocatedIssue[] {
  return uniqueNames('phase', phases, path);
}

/** Request names key the per-name results and the metric selectors, so written names must be unique. */
export function uniqueRequestNames(requests: unknown[], path: FieldPath): UnlocatedIssue[] {
  return uniqueNames('request', requests, path);
}

/** Every written `name` of a list of entries once; a repeat names the entry that used it first. */
function uniqueNames(what: string, entries: unknown[], path: FieldPath): UnlocatedIssue[] {
  const seen = new Map<string, number>();
  const issues: UnlocatedIssue[] = [];
  entries.forEach((entry, index) => {
    const name = asRecord(entry)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else
      issues.push({
        path: [...path, index, 'name'],
        message: `${what} name "${name}" is already used by ${formatIndex(path, first)}`,
      });
  });
  return issues;
}

/**
 * A selector (`latency.p99{name=checkout}`) must name a request of the mix: a typo would otherwise
 * judge nothing and pass. Checked only when every request has a usable path (its default name needs it).
 */
export function selectorsNameRequests(compare: unknown, requests: unknown): UnlocatedIssue[] {
  const written = asRecord(compare);
  if (written === undefined || !Array.isArray(requests)) return [];
  const parts = requests.map(asRecord);
  if (parts.some((part) => part === undefined || typeof part.path !== 'string')) return [];
  const names = requestNames(
    (parts as Record<string, unknown>[]).map((part) => ({
      path: part.path as string,
      ...(typeof part.name === 'string' ? { name: part.name } : {}),
      ...(typeof part.method === 'string' ? { method: part.method as ScenarioFileRequest['method'] } : {}),
    })),
  );
  const known = new Set(names);
  const issues: UnlocatedIssue[] = [];
  for (const section of ['limits', 'slo'] as const) {
    for (const key of Object.keys(asRecord(written[section]) ?? {})) {
      const selector = parseMetricSelector(key);
      if (selector === undefined || known.has(selector.name)) continue;
      issues.push({
        path: ['compare', section, key],
        at: 'key',
        message: `no request is named "${selector.name}"; request names: ${names.map((name) => JSON.stringify(name)).join(', ')}`,
      });
    }
  }
  return issues;
}

/**
 * A dependency selector (`cpu.per_request{dependency=db}`) must name a key of service.dependencies:
 * a typo would judge nothing and pass.
 */
export function selectorsNameDependencies(compare: unknown, dependencies: unknown): UnlocatedIssue[] {
  const names = Object.keys(asRecord(dependencies) ?? {});
  const issues: UnlocatedIssue[] = [];
  for (const key of Object.keys(asRecord(asRecord(compare)?.limits) ?? {})) {
    const dependency = parseDependencySelector(key);
    if (dependency === undefined || names.includes(dependency)) continue;
    issues.push({
      path: ['compare', 'limits', key],
      at: 'key',
      message:
        names.length === 0
          ? `no dependency is named "${dependency}": service.dependencies is empty`
          : `no dependency is named "${dependency}"; dependencies: ${names.map((name) => JSON.stringify(name)).join(', ')}`,
    });
  }
  return issues;
}

/**
 * Method, path and headers reach the request line and header lines as written: a CR or LF there
 * would end a line early and let the rest become an injected header or a smuggled second request.
 * Header names must also be HTTP tokens (the HTTP client would otherwise fail mid-run).
 */
export const wireSafeRequest: Rule<ScenarioFileRequest> = (request, path) =>
  requestWireIssues(request).map((issue) => ({ ...issue, path: [...path, ...issue.path] }));

export const bodyOrJson: Rule<ScenarioFileRequest> = (request, path) =>
  request.body !== undefined && request.json !== undefined
    ? [{ path: [...path, 'json'], at: 'key', message: 'body and json exclude each other: write one of them' }]
    : [];

/** Placeholders in path, header values, body and json string leaves must parse: the load engine trusts them. */
export const validPlaceholders: Rule<ScenarioFileRequest> = (request, path) => {
  const issues: UnlocatedIssue[] = [];
  const check = (text: string, at: FieldPath): void => {
    try {
      parsePlaceholders(text);
    } catch (error) {
      if (!(error instanceof PlaceholderError)) throw error;
      issues.push({ path: at, message: error.message });
    }
  };
  check(request.path, [...path, 'path']);
  for (const [name, value] of Object.entries(request.headers ?? {}))
    if (typeof value === 'string') check(value, [...path, 'headers', name]);
  if (request.body !== undefined) check(request.body, [...path, 'body']);
  if (request.json !== undefined) forEachString(request.json, [...path, 'json'], check);
  return issues;
};

function forEachString(value: unknown, path: FieldPath, visit: (text: string, path: FieldPath) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) forEachString(item, [...path, index], visit);
  } else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) forEachString(item, [...path, key], visit);
}

// ---------------------------------------------------------------------------------------------
// service and builds

/**
 * Environment names: a letter or `_`, then letters, digits, `_`, `.` or `-`. The OS cannot pass a
 * name holding "=" or NUL (`X=1` would set X), and a line break or other control character in a name
 * is never meant; the pattern keeps out all of them.
 */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function validEnvNames(env: Record<string, unknown> | undefined, path: FieldPath): UnlocatedIssue[] {
  return Object.keys(env ?? {})
    .filter((name) => !ENV_NAME.test(name))
    .map((name) => ({
      path: [...path, name],
      at: 'key' as const,
      message: `expected an environment variable name (a letter or _, then letters, digits, _, . or -), found ${JSON.stringify(name)}`,
    }));
}

const serviceEnvNames: Rule<ScenarioFileService> = (service, path) => validEnvNames(service.env, [...path, 'env']);
const buildEnvNames: Rule<ScenarioFileBuild> = (build, path) => validEnvNames(build.env, [...path, 'env']);

export const positiveReadyTimeout: Rule<ScenarioFileService> = (service, path) =>
  service.ready?.timeout === undefined ? [] : durationAboveZero(service.ready.timeout, [...path, 'ready', 'timeout']);

/**
 * The readiness probe sends GET on `ready.http`: the same characters are refused as in a request path,
 * and it must stay a path of the build's own origin. A deployed build's probe URL is the origin joined
 * with this path; `//host:port/x` or `/\host:port/x` would otherwise read as another host (URL rules
 * treat a leading `//`, and `\` like `/`), sending the probe wherever the scenario chose.
 */
export const wireSafeReadyPath: Rule<ScenarioFileService> = (service, path) => {
  const http = service.ready?.http;
  const problem = http === undefined ? undefined : (pathProblem(http) ?? readyPathProblem(http));
  return problem === undefined ? [] : [{ path: [...path, 'ready', 'http'], message: problem }];
};

export const exactlyOneReadiness: Rule<ScenarioFileService> = (service, path) => {
  const ready = service.ready;
  if (ready === undefined) return [];
  const kinds = (['http', 'tcp', 'log'] as const).filter((kind) => ready[kind] !== undefined);
  if (kinds.length === 1) return [];
  return [
    {
      path: [...path, 'ready'],
      message:
        kinds.length === 0
          ? 'expected one of http, tcp or log, found none'
          : `expected one of http, tcp or log, found ${kinds.join(' and ')}`,
    },
  ];
};

/** ready.log runs on RE2 (log-pattern.ts): what RE2 refuses (lookaround, backreferences) is refused here. */
export const readyLogIsRegex: Rule<ScenarioFileService> = (service, path) => {
  const pattern = service.ready?.log;
  if (pattern === undefined) return [];
  const compiled = compileLogPattern(pattern);
  if (!('problem' in compiled)) return [];
  return [
    {
      path: [...path, 'ready', 'log'],
      message: `expected a regular expression in RE2 syntax (no lookaround or backreferences): ${compiled.problem}`,
    },
  ];
};

export const commandSplits: Rule<ScenarioFileService> = (service, path) => {
  if (typeof service.command !== 'string') return [];
  try {
    splitCommandLine(service.command);
    return [];
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    return [{ path: [...path, 'command'], message: error.message }];
  }
};

export const imageOrCommand: Rule<ScenarioFileBuild> = (build, path) => {
  if (build.image !== undefined && build.command !== undefined)
    return [
      {
        path: [...path, 'command'],
        at: 'key',
        message: 'image and command exclude each other: image is for the docker driver, command for the process driver',
      },
    ];
  if (build.image === undefined && build.command === undefined)
    return [{ path, message: 'expected { image } or { command, cwd, env }, found neither image nor command' }];
  return [];
};

export const cwdAndEnvNeedCommand: Rule<ScenarioFileBuild> = (build, path) => {
  if (build.command !== undefined || build.image === undefined) return [];
  return (['cwd', 'env'] as const)
    .filter((key) => build[key] !== undefined)
    .map((key) => ({
      path: [...path, key],
      at: 'key' as const,
      message: `${key} applies to a command build; with image, set environment in service.env`,
    }));
};

// ---------------------------------------------------------------------------------------------
// dependencies

const dependencyImageOrCommand: Rule<ScenarioFileDependency> = (dependency, path) => [
  ...imageOrCommand(dependency, path),
  ...validEnvNames(dependency.env, [...path, 'env']),
  ...(dependency.image !== undefined && dependency.cwd !== undefined
    ? [{ path: [...path, 'cwd'], at: 'key' as const, message: 'cwd applies to a command dependency' }]
    : []),
];

/** An image's port inside its container cannot be guessed; a command gets a free one in PORT. */
const dependencyPortWithImage: Rule<ScenarioFileDependency> = (dependency, path) =>
  dependency.image !== undefined && dependency.port === undefined
    ? [{ path, message: 'expected port (the port the dependency listens on inside its container)' }]
    : [];

const dependencyReadiness: Rule<ScenarioFileDependency> = (dependency, path) => {
  const asService = { ready: dependency.ready } as ScenarioFileService;
  return [
    ...exactlyOneReadiness(asService, path),
    ...positiveReadyTimeout(asService, path),
    ...wireSafeReadyPath(asService, path),
    ...readyLogIsRegex(asService, path),
  ];
};

/** One comparison runs on one driver, so both builds are images or both are commands. */
export function sameBuildKind(baseline: unknown, candidate: unknown): UnlocatedIssue[] {
  const kind = (build: unknown): 'image' | 'command' | undefined => {
    const record = asRecord(build);
    if (record === undefined) return undefined;
    if (typeof record.image === 'string' && record.command === undefined) return 'image';
    if (typeof record.command === 'string' && record.image === undefined) return 'command';
    return undefined;
  };
  const a = kind(baseline);
  const b = kind(candidate);
  if (a === undefined || b === undefined || a === b) return [];
  return [
    {
      path: ['candidate'],
      message: `baseline is ${a === 'image' ? 'an image' : 'a command'} but candidate is ${b === 'image' ? 'an image' : 'a command'}; both must use the same driver`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// compare

export const roundsInOrder: Rule<ScenarioFileCompare> = (compare, path) =>
  compare.max_rounds !== undefined && compare.max_rounds < (compare.rounds ?? 1)
    ? [
        {
          path: [...path, 'max_rounds'],
          message: `expected max_rounds at least rounds (${compare.rounds}), found ${compare.max_rounds}`,
        },
      ]
    : [];

/** Budget bounds: under 10 s no round fits; over 6 h is a soak test, not a gate. */
const BUDGET_MIN_MS = 10_000;
const BUDGET_MAX_MS = 6 * 3_600_000;

export const budgetInRange: Rule<ScenarioFileCompare> = (compare, path) => {
  if (compare.budget === undefined || !DURATION.test(compare.budget)) return [];
  const ms = parseDuration(compare.budget);
  return ms >= BUDGET_MIN_MS && ms <= BUDGET_MAX_MS
    ? []
    : [
        {
          path: [...path, 'budget'],
          message: `expected a budget between 10s and 6h, found ${JSON.stringify(compare.budget)}`,
        },
      ];
};

/** Limits are allowed increases, except throughput, where the allowed change is a decrease. */
export const limitDirections: Rule<ScenarioFileCompare> = (compare, path) => {
  const issues: UnlocatedIssue[] = [];
  for (const [metric, written] of Object.entries((compare.limits ?? {}) as Record<string, string | undefined>)) {
    if (written === undefined) continue;
    const { sign } = parseChange(written);
    if (metric === 'throughput' && sign === '+')
      issues.push({
        path: [...path, 'limits', metric],
        message: `a throughput limit is an allowed decrease; write -${written.slice(1)}, found ${JSON.stringify(written)}`,
      });
    if (metric !== 'throughput' && sign === '-')
      issues.push({
        path: [...path, 'limits', metric],
        message: `a ${metric} limit is an allowed increase; write +${written.slice(1)}, found ${JSON.stringify(written)}`,
      });
  }
  return issues;
};

/** A limit of hundreds of digits passes the pattern but is Infinity as a number: the judge needs a ratio. */
export const finiteLimits: Rule<ScenarioFileCompare> = (compare, path) =>
  Object.entries((compare.limits ?? {}) as Record<string, string | undefined>)
    .filter(([, written]) => written !== undefined && !Number.isFinite(parseChange(written).ratio))
    .map(([metric, written]) => ({
      path: [...path, 'limits', metric],
      message: `expected ${CHANGE_EXPECTED}, found ${describeFound(written)} (too large to be a number)`,
    }));

// ---------------------------------------------------------------------------------------------

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function formatIndex(path: FieldPath, index: number): string {
  return `${String(path.at(-1))}[${index}]`;
}
