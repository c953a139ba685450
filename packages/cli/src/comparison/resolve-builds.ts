/**
 * Decides what to compare and with which driver, from the scenario and the flags (flags win).
 * DESIGN.md: REF is a Docker image for the docker driver, or a shell command for the process
 * driver; `--baseline-cmd`/`--candidate-cmd` (with `--*-cwd`) always mean a command.
 * Without --driver: docker when an engine is reachable and both builds are images, else process.
 */
import {
  type BuildSpec,
  type DriverName,
  describeBuildSpec,
  driverNames,
  driverRunsImages,
  isDriverName,
  PeakgateError,
  type Role,
  type Scenario,
} from '@peakgate/core';

export interface BuildFlags {
  baseline?: string;
  candidate?: string;
  baselineCmd?: string;
  candidateCmd?: string;
  baselineCwd?: string;
  candidateCwd?: string;
  driver?: string;
}

export interface ResolvedBuilds {
  driver: DriverName;
  baseline: BuildSpec;
  candidate: BuildSpec;
}

export async function resolveBuilds(
  scenario: Scenario,
  flags: BuildFlags,
  dockerReachable: () => Promise<boolean>,
): Promise<ResolvedBuilds> {
  const requested = parseDriver(flags.driver);
  const baseline = buildFor('baseline', scenario, flags, requested);
  const candidate = buildFor('candidate', scenario, flags, requested);
  const bothImages = baseline.kind === 'image' && candidate.kind === 'image';
  const bothCommands = baseline.kind === 'command' && candidate.kind === 'command';
  let driver: DriverName;
  if (requested !== undefined) {
    driver = requested;
  } else if (bothCommands) {
    driver = 'process';
  } else if (bothImages) {
    if (!(await dockerReachable())) {
      // Loaded here only: the runtime brings dockerode, which the other commands need not load.
      const { dockerSocketHint } = await import('@peakgate/runtime');
      throw new PeakgateError(
        'PG_ERR_RUNTIME_UNREACHABLE',
        `baseline and candidate are Docker images but no Docker engine is reachable; start Docker, set DOCKER_HOST, or compare commands with --baseline-cmd/--candidate-cmd --driver process${dockerSocketHint()}`,
      );
    }
    driver = 'docker';
  } else {
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      'baseline and candidate must both be images (docker driver) or both be commands (process driver)',
    );
  }
  const expected = driverRunsImages(driver) ? 'image' : 'command';
  for (const [role, build] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    if (build.kind !== expected) {
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        `--driver ${driver} needs the ${role} as ${expected === 'image' ? `an image (--${role} REF or ${role}.image)` : `a command (--${role}-cmd or ${role}.command)`}, found ${describeBuildSpec(build)}`,
      );
    }
  }
  return { driver, baseline, candidate };
}

/** `--driver` as typed: docker, swarm, process, or absent (the caller picks a default). */
export function parseDriver(value: string | undefined): DriverName | undefined {
  if (value === undefined) return undefined;
  if (isDriverName(value)) return value;
  const expected = `${driverNames.slice(0, -1).join(', ')} or ${driverNames[driverNames.length - 1]}`;
  throw new PeakgateError('PG_ERR_OPTS_INVALID', `--driver: expected ${expected}, got "${value}"`);
}

function buildFor(role: Role, scenario: Scenario, flags: BuildFlags, driver: DriverName | undefined): BuildSpec {
  const ref = role === 'baseline' ? flags.baseline : flags.candidate;
  const cmd = role === 'baseline' ? flags.baselineCmd : flags.candidateCmd;
  const cwd = role === 'baseline' ? flags.baselineCwd : flags.candidateCwd;
  if (ref !== undefined && cmd !== undefined) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--${role} and --${role}-cmd both given; use one`);
  }
  const fromScenario = scenario[role];
  if (cmd !== undefined || (ref !== undefined && driver === 'process')) {
    const command = (cmd ?? ref) as string;
    const env = fromScenario?.kind === 'command' ? fromScenario.env : {};
    return { kind: 'command', command, ...(cwd !== undefined ? { cwd } : {}), env };
  }
  if (ref !== undefined) return { kind: 'image', image: ref };
  if (fromScenario === undefined) {
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `no ${role} build: pass --${role} IMAGE or --${role}-cmd "COMMAND", or set ${role} in the scenario`,
    );
  }
  if (cwd !== undefined && fromScenario.kind === 'command') return { ...fromScenario, cwd };
  return fromScenario;
}
