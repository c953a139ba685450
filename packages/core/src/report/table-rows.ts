/**
 * The report as table rows and words, shared by summary.md, report.html and junit.xml (and the
 * CLI's tables), so a table reads the same in every form: the per-name table, the schedule error
 * and load shard tables, a metric's display name and where a side ran.
 */

import { formatValue } from '../wording/format.js';
import type { Report, ReportKindFigures, ReportSide } from './report-types.js';

/** Where one side ran, in words: `docker on tcp://…, load to 10.0.0.5, CPU from the engine's stats API`. */
export function describeSide(side: ReportSide): string {
  const where = side.driver === 'url' ? `deployed at ${side.at}` : `${side.driver} on ${side.at}, load to ${side.host}`;
  return `${where}, ${side.cpuSource === null ? 'CPU not measured (not judged)' : `CPU from ${side.cpuSource}`}`;
}

/**
 * The per-name table's rows, as text (name, phase, then requests, errors, p50 and p99 of each side),
 * shared by summary.md, report.html and junit.xml. Empty for a one-name mix: its row is the mix's.
 */
export function requestKindRows(report: Pick<Report, 'requestKinds'>): string[][] {
  if (new Set(report.requestKinds.map((kind) => kind.name)).size < 2) return [];
  const side = (figures: ReportKindFigures | null): string[] =>
    figures === null
      ? ['-', '-', '-', '-']
      : [
          figures.requests.toLocaleString('en-US'),
          figures.errors.toLocaleString('en-US'),
          formatValue(figures.p50Ms, 'ms'),
          formatValue(figures.p99Ms, 'ms'),
        ];
  return report.requestKinds.map((kind) => [kind.name, kind.phase, ...side(kind.baseline), ...side(kind.candidate)]);
}

/** One row per trial and timeline phase: the schedule error table of summary.md and report.html (none without a timeline). */
export function scheduleRows(report: Pick<Report, 'trials'>): string[][] {
  return report.trials.flatMap((trial) =>
    trial.phases.flatMap((phase) =>
      phase.schedule === undefined
        ? []
        : [
            [
              String(trial.order),
              trial.role,
              String(trial.round),
              phase.name,
              phase.schedule.arrivals.toLocaleString('en-US'),
              formatValue(phase.schedule.lateness.p50, 'ms'),
              formatValue(phase.schedule.lateness.p99, 'ms'),
              formatValue(phase.schedule.lateness.max, 'ms'),
            ],
          ],
    ),
  );
}

/** One row per trial and load shard (`--shards`): none for a single-host load. */
export function loadShardRows(report: Pick<Report, 'trials'>): string[][] {
  return report.trials.flatMap((trial) =>
    (trial.loadShards?.shards ?? []).map((shard) => [
      `${trial.role} ${trial.round}`,
      String(shard.index),
      shard.nodeId ? `${shard.node} (${shard.nodeId.slice(0, 12)})` : shard.node,
      shard.requests.toLocaleString('en-US'),
      shard.errors.toLocaleString('en-US'),
      shard.achievedRate.toLocaleString('en-US'),
      formatValue(shard.startLagMs, 'ms'),
      formatValue(trial.loadShards?.startSkewMs ?? 0, 'ms'),
    ]),
  );
}

export const LOAD_SHARD_HEADER = [
  'Trial',
  'Shard',
  'Node',
  'Requests',
  'Errors',
  'Achieved req/s',
  'Start lag',
  'Start skew',
] as const;

export const SCHEDULE_HEADER = ['Order', 'Role', 'Round', 'Phase', 'Arrivals', 'Lateness p50', 'p99', 'max'] as const;

export const REQUEST_KIND_HEADER = [
  'Request',
  'Phase',
  'Baseline requests',
  'errors',
  'p50',
  'p99',
  'Candidate requests',
  'errors',
  'p50',
  'p99',
] as const;
