/**
 * `peakgate reap [--json]`: removes what dead peakgate processes left behind — containers and
 * Swarm services labelled peakgate.managed=true whose owner pid on this host is gone, and
 * process-driver groups recorded in pid files. Prints what it removed and how many. With no Docker engine reachable there can be
 * no containers to leak from it: it says so, still reaps process groups, and is done (a cleanup
 * with nothing to clean is not a failure; `compare --driver docker` reports the engine as exit 3).
 */
import type { Command } from 'commander';
import type { PeakgateCommand } from './command.js';

interface ReapFlags {
  json?: boolean;
}

export const reapCommand: PeakgateCommand<ReapFlags> = {
  define: (program: Command) =>
    program
      .command('reap')
      .description('remove containers and processes that crashed or killed peakgate runs left behind')
      .option('--json', 'print what was removed as JSON'),
  async run({ flags, output }) {
    // Loaded lazily: dockerode is not needed by validate and friends.
    const { reap } = await import('@peakgate/runtime');
    const result = await reap();
    if (flags.json === true) {
      output.result(`${JSON.stringify(result, null, 2)}\n`);
      return 'done';
    }
    if (!result.dockerReachable) output.info('no docker engine reachable; no containers to reap');
    for (const s of result.services)
      output.info(`removed swarm service ${s.name} (run ${s.runId}, ${s.role}, owner pid ${s.ownerPid} is gone)`);
    for (const c of result.containers)
      output.info(`removed container ${c.name} (run ${c.runId}, ${c.role}, owner pid ${c.ownerPid} is gone)`);
    for (const p of result.processes)
      output.info(
        `killed process group ${p.pgid} (run ${p.runId}, ${p.role}, owner pid ${p.ownerPid} is gone): ${p.command}`,
      );
    const total = result.services.length + result.containers.length + result.processes.length;
    const services = result.services.length > 0 ? `${result.services.length} swarm service(s), ` : '';
    output.result(
      total === 0
        ? 'nothing to reap'
        : `reaped ${services}${result.containers.length} container(s) and ${result.processes.length} process group(s)`,
    );
    return 'done';
  },
};
