/**
 * The one place a run is decided: a command's flags (compare, demo, run --service) or an API body,
 * the environment and the scenario become one frozen RunRequest (driver, builds, service host,
 * shards, load image, swarm placement, pull and stats settings). Every value follows one rule:
 * flag (or body field) > environment variable > scenario > default. The run's PEAKGATE_* variables
 * are read here and nowhere else; the runtime and the sharded runner get them as options.
 *
 * Default driver (docs/architecture.md, "One run request"): without --driver the builds decide:
 * images → docker, commands → process; a bare REF (`--baseline REF`, `run --service REF`, an API
 * reference) is an image unless the driver is process or a working directory (`--*-cwd`) makes it
 * a command. A docker or swarm run needs an engine that answers: ensureEngine() (launcher-for.ts)
 * says so before anything starts, with the same PG_ERR_RUNTIME_UNREACHABLE the drivers throw; there
 * is never a silent fall back to another driver.
 *
 * Pure and synchronous (no engine, no file): the CLI and the server call it before anything starts.
 * The runtime's defaults (load image, Swarm placement) are imported from where they are declared.
 */
import { isIP } from 'node:net';
import {
  type BuildSpec,
  type DriverName,
  describeBuildSpec,
  driverNames,
  driverRunsImages,
  type ErrorCode,
  isDriverName,
  MAX_LOAD_SHARDS,
  PeakgateError,
  type Role,
  type Scenario,
} from '@peakgate/core';
import { MAX_SEED } from '@peakgate/loadgen';
import { DEFAULT_LOAD_IMAGE, DEFAULT_SWARM_CONSTRAINT } from '@peakgate/runtime';

/** The flags (CLI) or body fields (API) that shape a run, as typed. */
export interface RunFlags {
  driver?: string | undefined;
  baseline?: string | undefined;
  candidate?: string | undefined;
  baselineCmd?: string | undefined;
  candidateCmd?: string | undefined;
  baselineCwd?: string | undefined;
  candidateCwd?: string | undefined;
  /** kind run: the one build. */
  service?: string | undefined;
  serviceCwd?: string | undefined;
  serviceHost?: string | undefined;
  shards?: string | number | undefined;
  /** `--seed N` / body.seed: the run's seed (compare), 0..MAX_SEED. */
  seed?: string | number | undefined;
  /** `--metrics-port P`, `--metrics-host H`, `--pushgateway URL`: live Prometheus metrics (CLI). */
  metricsPort?: string | undefined;
  metricsHost?: string | undefined;
  pushgateway?: string | undefined;
}

/** Live Prometheus metrics of a CLI run: served at http://host:port/metrics while it runs, pushed once at its end. */
export interface MetricsOptions {
  port?: number;
  /** Address for `port` (default 127.0.0.1: loopback). */
  host: string;
  /** Pushgateway base URL (http or https). */
  pushgateway?: string;
}

/** The environment variables that configure a run (docs/runtimes.md); other names are never read. */
export const RUN_ENV = {
  serviceHost: 'PEAKGATE_SERVICE_HOST',
  pull: 'PEAKGATE_PULL',
  statsSource: 'PEAKGATE_STATS_SOURCE',
  swarmConstraint: 'PEAKGATE_SWARM_CONSTRAINT',
  loadImage: 'PEAKGATE_LOAD_IMAGE',
  shardCallbackHost: 'PEAKGATE_SHARD_CALLBACK_HOST',
} as const;

export type RunEnv = Readonly<Partial<Record<string, string | undefined>>>;

export interface RunRequestInput {
  kind: 'compare' | 'run';
  /** `cli` names flags (`--driver`) and fails with PG_ERR_OPTS_INVALID; `api` names body fields (`body.driver`) and fails with PG_ERR_SERVER_REQUEST_INVALID. */
  origin: 'cli' | 'api';
  scenario: Scenario;
  flags: RunFlags;
  /** The process environment (tests: a literal); only RUN_ENV's names are read. */
  env: RunEnv;
  /** API: the server accepts process builds (`serve --allow-process`). Ignored for the CLI. */
  allowProcess?: boolean;
  /** API: the drivers this caller offers (the server has no swarm). Default: all. */
  drivers?: readonly DriverName[];
}

/** What the runtime and the load runner are handed (each from flag > environment > default). */
export interface RuntimeSettings {
  /** Docker and swarm: where load and probes reach published ports; absent: DOCKER_HOST's host, else 127.0.0.1. */
  serviceHost?: string;
  /** `never` (PEAKGATE_PULL=never): a missing image fails at once, no pull attempt. */
  pull: 'missing' | 'never';
  /** `api` (PEAKGATE_STATS_SOURCE=api): read CPU and memory from the engine's stats API, never the cgroup files. */
  statsSource: 'auto' | 'api';
  /** Swarm placement of the builds (PEAKGATE_SWARM_CONSTRAINT, comma-separated; default the manager). */
  swarmConstraints: readonly string[];
  /** The load shards' image (PEAKGATE_LOAD_IMAGE, default peakgate/load:local). */
  loadImage: string;
  /** Where the shards call the controller back (PEAKGATE_SHARD_CALLBACK_HOST, default 127.0.0.1). */
  shardCallbackHost: string;
}

export interface RunRequest {
  readonly kind: 'compare' | 'run';
  readonly driver: DriverName;
  readonly scenario: Scenario;
  /** kind compare. */
  readonly baseline?: BuildSpec;
  readonly candidate?: BuildSpec;
  /** kind run. */
  readonly service?: BuildSpec;
  /** `--shards N` (swarm only). */
  readonly shards?: number;
  /** `--seed N`: the load's random draws derive from it; absent: a fresh one per run. */
  readonly seed?: number;
  /** Live metrics (`--metrics-port`, `--pushgateway`); absent: none asked for. */
  readonly metrics?: Readonly<MetricsOptions>;
  readonly runtime: Readonly<RuntimeSettings>;
}

/** The runtime's defaults, declared there once: the load image and the builds' Swarm placement. */
export { DEFAULT_LOAD_IMAGE, DEFAULT_SWARM_CONSTRAINT };
export const DEFAULT_SHARD_CALLBACK_HOST = '127.0.0.1';

/** A Docker image reference: registry/name:tag or @digest; never an option (no leading dash, no spaces). */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function resolveRunRequest(input: RunRequestInput): RunRequest {
  const names = new Names(input.origin);
  const { flags, env, scenario } = input;
  const requested = parseDriver(flags.driver, input.origin);
  // Each flag's own syntax first, as the commands always checked it: before any build is looked at.
  const hostFlag =
    flags.serviceHost !== undefined ? parseHost(flags.serviceHost, names.flag('serviceHost'), input.origin) : undefined;
  const seed = parseSeed(flags.seed, input.origin);
  const metrics = resolveMetricsOptions(flags);
  if (requested !== undefined && input.drivers !== undefined && !input.drivers.includes(requested)) {
    throw names.error(`${names.flag('driver')}: expected ${orList(input.drivers)}, got "${requested}"`);
  }
  let builds: Partial<Record<'baseline' | 'candidate' | 'service', BuildSpec>>;
  let driver: DriverName;
  if (input.kind === 'run') {
    if (flags.baseline !== undefined || flags.candidate !== undefined)
      throw names.error(`${names.flag('kind')}: a run loads one build: give "service", not baseline/candidate`);
    const service = serviceBuild(flags, scenario, requested, names);
    driver = requested ?? defaultDriver([service], names);
    builds = { service };
  } else {
    if (flags.service !== undefined) throw names.error(`${names.flag('service')}: only for kind "run"`);
    const baseline = roleBuild('baseline', flags, scenario, requested, names);
    const candidate = roleBuild('candidate', flags, scenario, requested, names);
    driver = requested ?? defaultDriver([baseline, candidate], names);
    builds = { baseline, candidate };
  }
  if (driver === 'process' && input.origin === 'api' && input.allowProcess !== true) {
    throw names.error(
      'driver "process" runs shell commands on the server; start it with `peakgate serve --allow-process` to accept it',
    );
  }
  for (const [field, build] of Object.entries(builds)) checkBuild(field, build, driver, names, input.origin);
  const serviceHost = resolveServiceHost(hostFlag, env, driver, names);
  const shards = parseShards(flags.shards, driver, input.origin);
  const runtime: RuntimeSettings = {
    ...(serviceHost !== undefined ? { serviceHost } : {}),
    pull: env[RUN_ENV.pull] === 'never' ? 'never' : 'missing',
    statsSource: env[RUN_ENV.statsSource] === 'api' ? 'api' : 'auto',
    swarmConstraints: Object.freeze(swarmConstraintsFrom(env[RUN_ENV.swarmConstraint])),
    loadImage: nonEmpty(env[RUN_ENV.loadImage]) ?? DEFAULT_LOAD_IMAGE,
    shardCallbackHost: callbackHost(env[RUN_ENV.shardCallbackHost]),
  };
  return Object.freeze({
    kind: input.kind,
    driver,
    scenario,
    ...builds,
    ...(shards !== undefined ? { shards } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(metrics !== undefined ? { metrics: Object.freeze(metrics) } : {}),
    runtime: Object.freeze(runtime),
  });
}

/** `--driver` as typed: docker, swarm, process, or absent (the builds decide). */
export function parseDriver(value: string | undefined, origin: Origin = 'cli'): DriverName | undefined {
  const names = new Names(origin);
  if (value === undefined) return undefined;
  if (isDriverName(value)) return value;
  throw names.error(`${names.flag('driver')}: expected ${orList(driverNames)}, got "${value}"`);
}

type Origin = 'cli' | 'api';

/** Names flags for the CLI and body fields for the API, and picks the error code for each. */
class Names {
  constructor(readonly origin: Origin) {}
  flag(field: string): string {
    if (this.origin === 'api') return `body.${field}`;
    return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  }
  error(message: string): PeakgateError {
    const code: ErrorCode = this.origin === 'api' ? 'PG_ERR_SERVER_REQUEST_INVALID' : 'PG_ERR_OPTS_INVALID';
    return new PeakgateError(code, message);
  }
}

function orList(items: readonly string[]): string {
  return items.length === 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** Images → docker, commands → process; a mix has no driver that runs both. */
function defaultDriver(builds: readonly BuildSpec[], names: Names): DriverName {
  if (builds.every((build) => build.kind === 'image')) return 'docker';
  if (builds.every((build) => build.kind === 'command')) return 'process';
  throw names.error('baseline and candidate must both be images (docker driver) or both be commands (process driver)');
}

/** One side of a comparison: its flag (image REF, or command with --driver process or --ROLE-cmd) > the scenario's build. */
function roleBuild(
  role: Role,
  flags: RunFlags,
  scenario: Scenario,
  driver: DriverName | undefined,
  names: Names,
): BuildSpec {
  const ref = role === 'baseline' ? flags.baseline : flags.candidate;
  const cmd = role === 'baseline' ? flags.baselineCmd : flags.candidateCmd;
  const cwd = role === 'baseline' ? flags.baselineCwd : flags.candidateCwd;
  if (ref !== undefined && cmd !== undefined) {
    throw names.error(`${names.flag(role)} and ${names.flag(`${role}Cmd`)} both given; use one`);
  }
  const fromScenario = scenario[role];
  if (cmd !== undefined || (ref !== undefined && driver === 'process')) {
    const command = (cmd ?? ref) as string;
    const env = fromScenario?.kind === 'command' ? fromScenario.env : {};
    return { kind: 'command', command, ...(cwd !== undefined ? { cwd } : {}), env };
  }
  if (ref !== undefined) return { kind: 'image', image: ref };
  if (fromScenario === undefined) {
    throw names.error(
      names.origin === 'api'
        ? `${names.flag(role)}: missing (neither the request nor the scenario names it)`
        : `no ${role} build: pass --${role} IMAGE or --${role}-cmd "COMMAND", or set ${role} in the scenario`,
    );
  }
  if (cwd !== undefined && fromScenario.kind === 'command') return { ...fromScenario, cwd };
  return fromScenario;
}

/** `run --service REF` or the API's `service`: an image unless the driver is process or --service-cwd makes it a command. */
function serviceBuild(flags: RunFlags, scenario: Scenario, driver: DriverName | undefined, names: Names): BuildSpec {
  const cwd = flags.serviceCwd;
  if (cwd !== undefined && driver !== undefined && driverRunsImages(driver)) {
    throw names.error(
      `${names.flag('serviceCwd')} applies to the process driver, not ${names.flag('driver')} ${driver}`,
    );
  }
  const fromScenario = scenario.candidate ?? scenario.baseline;
  const ref = flags.service;
  if (ref === undefined) {
    if (fromScenario === undefined)
      throw names.error(`${names.flag('service')}: missing (neither the request nor the scenario names it)`);
    return fromScenario;
  }
  if (driver === 'process' || cwd !== undefined) {
    return {
      kind: 'command',
      command: ref,
      ...(cwd !== undefined ? { cwd } : {}),
      env: scenario.candidate?.kind === 'command' ? scenario.candidate.env : {},
    };
  }
  return { kind: 'image', image: ref };
}

/** The build fits its driver; the API's image references are checked as references (hostile input). */
function checkBuild(field: string, build: BuildSpec, driver: DriverName, names: Names, origin: 'cli' | 'api'): void {
  const expected = driverRunsImages(driver) ? 'image' : 'command';
  if (build.kind !== expected) {
    if (origin === 'api')
      throw names.error(
        `${names.flag(field)}: the ${driver} driver needs ${expected === 'image' ? 'an image, not a command' : 'a command, not an image'}`,
      );
    const wanted =
      field === 'service'
        ? expected === 'image'
          ? 'an image (--service REF)'
          : 'a command (--service "COMMAND" with --driver process)'
        : expected === 'image'
          ? `an image (--${field} REF or ${field}.image)`
          : `a command (--${field}-cmd or ${field}.command)`;
    throw names.error(`--driver ${driver} needs the ${field} as ${wanted}, found ${describeBuildSpec(build)}`);
  }
  if (origin === 'api' && build.kind === 'image' && !IMAGE_REF.test(build.image)) {
    throw names.error(`${names.flag(field)}: "${build.image}" is not an image reference`);
  }
}

/**
 * `--service-host` > PEAKGATE_SERVICE_HOST > none (the driver uses DOCKER_HOST's host, else
 * 127.0.0.1). The flag is refused off docker/swarm (it would be ignored); the variable, set for a
 * whole CI job, simply does not apply to the process driver.
 */
function resolveServiceHost(
  host: string | undefined,
  env: RunEnv,
  driver: DriverName,
  names: Names,
): string | undefined {
  if (host !== undefined) {
    if (!driverRunsImages(driver)) {
      throw names.error(
        `${names.flag('serviceHost')} applies to the docker and swarm drivers (published ports), not --driver ${driver}`,
      );
    }
    return host;
  }
  const fromEnv = nonEmpty(env[RUN_ENV.serviceHost]);
  if (fromEnv === undefined || !driverRunsImages(driver)) return undefined;
  return parseHost(fromEnv, RUN_ENV.serviceHost);
}

/** A bare host name or IP address (no scheme, port or path). */
export function parseHost(value: string, name: string, origin: Origin = 'cli'): string {
  const names = new Names(origin);
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (isIP(bare) !== 0 || HOSTNAME.test(bare)) return bare;
  throw names.error(`${name}: expected a host name or IP address (no scheme, port or path), got "${value}"`);
}

/** `--shards N`: 1..MAX_LOAD_SHARDS, and only on the swarm driver (refused, never ignored, elsewhere). */
export function parseShards(
  value: string | number | undefined,
  driver: DriverName | 'url',
  origin: Origin = 'cli',
): number | undefined {
  const names = new Names(origin);
  if (value === undefined) return undefined;
  const text = String(value);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_LOAD_SHARDS)
    throw names.error(`${names.flag('shards')}: expected a whole number from 1 to ${MAX_LOAD_SHARDS}, got "${text}"`);
  if (driver !== 'swarm')
    throw names.error(
      `${names.flag('shards')} runs the load as Swarm tasks: it needs --driver swarm, not --driver ${driver}`,
    );
  return n;
}

/** The largest seed (seeds are unsigned 32-bit integers), declared by the load engine. */
export { MAX_SEED };

/** `--seed N` (body.seed): a whole number from 0 to MAX_SEED, or undefined when not given. */
export function parseSeed(value: string | number | undefined, origin: Origin = 'cli'): number | undefined {
  if (value === undefined) return undefined;
  const names = new Names(origin);
  const text = String(value);
  const seed = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seed) || seed > MAX_SEED)
    throw names.error(`${names.flag('seed')}: expected a whole number from 0 to ${MAX_SEED}, got "${text}"`);
  return seed;
}

/**
 * `--metrics-port`, `--metrics-host`, `--pushgateway` (compare, run): undefined when neither a port
 * nor a Pushgateway is asked for (no registry, no cost); a bad value names its flag.
 */
export function resolveMetricsOptions(
  flags: Pick<RunFlags, 'metricsPort' | 'metricsHost' | 'pushgateway'>,
): MetricsOptions | undefined {
  if (flags.metricsPort === undefined && flags.pushgateway === undefined) return undefined;
  const usage = (message: string) => new PeakgateError('PG_ERR_OPTS_INVALID', message);
  let port: number | undefined;
  if (flags.metricsPort !== undefined) {
    port = Number(flags.metricsPort);
    if (!/^\d+$/.test(flags.metricsPort) || port > 65_535)
      throw usage(`--metrics-port: expected a port from 0 to 65535, got "${flags.metricsPort}"`);
  }
  if (flags.pushgateway !== undefined && !/^https?:\/\/[^\s]+$/.test(flags.pushgateway))
    throw usage(`--pushgateway: expected an http(s) URL, got "${flags.pushgateway}"`);
  return {
    ...(port !== undefined ? { port } : {}),
    host: flags.metricsHost ?? '127.0.0.1',
    ...(flags.pushgateway !== undefined ? { pushgateway: flags.pushgateway } : {}),
  };
}

/** PEAKGATE_SWARM_CONSTRAINT: comma-separated Swarm constraints; empty or absent: the manager. */
function swarmConstraintsFrom(value: string | undefined): string[] {
  const parts = (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return parts.length > 0 ? parts : [DEFAULT_SWARM_CONSTRAINT];
}

function callbackHost(value: string | undefined): string {
  const named = nonEmpty(value);
  return named === undefined ? DEFAULT_SHARD_CALLBACK_HOST : parseHost(named, RUN_ENV.shardCallbackHost);
}
