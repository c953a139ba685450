/**
 * `compare --baseline-url URL --candidate-url URL`: two builds already deployed, nothing started.
 * Checks the flags that belong to this mode (both URLs, each through the same target guard as
 * `run --target`: loopback, or a host named with --allow-target; a CPU source for both sides or
 * neither) and refuses the flags that make no sense with it, naming them (exit 2). CPU sources
 * are opened here, so a wrong cgroup path fails before any load is sent.
 */
import type { DeployedBuilds, DeployedSide } from '@peakgate/controller';
import { PeakgateError, type Role } from '@peakgate/core';

export interface DeployedFlags {
  baselineUrl?: string;
  candidateUrl?: string;
  baselineCpuCgroup?: string;
  candidateCpuCgroup?: string;
  allowTarget?: string[];
}

/** Flags of the other modes: each would be silently ignored with --baseline-url, so each is refused. */
export interface StartFlags {
  baseline?: string;
  candidate?: string;
  baselineCmd?: string;
  candidateCmd?: string;
  baselineCwd?: string;
  candidateCwd?: string;
  driver?: string;
  serviceHost?: string;
}

const START_FLAGS: ReadonlyArray<[keyof StartFlags, string]> = [
  ['driver', '--driver'],
  ['baseline', '--baseline'],
  ['candidate', '--candidate'],
  ['baselineCmd', '--baseline-cmd'],
  ['candidateCmd', '--candidate-cmd'],
  ['baselineCwd', '--baseline-cwd'],
  ['candidateCwd', '--candidate-cwd'],
  ['serviceHost', '--service-host'],
];

const usage = (message: string): PeakgateError => new PeakgateError('PG_ERR_OPTS_INVALID', message);

/** Whether the flags ask for deployed builds at all (either URL given). */
export function wantsDeployed(flags: DeployedFlags): boolean {
  return flags.baselineUrl !== undefined || flags.candidateUrl !== undefined;
}

/**
 * Flags that only mean something with --baseline-url/--candidate-url, refused without them
 * (a cgroup or an allowed host given to a comparison that starts its builds would do nothing).
 */
export function refuseDeployedOnlyFlags(flags: DeployedFlags): void {
  if (flags.baselineCpuCgroup !== undefined)
    throw usage('--baseline-cpu-cgroup needs --baseline-url and --candidate-url (builds already deployed)');
  if (flags.candidateCpuCgroup !== undefined)
    throw usage('--candidate-cpu-cgroup needs --baseline-url and --candidate-url (builds already deployed)');
  if ((flags.allowTarget ?? []).length > 0)
    throw usage(
      '--allow-target needs --baseline-url and --candidate-url (started builds are reached where peakgate put them)',
    );
}

export async function resolveDeployed(flags: DeployedFlags & StartFlags): Promise<DeployedBuilds> {
  for (const [key, flag] of START_FLAGS) {
    if (flags[key] !== undefined)
      throw usage(
        `${flag} starts a build; --baseline-url/--candidate-url compare builds already deployed: give one or the other`,
      );
  }
  if (flags.baselineUrl === undefined) throw usage('--candidate-url needs --baseline-url too');
  if (flags.candidateUrl === undefined) throw usage('--baseline-url needs --candidate-url too');
  if ((flags.baselineCpuCgroup === undefined) !== (flags.candidateCpuCgroup === undefined)) {
    const [given, missing] =
      flags.baselineCpuCgroup !== undefined
        ? ['--baseline-cpu-cgroup', '--candidate-cpu-cgroup']
        : ['--candidate-cpu-cgroup', '--baseline-cpu-cgroup'];
    throw usage(`${given} needs ${missing} too: CPU is compared only when it is measured on both sides`);
  }
  const allowHosts = flags.allowTarget ?? [];
  // One after the other, so the first flag at fault is the one named.
  const baseline = await deployedSide('baseline', flags.baselineUrl, flags.baselineCpuCgroup, allowHosts);
  const candidate = await deployedSide('candidate', flags.candidateUrl, flags.candidateCpuCgroup, allowHosts);
  if (baseline.url === candidate.url)
    throw usage(`--baseline-url and --candidate-url are the same (${baseline.url}): that compares a build with itself`);
  if (baseline.cgroup !== undefined && baseline.cgroup === candidate.cgroup)
    throw usage(`--baseline-cpu-cgroup and --candidate-cpu-cgroup name the same cgroup (${baseline.cgroup})`);
  return { baseline: baseline.side, candidate: candidate.side, allowHosts };
}

async function deployedSide(
  role: Role,
  url: string,
  cgroup: string | undefined,
  allowHosts: readonly string[],
): Promise<{ url: string; cgroup?: string; side: DeployedSide }> {
  const flag = `--${role}-url`;
  const { resolveTarget } = await import('@peakgate/loadgen');
  let checked: URL;
  try {
    // The guard of `run --target`: loopback, or a host the user allowed (every address checked).
    checked = (await resolveTarget(url, allowHosts)).url;
  } catch (error) {
    if (!(error instanceof PeakgateError)) throw error;
    throw new PeakgateError(error.code, `${flag}: ${error.message.replace(/^--target:\s*/, '')}`, { cause: error });
  }
  // No trailing slash: request paths are appended to it as to any target.
  const normalized = checked.href.replace(/\/$/, '');
  if (cgroup === undefined) return { url: normalized, side: { url: normalized } };
  const { openCgroupCpuSource } = await import('@peakgate/controller');
  const cpu = await openCgroupCpuSource(cgroup, `--${role}-cpu-cgroup`);
  return { url: normalized, cgroup: cpu.directory, side: { url: normalized, cpu } };
}
