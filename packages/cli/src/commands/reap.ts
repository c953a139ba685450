/**
 * `peakgate reap [--json]`: removes what dead peakgate processes left behind — containers and
 * Swarm services labelled peakgate.managed=true whose owner pid on this host is gone, process-driver
 * groups recorded in pid files, and the private networks of dead runs' dependencies. Prints what it
 * removed and what it left alone (with why), and how many. With no Docker engine reachable there can be
 * no containers to leak from it: it says so, still reaps process groups, and is done (a cleanup
 * with nothing to clean is not a failure; `compare --driver docker` reports the engine as exit 3).
 */
import type { SkippedContainer } from '@peakgate/runtime';
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
    for (const network of result.networks) output.info(`removed network ${network} (its owner is gone)`);
    for (const p of result.processes)
      output.info(
        `killed process group ${p.pgid} (run ${p.runId}, ${p.role}, owner pid ${p.ownerPid} is gone): ${p.command}`,
      );
    // Left alone on purpose: listed so that a user who expected them gone knows why they are not.
    for (const s of result.skippedServices) output.info(`skipped swarm service ${s.name}: ${SKIP_REASONS[s.reason]}`);
    for (const c of result.skippedContainers) output.info(`skipped container ${c.name}: ${SKIP_REASONS[c.reason]}`);
    const removed = [
      count(result.services.length, 'swarm service'),
      count(result.containers.length, 'container'),
      count(result.networks.length, 'network'),
      count(result.processes.length, 'process group'),
    ].filter((part) => part !== undefined);
    const skippedParts = [
      count(result.skippedServices.length, 'swarm service'),
      count(result.skippedContainers.length, 'container'),
    ].filter((part) => part !== undefined);
    const skippedText = skippedParts.length > 0 ? `; skipped ${skippedParts.join(', ')}` : '';
    output.result(
      removed.length === 0 ? `nothing to reap${skippedText}` : `reaped ${removed.join(', ')}${skippedText}`,
    );
    return 'done';
  },
};

const SKIP_REASONS: Readonly<Record<SkippedContainer['reason'], string>> = {
  'not-ours': 'its owner labels are missing or malformed (not started by peakgate, or edited)',
  'other-owner-namespace': 'its owner runs on another host or PID namespace (peakgate there reaps it)',
};

function count(n: number, noun: string): string | undefined {
  if (n === 0) return undefined;
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
