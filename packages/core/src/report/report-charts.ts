/**
 * The charts of report.html as plain data: one `ChartSpec` per chart, x values and aligned y
 * series, ready for uPlot in the browser (report-page-script.ts draws them). Kept apart from the
 * page so what each chart shows is testable without a browser.
 */
import type { Role } from '../scenario-model.js';
import type { Report, ReportTrial } from './report-model.js';

export interface ChartSeriesSpec {
  label: string;
  role: Role;
  color: string;
  /** Dashed line (the p50 companions of p99 lines). */
  dash: boolean;
  /** Hidden until its legend entry is clicked. */
  hidden: boolean;
  values: (number | null)[];
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
}

const PALETTES: Record<Role, readonly string[]> = {
  baseline: ['#1f6fb2', '#5b9bd5', '#0b3d6b', '#8fbce6'],
  candidate: ['#d9480f', '#f59f00', '#a61e4d', '#ff8787'],
};

/** The colour of the nth trial of a side (round order), so a trial keeps its colour in every chart. */
export function trialColor(role: Role, index: number): string {
  const palette = PALETTES[role];
  return palette[index % palette.length] as string;
}

const sideColor = (role: Role): string => trialColor(role, 0);

interface TrialLine {
  trial: ReportTrial;
  color: string;
  label: string;
}

function trialLines(report: Report): TrialLine[] {
  const seen = { baseline: 0, candidate: 0 };
  return report.trials.map((trial) => ({
    trial,
    color: trialColor(trial.role, seen[trial.role]++),
    label: `${trial.role} r${trial.round}`,
  }));
}

/** Aligns per-trial (x, y) points on the union of their x values; missing points are null (a gap). */
function align(lines: readonly { points: ReadonlyMap<number, number> }[]): {
  x: number[];
  columns: (number | null)[][];
} {
  const xs = new Set<number>();
  for (const line of lines) for (const key of line.points.keys()) xs.add(key);
  const x = [...xs].sort((a, b) => a - b);
  return { x, columns: lines.map((line) => x.map((key) => line.points.get(key) ?? null)) };
}

function latencyByPhase(report: Report, lines: readonly TrialLine[]): ChartSpec[] {
  const phases = [...new Set(report.trials.flatMap((t) => t.series.map((s) => s.phase)))];
  return phases.map((phase, index) => {
    const p99 = lines.map(({ trial }) => ({
      points: new Map(trial.series.filter((s) => s.phase === phase).map((s) => [s.second, s.p99Ms] as const)),
    }));
    const p50 = lines.map(({ trial }) => ({
      points: new Map(trial.series.filter((s) => s.phase === phase).map((s) => [s.second, s.p50Ms] as const)),
    }));
    const { x, columns } = align([...p99, ...p50]);
    return {
      id: `latency-${index}`,
      title: `p99 latency per second: ${phase}`,
      xLabel: 'seconds into the measured load',
      yLabel: 'ms',
      xKind: 'seconds',
      yLog: false,
      points: x.length < 3,
      x,
      series: [
        ...lines.map((line, i) => ({
          label: `${line.label} p99`,
          role: line.trial.role,
          color: line.color,
          dash: false,
          hidden: false,
          values: columns[i] as (number | null)[],
        })),
        ...lines.map((line, i) => ({
          label: `${line.label} p50`,
          role: line.trial.role,
          color: line.color,
          dash: true,
          hidden: true,
          values: columns[lines.length + i] as (number | null)[],
        })),
      ],
    } satisfies ChartSpec;
  });
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
  };
}

function perSecondChart(
  lines: readonly TrialLine[],
  spec: Pick<ChartSpec, 'id' | 'title' | 'yLabel'>,
  pick: (trial: ReportTrial) => Map<number, number>,
): ChartSpec {
  const { x, columns } = align(lines.map(({ trial }) => ({ points: pick(trial) })));
  return {
    ...spec,
    xLabel: 'seconds into the measured load',
    xKind: 'seconds',
    yLog: false,
    points: x.length < 3,
    x,
    series: lines.map((line, i) => ({
      label: line.label,
      role: line.trial.role,
      color: line.color,
      dash: false,
      hidden: false,
      values: columns[i] as (number | null)[],
    })),
  };
}

/** Resource samples fall at uneven times; each trial keeps its last reading in each whole second. */
function resourcesBySecond(trial: ReportTrial, pick: (r: ReportTrial['resources'][number]) => number) {
  const points = new Map<number, number>();
  for (const sample of trial.resources) points.set(Math.floor(sample.atMs / 1000), pick(sample));
  return points;
}

function roundChart(
  report: Report,
  spec: Pick<ChartSpec, 'id' | 'title' | 'yLabel'>,
  pick: (trial: ReportTrial) => number | null,
): ChartSpec {
  const roles: Role[] = ['baseline', 'candidate'];
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
  };
}

/** Every uPlot chart of the page, in page order; charts without any data are left out. */
export function reportCharts(report: Report): { timeline: ChartSpec[]; rounds: ChartSpec[] } {
  const lines = trialLines(report);
  const curve = percentileCurve(report);
  const timeline = [
    ...latencyByPhase(report, lines),
    ...(curve ? [curve] : []),
    perSecondChart(
      lines,
      { id: 'throughput', title: 'Requests per second', yLabel: 'req/s' },
      (t) => new Map(t.series.map((s) => [s.second, s.requests] as const)),
    ),
    perSecondChart(
      lines,
      { id: 'errors', title: 'Errors per second', yLabel: 'errors/s' },
      (t) => new Map(t.series.map((s) => [s.second, s.errors] as const)),
    ),
    perSecondChart(lines, { id: 'cpu', title: 'Service CPU', yLabel: 'cores' }, (t) =>
      resourcesBySecond(t, (r) => r.cpuCores),
    ),
    perSecondChart(lines, { id: 'memory', title: 'Service memory', yLabel: 'MiB' }, (t) =>
      resourcesBySecond(t, (r) => r.memoryBytes / 1048576),
    ),
  ];
  const rounds = [
    roundChart(report, { id: 'round-p99', title: 'p99 latency by round', yLabel: 'ms' }, (t) => t.latency?.p99 ?? null),
    roundChart(report, { id: 'round-cpu', title: 'CPU per request by round', yLabel: 'ms' }, (t) => t.cpuPerRequestMs),
  ];
  const drawable = (chart: ChartSpec): boolean =>
    chart.x.length > 0 && chart.series.some((s) => s.values.some((v) => v !== null));
  return { timeline: timeline.filter(drawable), rounds: rounds.filter(drawable) };
}
