/**
 * SLO checks of one build alone (`peakgate run --slo`, or the scenario's `compare.slo`): the same
 * absolute bounds the judge holds a candidate to, on one LoadResult and, when peakgate started the
 * service, its CPU and memory figures. No baseline, no interval: a point value against a bound.
 *
 * Latency is checked per phase (whole mix, or one request name), the error rate over the run,
 * throughput per closed-model phase, CPU per request and peak memory over the measured window.
 */
import type { LoadResult, PhaseResult } from '../load-result.js';
import type { MetricName, RequestJudgeSpec } from '../scenario/model.js';
import type { SloFinding } from './finding.js';
import { LATENCY_LEVELS, METRIC_DEFAULTS } from './metric-defaults.js';

export interface RunSloSpec {
  slo: Partial<Record<MetricName, number>>;
  byRequest?: Record<string, RequestJudgeSpec>;
}

/** What the service used, when peakgate started it (run --service). */
export interface RunServiceFigures {
  cpuPerRequestMs: number;
  memoryPeakBytes: number;
}

/** One bound checked against one value. */
export interface RunSloCheck {
  metric: MetricName;
  label: string;
  request?: string;
  phase?: string;
  observed: number;
  slo: number;
  unit: SloFinding['unit'];
  status: 'pass' | 'fail';
}

export interface RunSloResult {
  verdict: 'pass' | 'fail';
  checks: RunSloCheck[];
  /** The failing checks as findings (describeReason words them like a comparison's SLO reasons). */
  breaches: SloFinding[];
  /** Bounds that could not be checked (CPU without a started service, throughput without a closed phase). */
  warnings: string[];
}

const LATENCY_KEYS = {
  'latency.p50': 'p50',
  'latency.p90': 'p90',
  'latency.p99': 'p99',
  'latency.p999': 'p999',
} as const;

export function checkRunSlo(load: LoadResult, spec: RunSloSpec, service?: RunServiceFigures): RunSloResult {
  const checks: RunSloCheck[] = [];
  const warnings: string[] = [];
  const check = (metric: MetricName, observed: number, slo: number, where: { phase?: string; request?: string }) => {
    const defaults = METRIC_DEFAULTS[metric];
    const breached = defaults.direction === 'lower-is-better' ? observed > slo : observed < slo;
    checks.push({
      metric,
      label: defaults.label,
      ...(where.request === undefined ? {} : { request: where.request }),
      ...(where.phase === undefined ? {} : { phase: where.phase }),
      observed,
      slo,
      unit: defaults.unit,
      status: breached ? 'fail' : 'pass',
    });
  };
  const sections: Array<[string | undefined, Partial<Record<MetricName, number>>]> = [
    [undefined, spec.slo],
    ...Object.entries(spec.byRequest ?? {}).map(
      ([name, own]) => [name, own.slo] as [string, Partial<Record<MetricName, number>>],
    ),
  ];
  for (const [request, slo] of sections) {
    for (const [metric, bound] of Object.entries(slo) as Array<[MetricName, number | undefined]>) {
      if (bound === undefined) continue;
      if (metric in LATENCY_KEYS && LATENCY_LEVELS[metric] !== undefined) {
        const key = LATENCY_KEYS[metric as keyof typeof LATENCY_KEYS];
        for (const phase of load.phases) {
          const figures = request === undefined ? phase : phase.byName?.[request];
          if (!figures || figures.latency.count === 0) {
            if (request !== undefined)
              warnings.push(`${metric}{name=${request}} not checked in phase ${phase.name}: no responses`);
            continue;
          }
          check(metric, figures.latency[key], bound, {
            phase: phase.name,
            ...(request === undefined ? {} : { request }),
          });
        }
      } else if (metric === 'error_rate') {
        const figures = request === undefined ? load : load.byName?.[request];
        if (!figures || figures.requests.total === 0) {
          warnings.push(`error_rate${request === undefined ? '' : `{name=${request}}`} not checked: no requests`);
          continue;
        }
        check(
          metric,
          figures.requests.errors / figures.requests.total,
          bound,
          request === undefined ? {} : { request },
        );
      } else if (metric === 'throughput') {
        const closed = load.phases.filter((phase: PhaseResult) => phase.model === 'closed' && phase.durationMs > 0);
        if (closed.length === 0) warnings.push('throughput not checked: no closed-model (connections) phase');
        for (const phase of closed)
          check(metric, (phase.requests.ok * 1000) / phase.durationMs, bound, { phase: phase.name });
      } else if (metric === 'cpu.per_request' || metric === 'memory.peak') {
        if (!service) {
          warnings.push(`${metric} not checked: peakgate did not start the service (use --service)`);
          continue;
        }
        check(metric, metric === 'cpu.per_request' ? service.cpuPerRequestMs : service.memoryPeakBytes, bound, {});
      }
    }
  }
  const breaches: SloFinding[] = checks
    .filter((c) => c.status === 'fail')
    .map((c) => ({
      kind: 'slo',
      metric: c.metric,
      label: c.label,
      ...(c.phase === undefined ? {} : { phase: c.phase }),
      ...(c.request === undefined ? {} : { request: c.request }),
      unit: c.unit,
      direction: METRIC_DEFAULTS[c.metric].direction,
      observed: c.observed,
      slo: c.slo,
      scope: 'estimate',
    }));
  return { verdict: breaches.length > 0 ? 'fail' : 'pass', checks, breaches, warnings };
}
