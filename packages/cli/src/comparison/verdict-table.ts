/**
 * The verdict as a person reads it in a terminal: one line with the verdict, the reasons, and a
 * table of judged metrics. Files for CI (summary.md, junit.xml) come from core's renderers.
 */
import {
  describeReason,
  formatLimit,
  formatMetricChange,
  formatValue,
  type Judgement,
  REQUEST_KIND_HEADER,
  type ReportRequestKind,
  requestKindRows,
} from '@peakgate/core';
import Table from 'cli-table3';
import pc from 'picocolors';
import { oneLine } from '../terminal-text.js';

export function renderVerdict(
  judgement: Judgement,
  options: { driver: string; rounds: number; color: boolean; requestKinds?: ReportRequestKind[] },
): string {
  const c = options.color ? pc : pc.createColors(false);
  const table = new Table({
    head: [
      'metric',
      'phase',
      'baseline',
      'candidate',
      'change',
      `CI ${Math.round(judgement.sequential.lookConfidence * 1000) / 10}%`,
      'limit',
      'status',
    ],
    style: { head: [], border: [] },
  });
  for (const metric of judgement.metrics) {
    const status =
      metric.status === 'fail' ? c.red('FAIL') : metric.status === 'marginal' ? c.yellow('marginal') : c.green('pass');
    // Error rates read as a difference in points, like summary.md and report.html.
    const change = formatMetricChange(metric);
    table.push([
      oneLine(metric.request === undefined ? metric.label : `${metric.label} of ${metric.request}`),
      oneLine(metric.phase ?? ''),
      formatValue(metric.baseline, metric.unit),
      formatValue(metric.candidate, metric.unit),
      change.change,
      change.interval,
      formatLimit(metric.limit, metric.direction),
      status,
    ]);
  }
  const lines: string[] = [];
  const headline =
    judgement.infrastructureError !== undefined
      ? c.red(c.bold('ERROR: the sandbox could not judge the candidate'))
      : judgement.verdict === 'pass'
        ? c.green(c.bold('PASS: the candidate is safe to release'))
        : c.red(c.bold('FAIL: the candidate is unsafe to release'));
  lines.push('', headline, `  ${judgement.rounds} round(s), driver ${options.driver}`);
  if (judgement.infrastructureError !== undefined) lines.push(`  ${oneLine(judgement.infrastructureError)}`);
  // A broken baseline is the line above; the list holds what the candidate did.
  for (const finding of judgement.reasonFindings) {
    if (finding.kind !== 'baseline-broken') lines.push(`  - ${oneLine(describeReason(finding))}`);
  }
  for (const warning of judgement.warnings) lines.push(c.dim(`  note: ${oneLine(warning)}`));
  if (judgement.metrics.length > 0) lines.push('', table.toString());
  // Per request name, both sides (report.json's requestKinds), when the mix has more than one name.
  const kinds = requestKindRows({ requestKinds: options.requestKinds ?? [] });
  if (kinds.length > 0) {
    const byName = new Table({ head: [...REQUEST_KIND_HEADER], style: { head: [], border: [] } });
    for (const row of kinds) byName.push(row.map(oneLine));
    lines.push('', byName.toString());
  }
  return `${lines.join('\n')}\n`;
}
