/**
 * What `peakgate run` prints: the LoadResult as JSON (with `service` for --service, `slo` when SLOs
 * were checked) or a table with one row per measured phase plus the total (and, for a mix of several
 * request names, a row per name under each), the SLO checks, and progress lines for a terminal.
 */
import {
  type DriverName,
  describeReason,
  type ErrorCounts,
  fewSamplesNote,
  formatValue,
  type LoadResult,
  type PhaseResult,
  type RunSloResult,
  type SecondSample,
} from '@peakgate/core';
import { fitTable } from '../fit-table.js';
import { colorEnabled, type Output } from '../output.js';
import { oneLine } from '../terminal-text.js';
import { printable, terminalColumns, wrapText } from '../terminal-width.js';

const ms = (value: number): string => value.toFixed(value >= 100 ? 1 : value >= 10 ? 2 : 3);
const rate = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

export function describeErrors(errors: ErrorCounts): string {
  const parts = (Object.entries(errors) as Array<[keyof ErrorCounts, number]>)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

type Row = Pick<PhaseResult, 'requests' | 'rate' | 'latency' | 'errors' | 'durationMs'>;

/**
 * The percentiles a row shows that rest on too few requests (sample-size.ts): their cells get a `*`
 * and the notes go under the table.
 */
function thinPercentiles(r: Row): { p99: boolean; p999: boolean; notes: string[] } {
  const p99 = fewSamplesNote(99, r.requests.total);
  const p999 = fewSamplesNote(99.9, r.requests.total);
  // p99.9 from too few is the usual case on a short run; it is said only when p99 is fine.
  return {
    p99: p99 !== undefined,
    p999: p999 !== undefined,
    notes: p99 !== undefined ? [p99] : p999 !== undefined ? [p999] : [],
  };
}

function row(name: string, model: string, r: Row, notes?: string[]): string[] {
  const thin = r.requests.total > 0 ? thinPercentiles(r) : { p99: false, p999: false, notes: [] };
  for (const note of thin.notes) notes?.push(`${oneLine(name.trim())}: ${note}`);
  return [
    // A phase or request name from the scenario: its line breaks shown, not kept.
    oneLine(name),
    model,
    String(r.requests.total),
    `${rate(r.rate.achieved)}${r.rate.asked === null ? '' : ` / ${rate(r.rate.asked)}`}`,
    describeErrors(r.errors),
    ms(r.latency.p50),
    ms(r.latency.p90),
    `${ms(r.latency.p99)}${thin.p99 ? ' *' : ''}`,
    `${ms(r.latency.p999)}${thin.p999 ? ' *' : ''}`,
    ms(r.latency.max),
  ];
}

/** A request name's row: its counts, errors and latency; its rate is its share of the phase's duration. */
function kindRow(
  name: string,
  phase: PhaseResult,
  kind: NonNullable<PhaseResult['byName']>[string],
  notes: string[],
): string[] {
  const achieved = phase.durationMs > 0 ? ((kind.requests.total - kind.errors.dropped) * 1000) / phase.durationMs : 0;
  return row(`  ${name}`, '', { ...kind, durationMs: phase.durationMs, rate: { asked: null, achieved } }, notes);
}

/**
 * The table fitted to `width` columns (default: the terminal's): long phase and request names wrap,
 * and a table that cannot fit at all is cut into parts that each repeat the name column.
 */
export function renderLoadSummary(result: LoadResult, width = terminalColumns(process.stdout)): string {
  const head = [
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
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  const named = Object.keys(result.byName ?? {}).length > 1;
  for (const phase of result.phases) {
    rows.push(row(phase.name, phase.model, phase, notes));
    // Per request name, under its phase (a one-name mix would repeat the phase row).
    if (named)
      for (const [name, kind] of Object.entries(phase.byName ?? {})) rows.push(kindRow(name, phase, kind, notes));
  }
  if (result.phases.length > 1) rows.push(row('total', result.latencyOrigin, result, notes));
  const color = colorEnabled(process.stdout);
  const table = fitTable(head, rows, { width, color, keyColumns: 1, names: [0] });
  const origin =
    result.latencyOrigin === 'intended-start'
      ? "latency from each request's intended start (open model, coordinated-omission free)"
      : result.latencyOrigin === 'actual-send'
        ? 'latency from the actual send (closed model)'
        : 'latency: open phases from the intended start, closed phases from the actual send';
  const schedule =
    result.schedule === undefined
      ? []
      : [
          `timeline schedule error: ${result.schedule.arrivals} arrivals left p50 ${ms(result.schedule.lateness.p50)} ms, p99 ${ms(result.schedule.lateness.p99)} ms, max ${ms(result.schedule.lateness.max)} ms after their recorded time`,
        ];
  const sharding = result.sharding;
  const shards =
    sharding === undefined
      ? []
      : [
          `load shards: ${sharding.shards.length}, start skew ${ms(sharding.startSkewMs)} ms`,
          ...sharding.shards.map(
            (shard) =>
              `  shard ${shard.index} on ${shard.node}${shard.nodeId ? ` (${shard.nodeId.slice(0, 12)})` : ''}: ${shard.requests} requests, ${shard.errors} errors, ${shard.achievedRate} req/s, started ${ms(shard.startLagMs)} ms late`,
          ),
        ];
  // Every line within the width: a sentence wraps under its own start (printable: measured as printed).
  const fitted = (lead: string, text: string): string =>
    wrapText(printable(text, color), Math.max(20, width - lead.length))
      .split('\n')
      .map((line, i) => `${i === 0 ? lead : ' '.repeat(lead.length)}${line}`)
      .join('\n');
  const lines = [
    fitted(
      '',
      `target ${result.target}  ${(result.durationMs / 1000).toFixed(1)} s  ${result.workers} worker${result.workers === 1 ? '' : 's'}${result.interrupted ? '  INTERRUPTED (partial figures)' : ''}`,
    ),
    table,
    ...notes.map((note) => fitted('* ', note)),
    fitted('', origin),
    ...schedule.map((line) => fitted('', line)),
    ...shards.map((line) => fitted(line.startsWith('  ') ? '  ' : '', line.trimStart())),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The started service's figures over the measured window, as `peakgate run --service` adds them to
 * the `--json` result under `service`. camelCase, like every JSON document peakgate writes.
 */
export interface ServiceRunFigures {
  runId: string;
  driver: DriverName;
  /** The image (docker) or shell command (process) that was started. */
  ref: string;
  /** From the start call to a passing readiness check. */
  readyMs: number;
  /** The service's own CPU time over the measured load (warm-up excluded). */
  cpuSeconds: number;
  cpuPerRequestMs: number;
  /** Highest memory reading during the measured load (sampled about once a second). */
  memoryPeakBytes: number;
  /** CPU set the service ran on, or null when unpinned. */
  cpuset: string | null;
  /** CPU set this process (the load engine) ran on, or null when unpinned. */
  loadCpuset: string | null;
  logPath: string;
  /** True when the service ended on its own (crash, OOM kill) during the load. */
  crashed: boolean;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Lines printed under the load table for `run --service`. */
export function renderServiceSummary(figures: ServiceRunFigures): string {
  const pinning =
    figures.cpuset === null
      ? 'not pinned: service and load share the cores'
      : `service on CPU ${figures.cpuset}, load on CPU ${figures.loadCpuset ?? 'any (pinning unavailable)'}`;
  const lines = [
    `service ${figures.driver} ${figures.ref}  ready in ${figures.readyMs} ms${figures.crashed ? '  CRASHED during the load' : ''}`,
    `  CPU ${figures.cpuSeconds.toFixed(3)} s over the measured load (${figures.cpuPerRequestMs.toFixed(3)} ms per request)  memory peak ${mib(figures.memoryPeakBytes)}`,
    `  ${pinning}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The SLO checks under the table: each bound with its value, breaches first. */
export function renderSloSummary(slo: RunSloResult): string {
  const lines = [
    slo.verdict === 'pass'
      ? `SLO: all ${slo.checks.length} check(s) pass`
      : `SLO BREACHED: ${slo.breaches.length} of ${slo.checks.length} check(s)`,
  ];
  for (const breach of slo.breaches) lines.push(`  - ${describeReason(breach)}`);
  for (const check of slo.checks.filter((c) => c.status === 'pass')) {
    const subject = oneLine(check.request === undefined ? check.label : `${check.label} of ${check.request}`);
    const where = check.phase === undefined ? '' : ` in phase ${check.phase}`;
    lines.push(
      `  ok ${subject}${where}: ${formatValue(check.observed, check.unit)} (SLO ${formatValue(check.slo, check.unit)})`,
    );
  }
  for (const warning of slo.warnings) lines.push(`  note: ${warning}`);
  return `${lines.join('\n')}\n`;
}

/** Prints the LoadResult as JSON (with `service` and `slo` when given) or as the summary table. */
export function printRunResult(
  result: LoadResult,
  options: { json: boolean; output: Output; service?: ServiceRunFigures; slo?: RunSloResult },
): void {
  const { json, output, service, slo } = options;
  if (json) {
    const document = {
      ...result,
      ...(service === undefined ? {} : { service }),
      ...(slo === undefined ? {} : { slo }),
    };
    output.result(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  output.result(
    renderLoadSummary(result) +
      (service === undefined ? '' : renderServiceSummary(service)) +
      (slo === undefined ? '' : renderSloSummary(slo)),
  );
}

/** One measured (or warm-up) second, for a terminal following the load. */
export function progressLine(sample: SecondSample): string {
  const label = sample.warmup ? 'warm-up' : `${String(sample.second + 1).padStart(3)}s`;
  return `${label} ${oneLine(sample.phase).padEnd(10)} ${String(sample.requests).padStart(7)} req ${String(sample.errors).padStart(6)} err  p50 ${sample.p50Ms.toFixed(2)} ms  p99 ${sample.p99Ms.toFixed(2)} ms`;
}
