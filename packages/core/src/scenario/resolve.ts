/**
 * Written scenario → resolved {@link Scenario}: defaults applied, units normalised (ms, bytes,
 * ratios, req/s), placeholders checked, relative paths anchored to the scenario file. Runs only on
 * documents that passed the schema and the rules, so the parsers here cannot fail on user input.
 * The defaults are documented in docs/scenario.md; keep the two in step.
 */
import path from 'node:path';
import { splitCommandLine } from '../command-line.js';
import type { HttpMethod, LoadPhase, LoadPlan, RequestTemplate } from '../load-plan.js';
import { parseDependencySelector, parseMetricSelector } from '../metric-selector.js';
import { requestNames } from '../request-name.js';
import { parseChange, parseDuration, parsePercent, parseSize } from '../units.js';
import type {
  AbortMetricName,
  BuildSpec,
  CompareSpec,
  DependencySpec,
  MetricName,
  ReadinessCheck,
  RequestJudgeSpec,
  ResourceLimits,
  Scenario,
  ServiceSpec,
} from './model.js';
import type {
  ScenarioFile,
  ScenarioFileBuild,
  ScenarioFileCompare,
  ScenarioFileDependency,
  ScenarioFilePhase,
  ScenarioFileRequest,
  ScenarioFileService,
  ScenarioFileTimeline,
  ScenarioFileWarmup,
} from './schema.js';
import type { TimelineFacts } from './timeline.js';

const ANY_2XX_OR_3XX = Array.from({ length: 200 }, (_, index) => 200 + index);

/** Values used when a field is not written. */
export const scenarioDefaults = {
  port: 8080,
  readyTimeoutMs: 30_000,
  /** Without `service.ready`, a service is ready when its port accepts TCP connections. */
  ready: 'tcp',
  requestTimeoutMs: 10_000,
  weight: 1,
  method: 'GET' as HttpMethod,
  /** Any 2xx or 3xx (autocannon does not follow redirects, so a 3xx is a served response). */
  expectStatus: ANY_2XX_OR_3XX,
  /** Open model in-flight cap: enough for 250 ms of latency at the peak rate, within [64, 1024]. */
  maxConnections: { secondsOfPeakRate: 0.25, min: 64, max: 1024 },
  rounds: 3,
  /** max_rounds defaults to 2 × rounds. */
  maxRoundsPerRound: 2,
  confidence: 0.95,
  schedule: 'duet' as const,
} as const;

export interface ResolveOptions {
  /** Absolute path of the scenario file, recorded on the result. */
  sourcePath?: string;
  /** Directory that relative `cwd` values are resolved against; left as written when absent. */
  baseDir?: string;
  /** Decides the default Docker network (host on Linux, bridge elsewhere). Default process.platform. */
  platform?: NodeJS.Platform;
  /** The checked `load.timeline` file (scenario/timeline.ts), when the scenario has one. */
  timeline?: TimelineFacts;
}

export function resolveScenario(file: ScenarioFile, options: ResolveOptions = {}): Scenario {
  const scenario: Scenario = {
    name: file.name,
    service: resolveService(file.service, options.platform ?? process.platform, options.baseDir),
    load: resolveLoad(file.load, options.timeline),
    compare: resolveCompare(file.compare),
  };
  if (file.description !== undefined) scenario.description = file.description;
  if (options.sourcePath !== undefined) scenario.sourcePath = options.sourcePath;
  if (file.baseline !== undefined) scenario.baseline = resolveBuild(file.baseline, options.baseDir);
  if (file.candidate !== undefined) scenario.candidate = resolveBuild(file.candidate, options.baseDir);
  return scenario;
}

function resolveResources(written: ScenarioFileService['resources']): ResourceLimits {
  const resources: ResourceLimits = {};
  if (written?.cpus !== undefined) resources.cpus = written.cpus;
  if (written?.cpuset !== undefined) resources.cpuset = written.cpuset;
  if (written?.memory !== undefined) resources.memoryBytes = parseSize(written.memory);
  return resources;
}

function resolveService(
  service: ScenarioFileService | undefined,
  platform: NodeJS.Platform,
  baseDir: string | undefined,
): ServiceSpec {
  const spec: ServiceSpec = {
    port: service?.port ?? scenarioDefaults.port,
    ready: resolveReady(service?.ready),
    env: resolveEnv(service?.env),
    resources: resolveResources(service?.resources),
    network: service?.network ?? (platform === 'linux' ? 'host' : 'bridge'),
  };
  if (service?.inherit_env === false) spec.inheritEnv = false;
  if (service?.command !== undefined)
    spec.command = typeof service.command === 'string' ? splitCommandLine(service.command) : [...service.command];
  if (service?.dependencies !== undefined && Object.keys(service.dependencies).length > 0)
    spec.dependencies = Object.entries(service.dependencies).map(([name, written]) =>
      resolveDependency(name, written, baseDir),
    );
  return spec;
}

function resolveDependency(name: string, written: ScenarioFileDependency, baseDir: string | undefined): DependencySpec {
  const dependency: DependencySpec = {
    name,
    build: resolveBuild(
      {
        ...(written.image !== undefined ? { image: written.image } : {}),
        ...(written.command !== undefined ? { command: written.command } : {}),
        ...(written.cwd !== undefined ? { cwd: written.cwd } : {}),
      },
      baseDir,
    ),
    // A command dependency is given a free port in PORT; this one is only used for images.
    port: written.port ?? 0,
    readyTimeoutMs:
      written.ready?.timeout === undefined ? scenarioDefaults.readyTimeoutMs : parseDuration(written.ready.timeout),
    env: resolveEnv(written.env),
    resources: resolveResources(written.resources),
  };
  const explicit = written.ready?.http ?? written.ready?.log ?? written.ready?.tcp;
  if (explicit !== undefined) dependency.ready = resolveReady(written.ready);
  return dependency;
}

function resolveReady(ready: ScenarioFileService['ready']): ReadinessCheck {
  const timeoutMs = ready?.timeout === undefined ? scenarioDefaults.readyTimeoutMs : parseDuration(ready.timeout);
  if (ready?.http !== undefined) return { kind: 'http', path: ready.http, timeoutMs };
  if (ready?.log !== undefined) return { kind: 'log', pattern: ready.log, timeoutMs };
  return { kind: 'tcp', timeoutMs };
}

function resolveEnv(env: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, String(value)]));
}

function resolveBuild(build: ScenarioFileBuild, baseDir: string | undefined): BuildSpec {
  if (build.image !== undefined) return { kind: 'image', image: build.image };
  const spec: BuildSpec = { kind: 'command', command: build.command ?? '', env: resolveEnv(build.env) };
  if (build.cwd !== undefined) spec.cwd = baseDir === undefined ? build.cwd : path.resolve(baseDir, build.cwd);
  return spec;
}

function resolveLoad(load: ScenarioFile['load'], timeline: TimelineFacts | undefined): LoadPlan {
  const plan: LoadPlan = {
    phases:
      load.timeline !== undefined && timeline !== undefined
        ? [resolveTimeline(load.timeline, timeline)]
        : (load.phases ?? []).map((phase, index) => resolvePhase(phase, phase.name ?? `phase-${index + 1}`)),
    requests: resolveRequests(load.requests),
    expectStatus: resolveStatuses(load.expect?.status),
    timeoutMs: load.timeout === undefined ? scenarioDefaults.requestTimeoutMs : parseDuration(load.timeout),
  };
  if (load.warmup !== undefined) plan.warmup = resolvePhase(load.warmup, 'warmup');
  return plan;
}

function resolvePhase(phase: ScenarioFilePhase | ScenarioFileWarmup, name: string): LoadPhase {
  const durationMs = parseDuration(phase.duration);
  if (phase.rate === undefined)
    return { name, durationMs, load: { model: 'closed', connections: phase.connections ?? 1 } };
  const rate = typeof phase.rate === 'number' ? { from: phase.rate, to: phase.rate } : { ...phase.rate };
  return {
    name,
    durationMs,
    load: { model: 'open', rate, maxConnections: phase.max_connections ?? defaultMaxConnections(rate) },
  };
}

/**
 * A timeline is one open-model phase that lasts until just after its last arrival (offset ÷ speed),
 * with its mean rate for reports and a connection cap sized for its busiest second.
 */
function resolveTimeline(written: ScenarioFileTimeline, facts: TimelineFacts): LoadPhase {
  const spec = typeof written === 'string' ? { file: written } : written;
  const speed = spec.speed ?? 1;
  const durationMs = facts.lastOffsetMs / speed + 1;
  const mean = facts.arrivals / (durationMs / 1000);
  const peak = facts.peakPerSecond * speed;
  return {
    name: spec.name ?? 'timeline',
    durationMs,
    load: {
      model: 'open',
      rate: { from: mean, to: mean },
      maxConnections: spec.max_connections ?? defaultMaxConnections({ from: peak, to: peak }),
      timeline: { ...facts, speed },
    },
  };
}

/** Little's law: in-flight = rate × latency; allow 250 ms at the peak rate, within [64, 1024]. */
export function defaultMaxConnections(rate: { from: number; to: number }): number {
  const { secondsOfPeakRate, min, max } = scenarioDefaults.maxConnections;
  return Math.min(max, Math.max(min, Math.ceil(Math.max(rate.from, rate.to) * secondsOfPeakRate)));
}

function resolveRequests(requests: readonly ScenarioFileRequest[]): RequestTemplate[] {
  const names = requestNames(requests);
  return requests.map((request, index) => resolveRequest(request, names[index] as string));
}

function resolveRequest(request: ScenarioFileRequest, name: string): RequestTemplate {
  const template: RequestTemplate = {
    name,
    weight: request.weight ?? scenarioDefaults.weight,
    method: request.method ?? scenarioDefaults.method,
    path: request.path,
    headers: Object.fromEntries(Object.entries(request.headers ?? {}).map(([key, value]) => [key, String(value)])),
  };
  if (request.body !== undefined) template.body = request.body;
  if (request.json !== undefined) template.json = request.json;
  return template;
}

function resolveStatuses(written: (number | string)[] | undefined): number[] {
  if (written === undefined) return [...scenarioDefaults.expectStatus];
  const statuses = new Set<number>();
  for (const status of written) {
    if (typeof status === 'number') statuses.add(status);
    else for (let code = Number(status[0]) * 100; code < Number(status[0]) * 100 + 100; code++) statuses.add(code);
  }
  return [...statuses].sort((a, b) => a - b);
}

function resolveCompare(compare: ScenarioFileCompare | undefined): CompareSpec {
  const rounds = compare?.rounds ?? scenarioDefaults.rounds;
  const written = {
    limits: (compare?.limits ?? {}) as Record<string, string | undefined>,
    slo: (compare?.slo ?? {}) as Record<string, string | number | undefined>,
  };
  const byRequest = resolveByRequest(written.limits, written.slo);
  const spec: CompareSpec = {
    rounds,
    maxRounds: compare?.max_rounds ?? rounds * scenarioDefaults.maxRoundsPerRound,
    ...(compare?.budget !== undefined ? { budgetMs: parseDuration(compare.budget) } : {}),
    confidence: compare?.confidence ?? scenarioDefaults.confidence,
    schedule: compare?.schedule ?? scenarioDefaults.schedule,
    // Only what is written: the judge owns the per-metric default limits (judge/metric-defaults.ts),
    // so there is one place that decides them. No SLO is invented.
    limits: resolveLimits(withoutSelectors(written.limits)),
    slo: resolveSlo(withoutSelectors(written.slo)),
    ...(compare?.abort_on !== undefined
      ? { abortOn: resolveSlo(compare.abort_on) as Partial<Record<AbortMetricName, number>> }
      : {}),
  };
  if (byRequest !== undefined) spec.byRequest = byRequest;
  const dependencyCpuLimits = resolveDependencyCpuLimits(written.limits);
  if (dependencyCpuLimits !== undefined) spec.dependencyCpuLimits = dependencyCpuLimits;
  return spec;
}

/** `cpu.per_request{dependency=db}: +10%` keys, by dependency name, as ratios. */
function resolveDependencyCpuLimits(limits: Record<string, string | undefined>): Record<string, number> | undefined {
  const resolved: Record<string, number> = {};
  for (const [key, written] of Object.entries(limits)) {
    const dependency = parseDependencySelector(key);
    const limit =
      dependency === undefined ? undefined : resolveLimits({ 'cpu.per_request': written })['cpu.per_request'];
    if (dependency !== undefined && limit !== undefined) resolved[dependency] = limit;
  }
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}

function withoutSelectors<T>(written: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(written).filter(
      ([key]) => parseMetricSelector(key) === undefined && parseDependencySelector(key) === undefined,
    ),
  );
}

/** Keys with a `{name=…}` selector, grouped by request name. */
function resolveByRequest(
  limits: Record<string, string | undefined>,
  slo: Record<string, string | number | undefined>,
): Record<string, RequestJudgeSpec> | undefined {
  const byRequest: Record<string, RequestJudgeSpec> = {};
  const entry = (name: string): RequestJudgeSpec => {
    byRequest[name] ??= { limits: {}, slo: {} };
    return byRequest[name];
  };
  for (const [key, written] of Object.entries(limits)) {
    const selector = parseMetricSelector(key);
    if (selector && written !== undefined)
      Object.assign(entry(selector.name).limits, resolveLimits({ [selector.metric]: written }));
  }
  for (const [key, written] of Object.entries(slo)) {
    const selector = parseMetricSelector(key);
    if (selector && written !== undefined)
      Object.assign(entry(selector.name).slo, resolveSlo({ [selector.metric]: written }));
  }
  return Object.keys(byRequest).length > 0 ? byRequest : undefined;
}

/** Resolves written limits (`+10%`) to ratios. Exported for `peakgate run --slo`'s sibling flags. */
export function resolveLimits(limits: Record<string, string | undefined>): Partial<Record<MetricName, number>> {
  const resolved: Partial<Record<MetricName, number>> = {};
  for (const [metric, written] of Object.entries(limits) as [MetricName, string | undefined][])
    if (written !== undefined) resolved[metric] = parseChange(written).ratio;
  return resolved;
}

/** Resolves written SLOs to numbers in each metric's unit (ms, bytes, ratio, req/s). */
export function resolveSlo(slo: Record<string, string | number | undefined>): Partial<Record<MetricName, number>> {
  const resolved: Partial<Record<MetricName, number>> = {};
  for (const [metric, written] of Object.entries(slo) as [MetricName, string | number | undefined][]) {
    if (written === undefined) continue;
    if (typeof written === 'number') resolved[metric] = written;
    else if (metric === 'memory.peak') resolved[metric] = parseSize(written);
    else if (metric === 'error_rate') resolved[metric] = parsePercent(written);
    else resolved[metric] = parseDuration(written);
  }
  return resolved;
}
