/** The human summary of a LoadResult: one table row per measured phase plus the total. */
import type { ErrorCounts, LoadResult, PhaseResult } from '@peakgate/core';
import Table from 'cli-table3';

const ms = (value: number): string => value.toFixed(value >= 100 ? 1 : value >= 10 ? 2 : 3);
const rate = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

export function describeErrors(errors: ErrorCounts): string {
  const parts = (Object.entries(errors) as Array<[keyof ErrorCounts, number]>)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

type Row = Pick<PhaseResult, 'requests' | 'rate' | 'latency' | 'errors' | 'durationMs'>;

function row(name: string, model: string, r: Row): string[] {
  return [
    name,
    model,
    String(r.requests.total),
    `${rate(r.rate.achieved)}${r.rate.asked === null ? '' : ` / ${rate(r.rate.asked)}`}`,
    describeErrors(r.errors),
    ms(r.latency.p50),
    ms(r.latency.p90),
    ms(r.latency.p99),
    ms(r.latency.p999),
    ms(r.latency.max),
  ];
}

export function renderLoadSummary(result: LoadResult): string {
  const table = new Table({
    head: [
      'phase',
      'model',
      'requests',
      'req/s (got / asked)',
      'errors',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
    ],
    style: { head: [], border: [] },
  });
  for (const phase of result.phases) table.push(row(phase.name, phase.model, phase));
  if (result.phases.length > 1) table.push(row('total', result.latencyOrigin, result));
  const origin =
    result.latencyOrigin === 'intended-start'
      ? "latency from each request's intended start (open model, coordinated-omission free)"
      : result.latencyOrigin === 'actual-send'
        ? 'latency from the actual send (closed model)'
        : 'latency: open phases from the intended start, closed phases from the actual send';
  const lines = [
    `target ${result.target}  ${(result.durationMs / 1000).toFixed(1)} s  ${result.workers} worker${result.workers === 1 ? '' : 's'}${result.interrupted ? '  INTERRUPTED (partial figures)' : ''}`,
    table.toString(),
    origin,
  ];
  return `${lines.join('\n')}\n`;
}
