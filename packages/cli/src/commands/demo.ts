/**
 * `peakgate demo`: compares the sample balancer's `good` build (baseline) against its
 * `regressed` build (candidate: a redundant loop in the balancing path, about +20% CPU per
 * request on the 2-core CI VM) on whatever driver is available, and shows the verdict. The FAIL
 * verdict is the expected outcome: the demo is `done` (exit 0) when the sandbox worked and caught
 * the regression (demo-outcome.ts says what counts), `fail` (exit 1) when the gate missed it; a
 * broken sandbox throws (exit 3).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BuildSpec,
  type DriverName,
  driverRunsImages,
  formatChange,
  loadScenarioFile,
  PeakgateError,
} from '@peakgate/core';
import type { Command } from 'commander';
import { executeComparison } from '../comparison/compare-in-terminal.js';
import { SERVICE_HOST_OPTION } from '../comparison/service-host.js';
import { SHARDS_OPTION } from '../comparison/shards.js';
import { installRoot } from '../install-root.js';
import type { PeakgateCommand } from './command.js';
import { demoOutcome } from './demo-outcome.js';

interface DemoFlags {
  driver?: string;
  serviceHost?: string;
  shards?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

const IMAGES = { baseline: 'peakgate/balancer:good', candidate: 'peakgate/balancer:regressed' } as const;

export const demoCommand: PeakgateCommand<DemoFlags> = {
  define: (program: Command) =>
    program
      .command('demo')
      .description('compare the sample service good vs regressed build and show that peakgate catches the regression')
      .option(
        '--driver <name>',
        'docker, swarm or process (default: docker when the sample images exist, else process)',
      )
      .option(...SERVICE_HOST_OPTION)
      .option(...SHARDS_OPTION)
      .option('--out <dir>', 'write report.json, summary.md, junit.xml and report.html here')
      .option(
        '--force',
        'use an --out that already holds files and no marker of an earlier peakgate run (links in it are refused all the same)',
      )
      .option('--json', 'print report.json on stdout')
      .option('--quiet', 'no progress: print only the verdict (or the --json document) and errors'),
  async run({ flags, output }) {
    const controller = await import('@peakgate/controller');
    // The demo's own default (its help): docker when the sample images exist, else process.
    const driver = controller.parseDriver(flags.driver) ?? (await demoDriver());
    const root = installRoot();
    const loaded = await loadScenarioFile(join(root, 'scenarios', 'balancer-peak.yaml'));
    const server = join(root, 'docker', 'services', 'balancer', 'dist', 'server.js');
    const build = (mode: 'good' | 'regressed'): BuildSpec =>
      driverRunsImages(driver)
        ? { kind: 'image', image: mode === 'good' ? IMAGES.baseline : IMAGES.candidate }
        : { kind: 'command', command: `node ${JSON.stringify(server)}`, env: { MODE: mode } };
    // Everything else as for compare: one run request (controller's run-request.ts).
    const request = controller.resolveRunRequest({
      kind: 'compare',
      origin: 'cli',
      scenario: { ...loaded, baseline: build('good'), candidate: build('regressed') },
      flags: { driver, serviceHost: flags.serviceHost, shards: flags.shards },
      env: process.env,
    });
    if (driver === 'process' && !existsSync(server)) {
      throw new PeakgateError(
        'PG_ERR_RUNTIME_START',
        `sample service not built: ${server} is missing; run pnpm build (in a checkout) or reinstall peakgate`,
      );
    }
    await controller.ensureEngine(driver);
    const { scenario, baseline, candidate } = request;
    if (baseline === undefined || candidate === undefined)
      throw new PeakgateError('PG_ERR_INTERNAL', 'a comparison request without builds');
    const say = (line: string): void => {
      if (flags.quiet !== true) output.info(line);
    };
    say(
      `peakgate demo: baseline = balancer good, candidate = balancer regressed (a redundant re-scoring loop), driver ${driver}`,
    );
    const { judgement } = await executeComparison({
      scenario,
      driver,
      baseline,
      candidate,
      runtime: request.runtime,
      ...(request.shards !== undefined ? { shards: request.shards } : {}),
      ...(flags.out !== undefined ? { outDir: flags.out } : {}),
      ...(flags.force === true ? { force: true } : {}),
      json: flags.json === true,
      quiet: flags.quiet === true,
      output,
    });
    const outcome = demoOutcome(judgement);
    if (!outcome.caught) {
      output.error(`demo: the gate did NOT catch the CPU regression of the regressed build (${outcome.why}); exit 1`);
      return 'fail';
    }
    if (outcome.cpuStatus === 'marginal') {
      say(
        `demo: the gate caught the regression (FAIL is the expected verdict): it stopped at the first failing look, with CPU per request ${formatChange(outcome.cpuChange)} past its limit but not yet at that look's confidence; exit 0`,
      );
    } else say('demo: the gate caught the regression (FAIL is the expected verdict); exit 0');
    return 'done';
  },
};

async function demoDriver(): Promise<DriverName> {
  const { createDocker, dockerAvailable } = await import('@peakgate/runtime');
  const docker = createDocker();
  if (!(await dockerAvailable(docker))) return 'process';
  for (const image of Object.values(IMAGES)) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      return 'process';
    }
  }
  return 'docker';
}
