/**
 * The charts of report.html as plain data: one `ChartSpec` per chart, x values and aligned y
 * series, ready for uPlot in the browser (report-page-script.ts draws them). Kept apart from the
 * page so what each chart shows is testable without a browser.
 */
import type { Role } from '../scenario/model.js';
import { SIDE_COLORS } from '../wording/verdict-wording.js';
import type { Report, ReportTrial } from './report-types.js';

export interface ChartSeriesSpec {
  label: string;
  role: Role;
  color: string;
  /** Dashed line. */
  dash: boolean;
  /** Hidden until its legend entry is clicked. */
  hidden: boolean;
  /**
   * An edge of its side's band (the lowest or highest of the side's trials each second): drawn
   * only as the band's fill and kept out of the legend; the median line's hover value names it.
   */
  band?: 'lower' | 'upper';
  values: (number | null)[];
}

/** A filled band between two series of a chart (indexes into `series`), in its side's colour. */
export interface ChartBand {
  upper: number;
  lower: number;
  color: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** x axis: seconds of the measured load, a percentile (log scale of 1/(1-p)), or a round number. */
  xKind: 'seconds' | 'percentile' | 'round';
  yLog: boolean;
  /** Draw points (few x values: rounds, percentiles). */
  points: boolean;
  x: number[];
  series: ChartSeriesSpec[];
  bands: ChartBand[];
}

const ROLES: readonly Role[] = ['baseline', 'candidate'];

/** One colour per side in every chart (verdict-wording.ts's two constants). */
export const sideColor = (role: Role): string => SIDE_COLORS[role];

/** Aligns per-line (x, y) points on the union of their x values; missing points are null (a gap). */
function align(lines: readonly { points: ReadonlyMap<number, number> }[]): {
  x: number[];
  columns: (number | null)[][];
} {
  const xs = new Set<number>();
  for (const line of lines) for (const key of line.points.keys()) xs.add(key);
  const x = [...xs].sort((a, b) => a - b);
  return { x, columns: lines.map((line) => x.map((key) => line.points.get(key) ?? null)) };
}

function median(sorted: readonly number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * One side's trials per second as a median line and, with two trials or more, a min–max band:
 * two lines and a shaded band per chart instead of one line (and one colour) per trial.
 */
function sideSummary(
  trials: readonly ReportTrial[],
  pick: (trial: ReportTrial) => ReadonlyMap<number, number>,
): { count: number; median: Map<number, number>; lower: Map<number, number>; upper: Map<number, number> } {
  const bySecond = new Map<number, number[]>();
  let count = 0;
  for (const trial of trials) {
    const points = pick(trial);
    if (points.size > 0) count++;
    for (const [second, value] of points) {
      const values = bySecond.get(second) ?? [];
      values.push(value);
      bySecond.set(second, values);
    }
  }
  const result = { count, median: new Map(), lower: new Map(), upper: new Map() };
  for (const [second, values] of bySecond) {
    const sorted = [...values].sort((a, b) => a - b);
    result.median.set(second, median(sorted));
    result.lower.set(second, sorted[0] as number);
    result.upper.set(second, sorted.at(-1) as number);
  }
  return result;
}

/** The per-second chart of one figure: per side a median line and a min–max band of its trials. */
function perSecondChart(
  report: Report,
  spec: Pick<ChartSpec, 'id' | 'title' | 'yLabel'>,
  pick: (trial: ReportTrial) => ReadonlyMap<number, number>,
): ChartSpec {
  const sides = ROLES.map((role) => ({
    role,
    summary: sideSummary(
      report.trials.filter((trial) => trial.role === role),
      pick,
    ),
  })).filter((side) => side.summary.count > 0);
  const lines: { points: Map<number, number>; role: Role; label: string; band?: 'lower' | 'upper' }[] = [];
  const bands: Omit<ChartBand, 'color'>[] = [];
  for (const { role, summary } of sides) {
    // A short legend entry: the page's caption says the line is the median and the band the range.
    lines.push({ points: summary.median, role, label: role });
    if (summary.count > 1) {
      lines.push(
        { points: summary.lower, role, label: `${role} lowest trial`, band: 'lower' },
        { points: summary.upper, role, label: `${role} highest trial`, band: 'upper' },
      );
      bands.push({ lower: lines.length - 2, upper: lines.length - 1 });
    }
  }
  const { x, columns } = align(lines);
  return {
    ...spec,
    xLabel: 'seconds into the measured load',
    xKind: 'seconds',
    yLog: false,
    points: x.length < 3,
    x,
    series: lines.map((line, i) => ({
      label: line.label,
      role: line.role,
      color: sideColor(line.role),
      dash: false,
      hidden: false,
      ...(line.band === undefined ? {} : { band: line.band }),
      values: columns[i] as (number | null)[],
    })),
    bands: bands.map((band) => ({ ...band, color: sideColor(lines[band.lower]?.role ?? 'baseline') })),
  };
}

function latencyByPhase(report: Report): ChartSpec[] {
  const phases = [...new Set(report.trials.flatMap((t) => t.series.map((s) => s.phase)))];
  return phases.map((phase, index) =>
    perSecondChart(
      report,
      { id: `latency-${index}`, title: `p99 latency per second: ${phase}`, yLabel: 'ms' },
      (trial) => new Map(trial.series.filter((s) => s.phase === phase).map((s) => [s.second, s.p99Ms] as const)),
    ),
  );
}

/** x of a percentile on the curve: 1/(1-p), so p50 → 2, p99 → 100, p99.99 → 10,000 (a log axis). */
export const percentileX = (percentile: number): number => 100 / (100 - percentile);

function percentileCurve(report: Report): ChartSpec | undefined {
  const curves = (report.latencyPercentiles ?? []).filter((curve) => curve.points.length > 0);
  if (curves.length === 0) return undefined;
  const { x, columns } = align(
    curves.map((curve) => ({ points: new Map(curve.points.map((p) => [percentileX(p.percentile), p.ms] as const)) })),
  );
  const all = columns.flat().filter((v): v is number => v !== null);
  return {
    id: 'percentiles',
    title: 'Latency percentiles, all trials of a side merged',
    xLabel: 'percentile',
    yLabel: 'ms',
    xKind: 'percentile',
    yLog: all.length > 0 && all.every((v) => v > 0),
    points: true,
    x,
    series: curves.map((curve, i) => ({
      label: `${curve.role} (${curve.count.toLocaleString('en-US')} requests)`,
      role: curve.role,
      color: sideColor(curve.role),
      dash: false,
      hidden: false,
      values: columns[i] as (number | null)[],
    })),
    bands: [],
  };
}

/**
 * Resource samples per second of the measured load, on the same origin as the latency series: an
 * interval between two readings is placed at the second it started in (the first starts at 0), so
 * CPU and memory start at second 0 like latency. An interval shorter than half a second (the
 * partial last one, read as the load stopped) is left out: drawn as a whole second it read as a
 * drop to zero.
 */
export function resourcesBySecond(
  trial: ReportTrial,
  pick: (r: ReportTrial['resources'][number]) => number,
): Map<number, number> {
  const points = new Map<number, number>();
  const samples = [...trial.resources].sort((a, b) => a.atMs - b.atMs);
  let start = 0;
  for (const sample of samples) {
    if (sample.atMs - start >= 500) points.set(Math.round(start / 1000), pick(sample));
    start = sample.atMs;
  }
  return points;
}

function roundChart(
  report: Report,
  spec: Pick<ChartSpec, 'id' | 'title' | 'yLabel'>,
  pick: (trial: ReportTrial) => number | null,
): ChartSpec {
  const roles = ROLES;
  const { x, columns } = align(
    roles.map((role) => {
      const points = new Map<number, number>();
      for (const trial of report.trials) {
        const value = trial.role === role ? pick(trial) : null;
        if (value !== null) points.set(trial.round, value);
      }
      return { points };
    }),
  );
  return {
    ...spec,
    xLabel: 'round',
    xKind: 'round',
    yLog: false,
    points: true,
    x,
    series: roles.map((role, i) => ({
      label: role,
      role,
      color: sideColor(role),
      dash: false,
      hidden: false,
      values: columns[i] as (number | null)[],
    })),
    bands: [],
  };
}

/**
 * Every uPlot chart of the page, in page order; charts without any data are left out, and so is
 * the errors chart when no trial had an error (`noErrors`: the page says "no errors" instead).
 */
export function reportCharts(report: Report): { timeline: ChartSpec[]; rounds: ChartSpec[]; noErrors: boolean } {
  const curve = percentileCurve(report);
  const measured = report.trials.some((t) => t.series.length > 0);
  const noErrors =
    measured && report.trials.every((t) => t.requests.errors === 0 && t.series.every((s) => s.errors === 0));
  const timeline = [
    ...latencyByPhase(report),
    ...(curve ? [curve] : []),
    perSecondChart(
      report,
      { id: 'throughput', title: 'Requests per second', yLabel: 'req/s' },
      (t) => new Map(t.series.map((s) => [s.second, s.requests] as const)),
    ),
    ...(noErrors
      ? []
      : [
          perSecondChart(
            report,
            { id: 'errors', title: 'Errors per second', yLabel: 'errors/s' },
            (t) => new Map(t.series.map((s) => [s.second, s.errors] as const)),
          ),
        ]),
    perSecondChart(report, { id: 'cpu', title: 'Service CPU', yLabel: 'cores' }, (t) =>
      resourcesBySecond(t, (r) => r.cpuCores),
    ),
    perSecondChart(report, { id: 'memory', title: 'Service memory', yLabel: 'MiB' }, (t) =>
      resourcesBySecond(t, (r) => r.memoryBytes / 1048576),
    ),
  ];
  const rounds = [
    roundChart(report, { id: 'round-p99', title: 'p99 latency by round', yLabel: 'ms' }, (t) => t.latency?.p99 ?? null),
    roundChart(report, { id: 'round-cpu', title: 'CPU per request by round', yLabel: 'ms' }, (t) => t.cpuPerRequestMs),
  ];
  const drawable = (chart: ChartSpec): boolean =>
    chart.x.length > 0 && chart.series.some((s) => s.values.some((v) => v !== null));
  return { timeline: timeline.filter(drawable), rounds: rounds.filter(drawable), noErrors };
}
