/**
 * Turns a submitted (or stored) job into what the executor runs: the scenario parsed and
 * validated by core's loader, rounds applied, and the builds, driver and runtime settings resolved
 * by the controller's one run request resolver (run-request.ts), under the API's rules: callers
 * choose only image references (docker) or, when the server allows it, shell commands (process);
 * every other Docker setting comes from the scenario's own fields, which the scenario schema
 * bounds (no mounts, privileged mode, host PID or capabilities exist there), or from the server's
 * own environment (PEAKGATE_SERVICE_HOST, PEAKGATE_PULL, …), read by the resolver.
 */
import { type RunEnv, type RunRequest, resolveRunRequest } from '@peakgate/controller';
import { type BuildSpec, type DriverName, parseScenario, type Scenario } from '@peakgate/core';
import type { StoredJob } from './run-store.js';

export interface PreparedJob {
  kind: 'compare' | 'run';
  driver: DriverName;
  scenario: Scenario;
  baseline?: BuildSpec;
  candidate?: BuildSpec;
  /** kind run: the one build. */
  service?: BuildSpec;
  /** kind compare: the run's seed (body.seed), to replay a run's requests. */
  seed?: number;
  /** Service host, pull, stats source: what the launcher is handed. */
  runtime: RunRequest['runtime'];
}

/** The API's drivers: the server runs no swarm (docs/runtimes.md). */
export const API_DRIVERS = ['docker', 'process'] as const;

export function prepareJob(job: StoredJob, rules: { allowProcess: boolean; env?: RunEnv }): PreparedJob {
  const parsed = parseScenario(job.scenarioText, job.scenarioSource);
  const scenario: Scenario =
    job.rounds === undefined
      ? parsed
      : {
          ...parsed,
          compare: { ...parsed.compare, rounds: job.rounds, maxRounds: Math.max(job.rounds, parsed.compare.maxRounds) },
        };
  const request = resolveRunRequest({
    kind: job.kind,
    origin: 'api',
    scenario,
    flags: {
      driver: job.driver,
      baseline: job.baseline,
      candidate: job.candidate,
      service: job.service,
      seed: job.seed,
    },
    env: rules.env ?? process.env,
    allowProcess: rules.allowProcess,
    drivers: API_DRIVERS,
  });
  return {
    kind: request.kind,
    driver: request.driver,
    scenario: request.scenario,
    ...(request.baseline !== undefined ? { baseline: request.baseline } : {}),
    ...(request.candidate !== undefined ? { candidate: request.candidate } : {}),
    ...(request.service !== undefined ? { service: request.service } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    runtime: request.runtime,
  };
}
