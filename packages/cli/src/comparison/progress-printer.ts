/**
 * One line per trial and per measured second on stderr, so a person (or a CI log) can follow a
 * comparison. Quiet with --json unless stderr is a terminal.
 */
import type { ProgressListener } from '@peakgate/controller';
import type { Output } from '../output.js';

export function progressPrinter(output: Output, options: { perSecond: boolean }): ProgressListener {
  return (event) => {
    switch (event.type) {
      case 'comparison-started':
        output.info(
          `peakgate: comparing on the ${event.driver} driver, ${event.plannedRounds} round(s) planned (run ${event.runId})`,
        );
        break;
      case 'trial-started':
        output.info(`round ${event.round}: ${event.role} starting`);
        break;
      case 'service-ready':
        output.info(`round ${event.round}: ${event.role} ready in ${Math.round(event.readyMs)} ms at ${event.url}`);
        break;
      case 'sample':
        if (options.perSecond) {
          const s = event.sample;
          output.info(
            `  ${event.role.padEnd(9)} ${String(s.second + 1).padStart(3)}s ${s.phase.padEnd(8)} ${String(s.requests).padStart(6)} req ${String(s.errors).padStart(5)} err  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms`,
          );
        }
        break;
      case 'trial-finished': {
        const { trial } = event;
        const load = trial.load;
        const figures =
          load === null
            ? (trial.exit.message ?? 'no load sent')
            : `${load.requests.total} req, ${load.requests.errors} errors, p99 ${load.latency.p99.toFixed(2)} ms${trial.service ? `, CPU ${(trial.service.cpuPerRequestMs * 1000).toFixed(1)} µs/req` : ''}`;
        const ending = trial.exit.oomKilled
          ? ' [OOM-killed]'
          : trial.exit.crashed
            ? ' [crashed]'
            : !trial.exit.ready
              ? ' [never ready]'
              : '';
        output.info(`round ${trial.round}: ${trial.role} done: ${figures}${ending}`);
        break;
      }
      case 'round-finished':
        if (event.needsMoreRounds) output.info(`round ${event.round}: a metric is marginal; running another round`);
        break;
      default:
        break;
    }
  };
}
