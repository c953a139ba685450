/**
 * The WRITTEN scenario format (YAML or JSON), as one TypeBox schema. It gives three things from one
 * source: the TypeScript types of the written form (`Static<>`), validation (scenario/loader.ts), and
 * the published JSON Schema for editors (scenario/schema-file.ts → scenarios/scenario.schema.json).
 *
 * Every object rejects unknown fields: a typo in a limit (`latency.p9: +10%`) must be an error, never
 * silently ignored. Rules a JSON Schema cannot say well (exactly one of rate/connections, body vs json,
 * placeholders) live in scenario/rules.ts. `errorMessage` is the phrase shown when a value does not
 * match; VS Code and yaml-language-server show it too.
 */
import { type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import type { HttpMethod } from '../load-plan.js';
import {
  DEPENDENCY_CPU_SELECTOR_PATTERN,
  ERROR_RATE_SELECTOR_PATTERN,
  LATENCY_SELECTOR_PATTERN,
} from '../metric-selector.js';
import {
  CHANGE_EXPECTED,
  CHANGE_PATTERN,
  DURATION_EXPECTED,
  DURATION_PATTERN,
  PERCENT_EXPECTED,
  PERCENT_PATTERN,
  SIZE_EXPECTED,
  SIZE_PATTERN,
} from '../units.js';
import type { MetricName } from './model.js';

/** Every metric the judge knows, in report order. */
export const metricNames = [
  'latency.p50',
  'latency.p90',
  'latency.p99',
  'latency.p999',
  'cpu.per_request',
  'memory.peak',
  'error_rate',
  'throughput',
] as const satisfies readonly MetricName[];

// Fails to compile when MetricName gains a member that metricNames lacks.
const allMetricsListed: Exclude<MetricName, (typeof metricNames)[number]> extends never ? true : never = true;
void allMetricsListed;

export const httpMethods = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
] as const satisfies readonly HttpMethod[];

const strict = { additionalProperties: false } as const;

/** Sanity bounds: a million arrivals per second is past any single load host. */
const MAX_RATE = 1_000_000;
/** One source address has at most this many ports to connect from. */
const MAX_CONNECTIONS = 65_535;

const Duration = (description: string) =>
  Type.String({ pattern: DURATION_PATTERN, errorMessage: `expected ${DURATION_EXPECTED}`, description });
const DurationString = Type.String({ pattern: DURATION_PATTERN, errorMessage: `expected ${DURATION_EXPECTED}` });
const SizeString = Type.String({ pattern: SIZE_PATTERN, errorMessage: `expected ${SIZE_EXPECTED}` });
const PercentString = Type.String({ pattern: PERCENT_PATTERN, errorMessage: `expected ${PERCENT_EXPECTED}` });
const ChangeString = Type.String({ pattern: CHANGE_PATTERN, errorMessage: `expected ${CHANGE_EXPECTED}` });
const UrlPath = (description: string) =>
  Type.String({ pattern: '^/', errorMessage: 'expected a path starting with /', description });

/**
 * The key of a map (env, headers). TypeBox's default key pattern `^(.*)$` does not match a key that
 * holds a line break, so such a key was neither checked by the schema nor kept by `Value.Clean`, and
 * the rules never saw it: `"X=1\nY"` passed as an env name. This pattern matches every key; the
 * rules then judge the key itself (validEnvNames, wireSafeRequest).
 */
const AnyKey = Type.String({ pattern: '^[\\s\\S]*$' });

const EnvMap = Type.Record(
  AnyKey,
  Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
    errorMessage: 'expected a string, a number or true/false',
  }),
  { description: 'Environment variables for the service.' },
);

const ReadySchema = Type.Object(
  {
    http: Type.Optional(UrlPath("Ready when GET on this path of the build's own origin answers 2xx (no //, no \\).")),
    tcp: Type.Optional(Type.Literal(true, { description: 'Ready when the port accepts a TCP connection.' })),
    log: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Ready when a log line matches this regular expression (RE2 syntax: no lookaround or backreferences; at most 512 characters).',
      }),
    ),
    timeout: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        errorMessage: `expected ${DURATION_EXPECTED}`,
        description: 'How long to wait for readiness. Default 30s.',
        default: '30s',
      }),
    ),
  },
  { ...strict, description: 'How to tell the service is ready: exactly one of http, tcp, log. Default { tcp: true }.' },
);

const ResourcesSchema = Type.Object(
  {
    cpus: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'CPU limit in cores, e.g. 1 or 0.5.' })),
    cpuset: Type.Optional(
      Type.String({
        pattern: '^\\d+(?:-\\d+)?(?:,\\d+(?:-\\d+)?)*$',
        errorMessage: 'expected a CPU set like "1", "0-1" or "0,2"',
        description: 'CPUs the service may run on.',
      }),
    ),
    memory: Type.Optional(
      Type.String({
        pattern: SIZE_PATTERN,
        errorMessage: `expected ${SIZE_EXPECTED}`,
        description: 'Memory limit (swap disabled), e.g. 512m.',
      }),
    ),
  },
  { ...strict, description: 'Resource limits, the same for baseline and candidate.' },
);

const DependencySchema = Type.Object(
  {
    image: Type.Optional(Type.String({ minLength: 1, description: 'Docker image of the dependency (docker driver).' })),
    command: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Shell command of the dependency (process driver); it must listen on $PORT.',
      }),
    ),
    cwd: Type.Optional(
      Type.String({ minLength: 1, description: 'Working directory for command, relative to the scenario file.' }),
    ),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description: 'Port it listens on inside its container (required with image).',
      }),
    ),
    env: Type.Optional(EnvMap),
    ready: Type.Optional(ReadySchema),
    resources: Type.Optional(ResourcesSchema),
  },
  {
    ...strict,
    description:
      'A dependency started fresh beside each build in every trial: { image, port } or { command }. Readiness: ready, else the image HEALTHCHECK, else a TCP connect.',
  },
);

const DependencyName = Type.String({
  pattern: '^[a-z][a-z0-9-]{0,30}$',
  errorMessage: 'expected a dependency name: lower-case letters, digits and -, starting with a letter',
});

const ServiceSchema = Type.Object(
  {
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        default: 8080,
        description: 'Port the service listens on inside the container (docker driver). Default 8080.',
      }),
    ),
    ready: Type.Optional(ReadySchema),
    env: Type.Optional(EnvMap),
    inherit_env: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          "Process driver: pass peakgate's whole environment to the service (default true). false passes only PATH, HOME, LANG, the scenario's env and PORT, so CI secrets stay out of the service.",
      }),
    ),
    command: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
        errorMessage: 'expected a command string or a list of arguments',
        description: 'Docker driver: override the image command (a string split like a shell would, or argv).',
      }),
    ),
    resources: Type.Optional(ResourcesSchema),
    network: Type.Optional(
      Type.Union([Type.Literal('host'), Type.Literal('bridge')], {
        description: 'Docker network mode. Default host on Linux, bridge elsewhere.',
      }),
    ),
    dependencies: Type.Optional(
      Type.Record(DependencyName, DependencySchema, {
        additionalProperties: false,
        errorMessage: 'expected dependencies by name: lower-case letters, digits and -, starting with a letter',
        description:
          'Dependencies by name, started once per trial beside each build (never shared between baseline and candidate); the build gets PEAKGATE_DEP_<NAME>_HOST, _PORT and _URL.',
      }),
    ),
  },
  { ...strict, description: 'How to start and probe each build.' },
);

const BuildSchema = Type.Object(
  {
    image: Type.Optional(Type.String({ minLength: 1, description: 'Docker image (docker driver).' })),
    command: Type.Optional(Type.String({ minLength: 1, description: 'Shell command (process driver).' })),
    cwd: Type.Optional(
      Type.String({ minLength: 1, description: 'Working directory for command, relative to the scenario file.' }),
    ),
    env: Type.Optional(EnvMap),
  },
  { ...strict, description: 'A build: { image } or { command, cwd, env }.' },
);

const RateSchema = Type.Union(
  [
    Type.Number({ exclusiveMinimum: 0, maximum: MAX_RATE }),
    Type.Object(
      {
        from: Type.Number({ exclusiveMinimum: 0, maximum: MAX_RATE }),
        to: Type.Number({ exclusiveMinimum: 0, maximum: MAX_RATE }),
      },
      { ...strict },
    ),
  ],
  {
    errorMessage: 'expected a rate in requests per second (a number) or { from, to }',
    description: 'Open model: arrivals per second, fixed or a linear ramp { from, to }.',
  },
);

const PhaseSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, description: 'Phase name, unique. Default phase-N.' })),
    duration: Duration('How long the phase lasts.'),
    rate: Type.Optional(RateSchema),
    connections: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_CONNECTIONS,
        description: 'Closed model: connections sending back to back.',
      }),
    ),
    max_connections: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_CONNECTIONS,
        description: 'Open model: most requests in flight at once. Default scales with the rate.',
      }),
    ),
  },
  { ...strict, description: 'A load phase: exactly one of rate (open model) or connections (closed model).' },
);

const RequestSchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Name of this kind of request in per-name results and metric selectors (latency.p99{name=...}), unique. Default: method and path template, e.g. "GET /products?page={{int 1 50}}".',
      }),
    ),
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 1, description: 'Relative weight. Default 1.' })),
    method: Type.Optional(
      Type.Union(
        httpMethods.map((method) => Type.Literal(method)),
        { default: 'GET', description: 'HTTP method. Default GET.' },
      ),
    ),
    path: UrlPath('Request path and query; may contain {{int A B}}, {{uuid}}, {{pick A B ...}}.'),
    headers: Type.Optional(
      Type.Record(
        AnyKey,
        Type.Union([Type.String(), Type.Number()], { errorMessage: 'expected a header value (a string)' }),
        {
          description:
            'Request headers. The load engine writes content-length, transfer-encoding, host, connection, upgrade, te, trailer, keep-alive, proxy-connection and expect itself: they are refused here.',
        },
      ),
    ),
    body: Type.Optional(Type.String({ description: 'Raw body (placeholders allowed). Not with json.' })),
    json: Type.Optional(
      Type.Unknown({ description: 'JSON body; string leaves may contain placeholders. Not with body.' }),
    ),
  },
  { ...strict, description: 'One kind of request in the weighted mix.' },
);

/**
 * An exact request timeline (docs/replay.md): a file with one arrival per line (offset in ms and the
 * index of its request), replayed at the recorded offsets divided by `speed`. Written as the file
 * name alone, or as an object with the speed.
 */
const TimelineSchema = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object(
      {
        file: Type.String({
          minLength: 1,
          description: "Timeline file: a regular file inside the scenario file's folder, at most 400 MiB.",
        }),
        speed: Type.Optional(
          Type.Number({
            exclusiveMinimum: 0,
            maximum: 10_000,
            default: 1,
            description: 'Replay this many times faster than recorded. Default 1.',
          }),
        ),
        name: Type.Optional(Type.String({ minLength: 1, description: 'Phase name in results. Default timeline.' })),
        max_connections: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: MAX_CONNECTIONS,
            description: 'Most requests in flight at once. Default scales with the busiest second.',
          }),
        ),
      },
      { ...strict },
    ),
  ],
  {
    errorMessage: 'expected a timeline file name or { file, speed }',
    description:
      'Replay an exact request timeline (one "<offset ms> <request index>" per line) instead of phases: open model, at the recorded offsets divided by speed.',
  },
);

const StatusSchema = Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.String({ pattern: '^[1-5]xx$' })], {
  errorMessage: 'expected an HTTP status (100-599) or a class like 2xx',
});

const LoadSchema = Type.Object(
  {
    warmup: Type.Optional(
      Type.Object(
        {
          duration: Duration('How long the discarded warm-up lasts.'),
          rate: Type.Optional(RateSchema),
          connections: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CONNECTIONS })),
          max_connections: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CONNECTIONS })),
        },
        { ...strict, description: 'Warm-up before the measured phases; its results are discarded.' },
      ),
    ),
    phases: Type.Optional(
      Type.Array(PhaseSchema, { minItems: 1, description: 'Measured phases, run in order. Required unless timeline.' }),
    ),
    timeline: Type.Optional(TimelineSchema),
    requests: Type.Array(RequestSchema, { minItems: 1, description: 'Weighted request mix.' }),
    expect: Type.Optional(
      Type.Object(
        {
          status: Type.Optional(
            Type.Array(StatusSchema, {
              minItems: 1,
              description: 'Statuses that count as success. Default any 2xx or 3xx.',
            }),
          ),
        },
        { ...strict },
      ),
    ),
    timeout: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        errorMessage: `expected ${DURATION_EXPECTED}`,
        default: '10s',
        description: 'Per-request timeout. Default 10s.',
      }),
    ),
  },
  { ...strict, description: 'The traffic: phases and the request mix.' },
);

/**
 * A map of metric keys: the whole-mix metrics as named properties, plus keys with a request-name
 * selector (`latency.p99{name=checkout}`) matched by pattern. The intersection with
 * `unevaluatedProperties: false` keeps rejecting every other key, as a strict object does.
 */
function withSelectors<T extends TProperties>(
  fixed: T,
  latency: TSchema,
  errorRate: TSchema,
  description: string,
  dependencyCpu?: TSchema,
) {
  return Type.Intersect(
    [
      Type.Object(fixed),
      Type.Record(Type.String({ pattern: LATENCY_SELECTOR_PATTERN }), latency),
      Type.Record(Type.String({ pattern: ERROR_RATE_SELECTOR_PATTERN }), errorRate),
      ...(dependencyCpu === undefined
        ? []
        : [Type.Record(Type.String({ pattern: DEPENDENCY_CPU_SELECTOR_PATTERN }), dependencyCpu)]),
    ],
    { unevaluatedProperties: false, description },
  );
}

/** Relative limits: allowed change of candidate vs baseline. */
const LimitsSchema = withSelectors(
  {
    'latency.p50': Type.Optional(ChangeString),
    'latency.p90': Type.Optional(ChangeString),
    'latency.p99': Type.Optional(ChangeString),
    'latency.p999': Type.Optional(ChangeString),
    'cpu.per_request': Type.Optional(ChangeString),
    'memory.peak': Type.Optional(ChangeString),
    error_rate: Type.Optional(ChangeString),
    throughput: Type.Optional(ChangeString),
  },
  ChangeString,
  ChangeString,
  "Allowed change vs baseline per metric, e.g. latency.p99: +10%. Throughput takes an allowed decrease (-5%). Latency percentiles and error_rate may select one kind of request: latency.p99{name=checkout}: +10%. A dependency's CPU per request is judged only when named: cpu.per_request{dependency=db}: +10%.",
  ChangeString,
);

/** Absolute SLOs: the unit depends on the metric. */
const SloSchema = withSelectors(
  {
    'latency.p50': Type.Optional(DurationString),
    'latency.p90': Type.Optional(DurationString),
    'latency.p99': Type.Optional(DurationString),
    'latency.p999': Type.Optional(DurationString),
    'cpu.per_request': Type.Optional(DurationString),
    'memory.peak': Type.Optional(SizeString),
    error_rate: Type.Optional(PercentString),
    throughput: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Minimum requests per second.' })),
  },
  DurationString,
  PercentString,
  'Absolute limits on the candidate alone: latency and cpu.per_request as durations, memory.peak as a size, error_rate as a percentage, throughput in req/s. Latency percentiles and error_rate may select one kind of request: latency.p99{name=checkout}: 250ms.',
);

/** What compare.abort_on can watch each second. */
const AbortOnSchema = Type.Object(
  {
    'latency.p50': Type.Optional(DurationString),
    'latency.p99': Type.Optional(DurationString),
    error_rate: Type.Optional(PercentString),
  },
  {
    ...strict,
    description:
      'Stop the round at once when the candidate is past one of these for 3 consecutive seconds (per-second p50/p99 latency, per-second error rate); the comparison fails with the cause.',
  },
);

const CompareSchema = Type.Object(
  {
    rounds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 50, default: 3, description: 'Rounds before the first decision.' }),
    ),
    max_rounds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description:
          'Most rounds: after `rounds`, another round runs while a metric is undecided (marginal, or its interval straddles the limit), up to this and the budget. Default 2 × rounds.',
      }),
    ),
    budget: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        errorMessage: `expected ${DURATION_EXPECTED}`,
        description:
          'Wall-time budget of the comparison (e.g. 90s, between 10s and 6h): no round starts that would end past it (estimated from the rounds so far); undecided metrics then pass as inconclusive. Default: no budget, only max_rounds.',
      }),
    ),
    confidence: Type.Optional(
      Type.Number({ minimum: 0.5, exclusiveMaximum: 1, default: 0.95, description: 'Confidence level.' }),
    ),
    schedule: Type.Optional(
      Type.Union([Type.Literal('duet'), Type.Literal('alternate')], {
        default: 'duet',
        description:
          'duet: each round runs baseline and candidate at the same time on the same cores, so machine noise hits both alike (default); alternate: one after the other, A B, B A, ...',
      }),
    ),
    limits: Type.Optional(LimitsSchema),
    slo: Type.Optional(SloSchema),
    abort_on: Type.Optional(AbortOnSchema),
  },
  { ...strict, description: 'How the judge compares candidate with baseline.' },
);

export const ScenarioSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'The JSON Schema of this file, for editors.' })),
    name: Type.String({ minLength: 1, description: 'Scenario name, shown in reports.' }),
    description: Type.Optional(Type.String()),
    service: Type.Optional(ServiceSchema),
    baseline: Type.Optional(BuildSchema),
    candidate: Type.Optional(BuildSchema),
    load: LoadSchema,
    compare: Type.Optional(CompareSchema),
  },
  { ...strict, title: 'peakgate scenario', description: 'A peak-traffic scenario for peakgate.' },
);

/** The written form of a scenario file (before defaults and unit normalisation). */
export type ScenarioFile = Static<typeof ScenarioSchema>;
export type ScenarioFilePhase = Static<typeof PhaseSchema>;
export type ScenarioFileWarmup = NonNullable<Static<typeof LoadSchema>['warmup']>;
export type ScenarioFileRequest = Static<typeof RequestSchema>;
export type ScenarioFileTimeline = Static<typeof TimelineSchema>;
export type ScenarioFileBuild = Static<typeof BuildSchema>;
export type ScenarioFileService = Static<typeof ServiceSchema>;
export type ScenarioFileCompare = Static<typeof CompareSchema>;
export type ScenarioFileDependency = Static<typeof DependencySchema>;

/** Sub-schemas the rules check before they look at a part of the document. */
export const scenarioParts = {
  phase: PhaseSchema,
  warmup: LoadSchema.properties.warmup,
  request: RequestSchema,
  build: BuildSchema,
  service: ServiceSchema,
  ready: ReadySchema,
  compare: CompareSchema,
  slo: SloSchema,
  dependency: DependencySchema,
} as const;
