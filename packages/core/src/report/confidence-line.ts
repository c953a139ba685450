/**
 * "Confidence: 95% overall; each interval at 98.2% (corrected for up to 4 looks)." and, when a
 * metric's interval was not estimated (one trial a side), which ones; none for an aborted run.
 * summary.md and report.html say it alike; each escapes for its own format (`name` for the
 * metric names, which come from the scenario).
 */

import {
  confidenceText,
  metricDisplayName,
  metricIntervalEstimated,
  noIntervalText,
  plannedLooks,
} from '../wording/verdict-wording.js';
import type { Report, ReportMetric } from './report-types.js';

export function confidenceLine(
  report: Report,
  name: (metric: ReportMetric) => string = metricDisplayName,
): string | undefined {
  if (report.aborted === true || report.metrics.length === 0) return undefined;
  const perLook = report.sequential?.lookConfidence ?? report.confidence;
  const looks = plannedLooks(report.rounds.planned, report.rounds.max);
  let text = `Confidence: ${confidenceText(report.confidence, perLook, looks)}.`;
  const bare = report.metrics.filter((metric) => !metricIntervalEstimated(metric));
  if (bare.length > 0) text += ` ${noIntervalText(report.rounds.completed, bare.map(name))}.`;
  return text;
}
