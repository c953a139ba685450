/**
 * The prom-client registry the controller owns. It listens to progress events, so the CLI, the
 * HTTP API's /metrics and a Pushgateway all see the same figures. Names follow Prometheus
 * conventions: base units (seconds, bytes), `_total` for counters.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { ProgressEvent } from './progress.js';

export class ComparisonMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'peakgate_requests_total',
    help: 'Requests completed by the load engine in measured phases',
    labelNames: ['scenario', 'role'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'peakgate_request_errors_total',
    help: 'Requests that failed (unexpected status, timeout, refused, reset) in measured phases',
    labelNames: ['scenario', 'role'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Gauge({
    name: 'peakgate_latency_seconds',
    help: 'Latency of the last completed second of load, by quantile',
    labelNames: ['scenario', 'role', 'quantile'] as const,
    registers: [this.registry],
  });
  private readonly trials = new Counter({
    name: 'peakgate_trials_total',
    help: 'Trials finished, by role and outcome',
    labelNames: ['scenario', 'role', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly cpuPerRequest = new Gauge({
    name: 'peakgate_service_cpu_per_request_seconds',
    help: 'Service CPU time per request in the last finished trial',
    labelNames: ['scenario', 'role'] as const,
    registers: [this.registry],
  });
  private scenario = '';

  readonly listener = (event: ProgressEvent): void => {
    switch (event.type) {
      case 'comparison-started':
        this.scenario = event.scenario;
        break;
      case 'sample': {
        const labels = { scenario: this.scenario, role: event.role };
        this.requests.inc(labels, event.sample.requests);
        this.errors.inc(labels, event.sample.errors);
        this.latency.set({ ...labels, quantile: '0.5' }, event.sample.p50Ms / 1000);
        this.latency.set({ ...labels, quantile: '0.99' }, event.sample.p99Ms / 1000);
        break;
      }
      case 'trial-finished': {
        const { trial } = event;
        const outcome = !trial.exit.ready
          ? 'not-ready'
          : trial.exit.oomKilled
            ? 'oom'
            : trial.exit.crashed
              ? 'crashed'
              : 'ok';
        this.trials.inc({ scenario: this.scenario, role: trial.role, outcome });
        if (trial.service !== null) {
          this.cpuPerRequest.set({ scenario: this.scenario, role: trial.role }, trial.service.cpuPerRequestMs / 1000);
        }
        break;
      }
      default:
        break;
    }
  };
}
