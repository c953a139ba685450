/**
 * `peakgate run <scenario> (--target URL | --service REF) [--driver docker|swarm|process] [--service-cwd DIR]
 *  [--workers N] [--out DIR] [--json] [--allow-target HOST]`: drives one side only (no verdict) for
 * replays and capacity checks. With --target the service is already running (run-target.ts); with
 * --service the controller starts the build, loads it and adds its CPU and memory figures
 * (run-service.ts).
 *
 * SLOs: `--slo KEY=VALUE` (repeatable, the keys and units of the scenario's `compare.slo`, selectors
 * included: `latency.p99{name=checkout}=80ms`) replace the scenario's `compare.slo`; either is checked
 * after the load (run-slo-gate.ts), and a breach is outcome `fail` (exit 1).
 *
 * Outcome `done` when the run completed (errors in the target are figures, not failures),
 * `bad-build` when a started service never got ready or crashed during the load, `interrupted`
 * after Ctrl-C/SIGTERM (the partial figures are printed first, marked interrupted). Bad flags, a
 * bad scenario or a refused target throw (exit 2); a failed load engine or sandbox throws (exit 3).
 */
import { PeakgateError } from '@peakgate/core';
import type { Command } from 'commander';
import { SERVICE_HOST_OPTION } from '../comparison/service-host.js';
import { SHARDS_OPTION } from '../comparison/shards.js';
import { METRICS_OPTIONS, type MetricsFlags } from '../metrics-export.js';
import type { PeakgateCommand } from './command.js';

interface RunFlags extends MetricsFlags {
  target?: string;
  service?: string;
  driver?: string;
  serviceCwd?: string;
  serviceHost?: string;
  shards?: string;
  out?: string;
  force?: boolean;
  workers?: string;
  json?: boolean;
  allowTarget: string[];
  slo: string[];
}

export const runCommand: PeakgateCommand<RunFlags> = {
  define: (program: Command) =>
    program
      .command('run')
      .description('drive a scenario against one target or one started build (no baseline, no verdict)')
      .argument('<scenario>', 'scenario file (YAML or JSON)')
      .option(
        '--target <url>',
        'base URL of the running service, e.g. http://127.0.0.1:8080 (loopback only by default)',
      )
      .option(
        '--service <ref>',
        'start this build, load it, report its CPU and memory, then remove it: an image (docker driver) or a shell command that listens on $PORT (process driver)',
      )
      .option(
        '--driver <name>',
        'with --service: docker, swarm or process (default: docker, REF is an image, and the engine must answer; --service-cwd implies process)',
      )
      .option('--service-cwd <dir>', 'working directory of the --service command (process driver)')
      .option(...SERVICE_HOST_OPTION)
      .option(...SHARDS_OPTION)
      .option('--out <dir>', 'with --service: directory for the service log (default: .peakgate/runs/<time>)')
      .option(
        '--force',
        'use an --out that already holds files and no marker of an earlier peakgate run (links in it are refused all the same)',
      )
      .option('--workers <n>', 'load worker threads (default: available cores minus one, at least 1)')
      .option('--json', 'print only the LoadResult JSON on stdout (with --service, plus a "service" object)')
      .option(
        '--allow-target <host>',
        'allow this non-loopback target host (repeatable)',
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option(
        '--slo <key=value>',
        "an SLO to check after the load, as in the scenario's compare.slo (repeatable; replaces the scenario's): latency.p99=250ms, error_rate=0.1%, latency.p99{name=checkout}=80ms",
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option(...METRICS_OPTIONS.port)
      .option(...METRICS_OPTIONS.host)
      .option(...METRICS_OPTIONS.pushgateway)
      .addHelpText(
        'after',
        '\nExit codes: 0 done; 1 an SLO (--slo or compare.slo) is breached, or the --service build never got ready or\ncrashed during the load (the build is bad; the readiness message and its last log lines are printed); 2 bad flags or scenario; 3 sandbox failure\n(no Docker engine, image missing, port taken, load engine); 130 interrupted by Ctrl-C, 143 by SIGTERM.',
      ),
  async run({ args: [file = ''], flags, output }) {
    if (flags.target !== undefined && flags.service !== undefined) {
      throw new PeakgateError('PG_ERR_OPTS_INVALID', 'run: --target and --service exclude each other; give one');
    }
    const workers = parseWorkers(flags.workers);
    const json = flags.json === true;
    if (flags.service !== undefined) {
      const { runService } = await import('./run-service.js');
      return runService({
        file,
        ref: flags.service,
        driver: flags.driver,
        cwd: flags.serviceCwd,
        serviceHost: flags.serviceHost,
        shards: flags.shards,
        outDir: flags.out,
        force: flags.force,
        workers,
        json,
        output,
        metricsFlags: flags,
        slo: flags.slo,
      });
    }
    if (flags.shards !== undefined)
      throw new PeakgateError(
        'PG_ERR_OPTS_INVALID',
        'run: --shards applies to --service on the swarm driver (the shards are Swarm tasks), not to --target',
      );
    if (flags.target === undefined) {
      throw new PeakgateError('PG_ERR_OPTS_INVALID', 'run: give --target URL (a running service) or --service REF');
    }
    for (const [flag, value] of [
      ['--driver', flags.driver],
      ['--service-cwd', flags.serviceCwd],
      ['--service-host', flags.serviceHost],
      ['--out', flags.out],
    ] as const) {
      if (value !== undefined) throw new PeakgateError('PG_ERR_OPTS_INVALID', `run: ${flag} needs --service`);
    }
    if (flags.force === true) throw new PeakgateError('PG_ERR_OPTS_INVALID', 'run: --force needs --service');
    const { runTarget } = await import('./run-target.js');
    return runTarget({
      file,
      target: flags.target,
      workers,
      allowHosts: flags.allowTarget,
      json,
      output,
      metricsFlags: flags,
      slo: flags.slo,
    });
  },
};

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 256) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--workers: expected an integer from 1 to 256, got "${value}"`);
  }
  return n;
}
