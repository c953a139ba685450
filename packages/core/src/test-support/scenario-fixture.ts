/**
 * One resolved scenario for the report and judge tests, instead of the same literal pasted into
 * each: a service with an HTTP readiness check, one measured open phase `peak`, one request
 * `GET /`, and a one-look duet comparison (rounds = max_rounds = 2, 95%). Each test names only
 * what it is about. A test fixture: not exported by `@peakgate/core`, not built into dist.
 */
import type { LoadPhase, RequestTemplate } from '../load-plan.js';
import type { BuildSpec, CompareSpec, Scenario, ServiceSpec } from '../scenario/model.js';

/** The comparison every fixture scenario starts from: one look at the stated 95%. */
export const FIXTURE_COMPARE: CompareSpec = {
  rounds: 2,
  maxRounds: 2,
  limits: {},
  slo: {},
  confidence: 0.95,
  schedule: 'duet',
};

export interface ScenarioFixtureOptions {
  name?: string;
  /** The one measured phase `peak` (default 20 s at 500 req/s); ignored when `phases` is given. */
  peak?: { durationMs?: number; rate?: number };
  phases?: LoadPhase[];
  requests?: RequestTemplate[];
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  service?: Partial<ServiceSpec>;
  /** Merged over FIXTURE_COMPARE. */
  compare?: Partial<CompareSpec>;
  baseline?: BuildSpec;
  candidate?: BuildSpec;
}

/** An open phase from `rate` to `to` req/s (constant by default), as the scenario loader resolves it. */
export function openPhase(name: string, durationMs: number, rate: number, to = rate): LoadPhase {
  return { name, durationMs, load: { model: 'open', rate: { from: rate, to }, maxConnections: 64 } };
}

export function fixtureScenario(options: ScenarioFixtureOptions = {}): Scenario {
  return {
    name: options.name ?? 'fixture',
    service: {
      port: 8080,
      ready: { kind: 'http', path: '/healthz', timeoutMs: 30_000 },
      env: {},
      resources: {},
      network: 'bridge',
      ...options.service,
    },
    ...(options.baseline !== undefined ? { baseline: options.baseline } : {}),
    ...(options.candidate !== undefined ? { candidate: options.candidate } : {}),
    load: {
      phases: options.phases ?? [openPhase('peak', options.peak?.durationMs ?? 20_000, options.peak?.rate ?? 500)],
      requests: options.requests ?? [{ weight: 1, method: 'GET', path: '/', headers: {} }],
      expectStatus: [200],
      timeoutMs: options.timeoutMs ?? 10_000,
    },
    compare: { ...FIXTURE_COMPARE, ...options.compare },
  };
}
