/**
 * `peakgate compare <scenario> [--baseline REF] [--candidate REF] [--driver docker|swarm|process]
 *  [--rounds N] [--max-rounds N] [--out DIR] [--json]`, plus --baseline-cmd/--candidate-cmd with
 * --baseline-cwd/--candidate-cwd for the process driver, --service-host for a remote engine. Flags
 * override the scenario file. `--baseline-url URL --candidate-url URL` compares two builds already
 * deployed (nothing started; CPU only with --baseline-cpu-cgroup and --candidate-cpu-cgroup).
 * Outcome `pass` or `fail`; a baseline that is broken too throws PG_ERR_INFRA_BASELINE (exit 3).
 */
import type { RunFlags, VerdictLabel } from '@peakgate/controller';
import { loadScenarioFile, PeakgateError, type Scenario } from '@peakgate/core';
import type { Command } from 'commander';
import { type ExecuteComparisonOptions, executeComparison } from '../comparison/compare-in-terminal.js';
import {
  type DeployedFlags,
  refuseDeployedOnlyFlags,
  resolveDeployed,
  wantsDeployed,
} from '../comparison/resolve-deployed.js';
import { SEED_OPTION } from '../comparison/seed.js';
import { SERVICE_HOST_OPTION } from '../comparison/service-host.js';
import { SHARDS_OPTION } from '../comparison/shards.js';
import { METRICS_OPTIONS, type MetricsFlags, startMetricsExport } from '../metrics-export.js';
import type { PeakgateCommand } from './command.js';

interface CompareFlags extends RunFlags, DeployedFlags, MetricsFlags {
  rounds?: string;
  maxRounds?: string;
  seed?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export const compareCommand: PeakgateCommand<CompareFlags> = {
  define: (program: Command) =>
    program
      .command('compare')
      .description('start baseline and candidate, drive the scenario against each, and judge the candidate')
      .argument('<scenario>', 'scenario file (YAML or JSON)')
      .option('--baseline <ref>', 'baseline image (docker driver) or shell command (process driver)')
      .option('--candidate <ref>', 'candidate image (docker driver) or shell command (process driver)')
      .option('--baseline-cmd <command>', 'baseline as a shell command (process driver); it must listen on $PORT')
      .option('--candidate-cmd <command>', 'candidate as a shell command (process driver); it must listen on $PORT')
      .option('--baseline-cwd <dir>', 'working directory of the baseline command')
      .option('--candidate-cwd <dir>', 'working directory of the candidate command')
      .option(
        '--driver <name>',
        'docker, swarm or process (default: docker when both are images, and the engine must answer; process when both are commands; swarm: one-replica Swarm services, PEAKGATE_SWARM_CONSTRAINT places them)',
      )
      .option(...SERVICE_HOST_OPTION)
      .option(...SHARDS_OPTION)
      .option(
        '--baseline-url <url>',
        'compare builds already deployed instead of starting them: the baseline base URL (loopback, or a host allowed with --allow-target); needs --candidate-url',
      )
      .option('--candidate-url <url>', 'the candidate base URL of a build already deployed; needs --baseline-url')
      .option(
        '--baseline-cpu-cgroup <path>',
        "with --baseline-url: the baseline's cgroup v2 directory; its cpu.stat usage_usec is read at the measured window's edges (needs --candidate-cpu-cgroup; without both, CPU is not judged)",
      )
      .option('--candidate-cpu-cgroup <path>', "with --candidate-url: the candidate's cgroup v2 directory")
      .option(
        '--allow-target <host>',
        'with --baseline-url/--candidate-url: allow this non-loopback host (repeatable)',
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option('--rounds <n>', 'rounds before the first decision (overrides compare.rounds)')
      .option('--max-rounds <n>', 'upper bound on rounds when a metric is marginal (overrides compare.max_rounds)')
      .option(...SEED_OPTION)
      .option('--out <dir>', 'write report.json, summary.md, junit.xml and report.html here')
      .option(
        '--force',
        'use an --out that already holds files and no marker of an earlier peakgate run (links in it are refused all the same)',
      )
      .option('--json', 'print report.json on stdout (progress stays on stderr)')
      .option('--quiet', 'no progress: print only the verdict (or the --json document) and errors')
      .option(...METRICS_OPTIONS.port)
      .option(...METRICS_OPTIONS.host)
      .option(...METRICS_OPTIONS.pushgateway),
  async run({ args: [file = ''], flags, output }) {
    const scenario = withRoundFlags(await loadScenarioFile(file), flags);
    const builds = await chooseBuilds(scenario, flags);
    if (builds.deployed !== undefined && (scenario.service.dependencies ?? []).length > 0 && flags.quiet !== true)
      output.info('peakgate: service.dependencies are not started for builds already deployed (--baseline-url)');
    const exported = await startMetricsExport(flags, scenario.name, output);
    let verdict: VerdictLabel = 'error';
    try {
      const { judgement } = await executeComparison({
        scenario,
        ...builds,
        ...(flags.out !== undefined ? { outDir: flags.out } : {}),
        ...(flags.force === true ? { force: true } : {}),
        json: flags.json === true,
        quiet: flags.quiet === true,
        output,
        ...(exported !== undefined ? { metrics: exported.metrics } : {}),
      });
      verdict = judgement.verdict;
      return judgement.verdict;
    } finally {
      // A thrown PG_ERR_INFRA_BASELINE or an interruption counts as 'error' on the dashboards.
      await exported?.finish(verdict);
    }
  },
};

type ChosenBuilds = Pick<
  ExecuteComparisonOptions,
  'driver' | 'baseline' | 'candidate' | 'deployed' | 'runtime' | 'shards' | 'seed'
>;

/**
 * Builds already deployed (--baseline-url/--candidate-url), or the run request (controller's
 * run-request.ts: flag > environment > scenario > default) and, for docker or swarm, an engine
 * that answers before anything starts.
 */
async function chooseBuilds(scenario: Scenario, flags: CompareFlags): Promise<ChosenBuilds> {
  const controller = await import('@peakgate/controller');
  if (wantsDeployed(flags)) {
    if (flags.serviceHost !== undefined) controller.parseHost(flags.serviceHost, '--service-host');
    controller.parseShards(flags.shards, 'url');
    const seed = controller.parseSeed(flags.seed);
    const deployed = await resolveDeployed(flags);
    return {
      ...(seed !== undefined ? { seed } : {}),
      driver: 'url',
      baseline: { kind: 'url', url: deployed.baseline.url },
      candidate: { kind: 'url', url: deployed.candidate.url },
      deployed,
    };
  }
  refuseDeployedOnlyFlags(flags);
  const request = controller.resolveRunRequest({ kind: 'compare', origin: 'cli', scenario, flags, env: process.env });
  await controller.ensureEngine(request.driver);
  const { baseline, candidate } = request;
  if (baseline === undefined || candidate === undefined)
    throw new PeakgateError('PG_ERR_INTERNAL', 'a comparison request without builds');
  return {
    driver: request.driver,
    baseline,
    candidate,
    runtime: request.runtime,
    ...(request.shards !== undefined ? { shards: request.shards } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
  };
}

function withRoundFlags(scenario: Scenario, flags: CompareFlags): Scenario {
  // The schema's bounds: compare.rounds at most 50, compare.max_rounds at most 100.
  const rounds = flags.rounds === undefined ? scenario.compare.rounds : parseCount('--rounds', flags.rounds, 50);
  const maxRounds =
    flags.maxRounds === undefined
      ? Math.max(scenario.compare.maxRounds, rounds)
      : parseCount('--max-rounds', flags.maxRounds, 100);
  if (maxRounds < rounds) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--max-rounds (${maxRounds}) must be at least --rounds (${rounds})`);
  }
  return { ...scenario, compare: { ...scenario.compare, rounds, maxRounds } };
}

function parseCount(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `${flag}: expected a whole number from 1 to ${max}, got "${value}"`);
  }
  return n;
}
