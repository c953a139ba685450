/**
 * The report's warnings with each row's own notes after them: a judged metric or a request kind
 * whose percentile rests on too few samples (sample-size.ts) says so in report.json's row
 * (`metrics[].warnings`, `requestKinds[].warnings`); summary.md and report.html list them under
 * "Warnings", named, as the terminal lists them under its tables.
 */

import { metricDisplayName } from '../wording/verdict-wording.js';
import type { Report } from './report-types.js';

export function warningsWithRowNotes(report: Pick<Report, 'warnings' | 'metrics' | 'requestKinds'>): string[] {
  const metricNotes = report.metrics.flatMap((metric) =>
    (metric.warnings ?? []).map((warning) => `${metricDisplayName(metric)}: ${warning}`),
  );
  const kindNotes = report.requestKinds.flatMap((kind) =>
    (kind.warnings ?? []).map((warning) => `${kind.name} (${kind.phase}): ${warning}`),
  );
  return [...report.warnings, ...metricNotes, ...kindNotes];
}
