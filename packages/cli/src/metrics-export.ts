/**
 * `--metrics-port P`, `--metrics-host H` and `--pushgateway URL` for `compare` and `run`: the
 * controller's registry served at /metrics while the command runs (loopback by default), and
 * pushed once to a Pushgateway at the end (CI jobs end before a scrape would see them). The push
 * replaces one group, job `peakgate` + `scenario`, and touches no other. A failed push is a
 * warning: the verdict, not the dashboard, decides the exit code.
 */
import type { ComparisonMetrics, VerdictLabel } from '@peakgate/controller';
import type { Output } from './output.js';

export interface MetricsFlags {
  metricsPort?: string;
  metricsHost?: string;
  pushgateway?: string;
}

export interface MetricsExport {
  metrics: ComparisonMetrics;
  /** Ends the export: records the verdict (compare), pushes, stops serving. */
  finish(verdict?: VerdictLabel): Promise<void>;
}

/** The three flags as commander `.option(...)` arguments, shared by compare and run. */
export const METRICS_OPTIONS = {
  port: ['--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics while this runs'],
  host: ['--metrics-host <host>', 'address for --metrics-port', '127.0.0.1'],
  pushgateway: [
    '--pushgateway <url>',
    'push the final metrics to this Prometheus Pushgateway (job peakgate, grouped by scenario)',
  ],
} as const;

/**
 * Starts what the flags ask for; undefined when they ask for nothing (no registry, no cost). The
 * flags are checked by the run request resolver (controller's run-request.ts), loaded only then.
 */
export async function startMetricsExport(
  flags: MetricsFlags,
  scenario: string,
  output: Output,
): Promise<MetricsExport | undefined> {
  if (flags.metricsPort === undefined && flags.pushgateway === undefined) return undefined;
  const { ComparisonMetrics, pushMetrics, resolveMetricsOptions } = await import('@peakgate/controller');
  const options = resolveMetricsOptions(flags);
  if (options === undefined) return undefined;
  const { port, pushgateway } = options;
  const metrics = new ComparisonMetrics();
  metrics.begin(scenario);
  let endpoint: { url: string; close(): Promise<void> } | undefined;
  if (port !== undefined) {
    const { startMetricsEndpoint } = await import('@peakgate/server');
    endpoint = await startMetricsEndpoint(metrics, { host: options.host, port });
    output.info(`metrics: ${endpoint.url}`);
  }
  return {
    metrics,
    finish: async (verdict) => {
      if (verdict !== undefined) metrics.observeVerdict(verdict);
      else metrics.end();
      try {
        if (pushgateway !== undefined) {
          await pushMetrics(metrics, { url: pushgateway, groupings: { scenario } });
          output.info(`metrics pushed to ${pushgateway} (job peakgate, scenario ${scenario})`);
        }
      } catch (error) {
        output.error(`peakgate: warning: could not push metrics to ${pushgateway}: ${(error as Error).message}`);
      } finally {
        await endpoint?.close();
      }
    },
  };
}
