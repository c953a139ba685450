/**
 * Turns a submitted (or stored) job into what the executor runs: the scenario parsed and
 * validated by core's loader, rounds applied, and the builds resolved under the API's rules.
 * API callers choose only images (docker) or, when the server allows it, shell commands
 * (process); every other Docker setting comes from the scenario's own fields, which the
 * scenario schema bounds (no mounts, privileged mode, host PID or capabilities exist there).
 */
import { type BuildSpec, type DriverName, PeakgateError, parseScenario, type Scenario } from '@peakgate/core';
import type { StoredJob } from './run-store.js';

export interface PreparedJob {
  kind: 'compare' | 'run';
  driver: DriverName;
  scenario: Scenario;
  baseline?: BuildSpec;
  candidate?: BuildSpec;
  /** kind run: the one build. */
  service?: BuildSpec;
  /** kind compare: the run's seed (`seed` in the request body), when the request named one. */
  seed?: number;
}

/** A Docker image reference: registry/name:tag or @digest; never an option (no leading dash, no spaces). */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

export function prepareJob(job: StoredJob, rules: { allowProcess: boolean }): PreparedJob {
  const parsed = parseScenario(job.scenarioText, job.scenarioSource);
  const scenario: Scenario =
    job.rounds === undefined
      ? parsed
      : {
          ...parsed,
          compare: { ...parsed.compare, rounds: job.rounds, maxRounds: Math.max(job.rounds, parsed.compare.maxRounds) },
        };
  const { driver } = job;
  if (driver === 'process' && !rules.allowProcess) {
    throw new PeakgateError(
      'PG_ERR_SERVER_REQUEST_INVALID',
      'driver "process" runs shell commands on the server; start it with `peakgate serve --allow-process` to accept it',
    );
  }
  const build = (field: string, ref: string | undefined, fromScenario: BuildSpec | undefined): BuildSpec => {
    if (ref !== undefined) return buildFromRef(field, ref, driver);
    if (fromScenario === undefined) {
      throw new PeakgateError(
        'PG_ERR_SERVER_REQUEST_INVALID',
        `${field}: missing (neither the request nor the scenario names it)`,
      );
    }
    return checkBuild(field, fromScenario, driver);
  };
  if (job.kind === 'run') {
    return {
      kind: 'run',
      driver,
      scenario,
      service: build('service', job.service, scenario.candidate ?? scenario.baseline),
    };
  }
  return {
    kind: 'compare',
    driver,
    scenario,
    baseline: build('baseline', job.baseline, scenario.baseline),
    candidate: build('candidate', job.candidate, scenario.candidate),
    ...(job.seed !== undefined ? { seed: job.seed } : {}),
  };
}

function buildFromRef(field: string, ref: string, driver: DriverName): BuildSpec {
  if (driver === 'process') return { kind: 'command', command: ref, env: {} };
  return checkBuild(field, { kind: 'image', image: ref }, driver);
}

function checkBuild(field: string, build: BuildSpec, driver: DriverName): BuildSpec {
  if (driver === 'docker') {
    if (build.kind !== 'image') {
      throw new PeakgateError(
        'PG_ERR_SERVER_REQUEST_INVALID',
        `${field}: the docker driver needs an image, not a command`,
      );
    }
    if (!IMAGE_REF.test(build.image)) {
      throw new PeakgateError('PG_ERR_SERVER_REQUEST_INVALID', `${field}: "${build.image}" is not an image reference`);
    }
    return build;
  }
  if (build.kind !== 'command') {
    throw new PeakgateError(
      'PG_ERR_SERVER_REQUEST_INVALID',
      `${field}: the process driver needs a command, not an image`,
    );
  }
  return build;
}
