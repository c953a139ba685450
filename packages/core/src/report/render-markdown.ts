/**
 * summary.md: fit for a GitHub job summary ($GITHUB_STEP_SUMMARY). The verdict comes first in
 * plain words (no emoji, no colour: it must read the same in a terminal, an email, a PR comment).
 */
import { describeReason } from './describe-reason.js';
import { formatLimit, formatMetricChange, formatValue } from './format.js';
import {
  metricDisplayName,
  REQUEST_KIND_HEADER,
  type Report,
  type ReportTrial,
  requestKindRows,
} from './report-model.js';

/** Escapes text for a Markdown table cell or list item. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/([*_`[\]<>])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeMarkdown).join(' | ')} |`),
  ];
}

function verdictLine(report: Report): string {
  if (report.aborted === true) {
    return `**ABORTED: no verdict** (${escapeMarkdown(report.interruption?.reason ?? 'interrupted')}): the comparison was stopped after ${report.rounds.completed} complete round(s) of ${report.rounds.planned}; the figures below are what was measured, partial and not judged`;
  }
  if (report.infrastructureError !== undefined) {
    return '**ERROR: the sandbox could not judge the candidate** (infrastructure problem, not a verdict on the build)';
  }
  return report.verdict === 'pass'
    ? '**PASS: the candidate holds this load as well as the baseline**'
    : '**FAIL: the candidate is not safe to release**';
}

function exitText(trial: ReportTrial): string {
  const { exit } = trial;
  if (!exit.ready) return 'never ready';
  if (exit.oomKilled) return 'OOM-killed';
  if (exit.crashed) return exit.exitCode === null ? 'crashed (signal)' : `crashed (exit ${exit.exitCode})`;
  return trial.interrupted ? 'cut: partial figures' : 'ok';
}

const ms = (value: number | undefined): string => (value === undefined ? '-' : formatValue(value, 'ms'));

export function renderMarkdown(report: Report): string {
  const confidence = `${Math.round(report.confidence * 100)}% CI`;
  const lines: string[] = [`## peakgate compare: ${escapeMarkdown(report.scenario.name)}`, '', verdictLine(report), ''];
  const builds = [report.scenario.baseline, report.scenario.candidate];
  if (builds[0] !== undefined || builds[1] !== undefined) {
    lines.push(
      `Baseline \`${builds[0] ?? '?'}\` against candidate \`${builds[1] ?? '?'}\`, ${report.rounds.completed} round(s).`,
      '',
    );
  }
  if (report.reasons.length > 0) {
    lines.push('### Reasons', '', ...report.reasons.map((reason) => `- ${escapeMarkdown(reason)}`), '');
  }
  if (report.metrics.length > 0) {
    lines.push(
      '### Metrics',
      '',
      ...table(
        ['Metric', 'Baseline', 'Candidate', 'Change', confidence, 'Limit', 'SLO', 'Status'],
        report.metrics.map((metric) => [
          metricDisplayName(metric),
          formatValue(metric.baseline, metric.unit),
          formatValue(metric.candidate, metric.unit),
          formatMetricChange(metric).change,
          formatMetricChange(metric).interval,
          formatLimit(metric.limit, metric.direction),
          metric.slo === null ? '-' : formatValue(metric.slo, metric.unit),
          metric.status.toUpperCase(),
        ]),
      ),
      '',
    );
  }
  const kinds = requestKindRows(report);
  if (kinds.length > 0) lines.push('### Requests by name', '', ...table(REQUEST_KIND_HEADER, kinds), '');
  if (report.warnings.length > 0) {
    lines.push('### Warnings', '', ...report.warnings.map((warning) => `- ${escapeMarkdown(warning)}`), '');
  }
  const tails = report.findings.filter((finding) => finding.logTail.length > 0);
  for (const finding of tails) {
    lines.push(
      `<details><summary>${escapeMarkdown(describeReason(finding, { logLines: false }))}: last log lines</summary>`,
      '',
    );
    lines.push('```', ...finding.logTail.map((line) => line.replace(/```/g, "'''")), '```', '', '</details>', '');
  }
  lines.push(
    '### Trials',
    '',
    ...table(
      ['Order', 'Role', 'Round', 'Requests', 'Errors', 'p50', 'p99', 'CPU s', 'CPU/request', 'Peak memory', 'Exit'],
      report.trials.map((trial) => [
        String(trial.order),
        trial.role,
        String(trial.round),
        trial.requests.total.toLocaleString('en-US'),
        trial.requests.errors.toLocaleString('en-US'),
        ms(trial.latency?.p50),
        ms(trial.latency?.p99),
        trial.cpuSeconds === null ? '-' : trial.cpuSeconds.toFixed(2),
        trial.cpuPerRequestMs === null ? '-' : formatValue(trial.cpuPerRequestMs, 'ms'),
        trial.memoryPeakBytes === null ? '-' : formatValue(trial.memoryPeakBytes, 'bytes'),
        exitText(trial),
      ]),
    ),
    '',
  );
  const env = report.environment;
  lines.push(
    `Latency measured from: ${report.latencyOrigin === 'intended-start' ? 'intended send time (corrected for coordinated omission)' : report.latencyOrigin === 'actual-send' ? 'actual send time (closed model)' : report.latencyOrigin}. ` +
      `peakgate ${escapeMarkdown(env.peakgateVersion)}, Node ${escapeMarkdown(env.node)}, ${env.cores} cores, driver ${env.driver}` +
      `${env.cpusets?.service ? `, service CPUs ${env.cpusets.service}` : ''}${env.cpusets?.load ? `, load CPUs ${env.cpusets.load}` : ''}.`,
    '',
  );
  return lines.join('\n');
}
