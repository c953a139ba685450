/**
 * summary.md: fit for a GitHub job summary ($GITHUB_STEP_SUMMARY). The verdict comes first in
 * plain words (no emoji, no colour: it must read the same in a terminal, an email, a PR comment).
 */

import { describeReason } from '../wording/describe-reason.js';
import { formatLimit, formatMetricChange, formatValue } from '../wording/format.js';
import {
  metricDisplayName,
  percentText,
  roundsText,
  stopReasonText,
  VERDICT_HEADLINE,
  verdictState,
} from '../wording/verdict-wording.js';
import { confidenceLine } from './confidence-line.js';
import {
  markdownCodeBlock,
  markdownCodeSpan,
  markdownHtmlText,
  markdownInline,
  markdownText,
} from './markdown-text.js';
import type { Report, ReportTrial } from './report-types.js';
import { warningsWithRowNotes } from './row-warnings.js';
import {
  describeSide,
  LOAD_SHARD_HEADER,
  loadShardRows,
  REQUEST_KIND_HEADER,
  requestKindRows,
  SCHEDULE_HEADER,
  scheduleRows,
} from './table-rows.js';

/**
 * Escapes text for a Markdown table cell, list item or heading: untrusted text (names, reasons,
 * log lines) renders as its characters, never as markup (markdown-text.ts).
 */
export const escapeMarkdown = markdownText;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    // A cell never starts a block: inline escaping only, so "1.2 ms" and "+5%" stay as written.
    ...rows.map((row) => `| ${row.map(markdownInline).join(' | ')} |`),
  ];
}

function verdictLine(report: Report): string {
  if (report.aborted === true) {
    return `**${VERDICT_HEADLINE.aborted}** (${escapeMarkdown(report.interruption?.reason ?? 'interrupted')}): the comparison was stopped after ${report.rounds.completed} complete of ${roundsText(report.rounds.planned)}; the figures below are what was measured, partial and not judged`;
  }
  const state = verdictState(report);
  if (state === 'error') {
    return `**${VERDICT_HEADLINE.error}** (infrastructure problem, not a verdict on the build)`;
  }
  return `**${VERDICT_HEADLINE[state]}**`;
}

function exitText(trial: ReportTrial): string {
  const { exit } = trial;
  if (!exit.ready) return 'never ready';
  if (exit.oomKilled) return 'OOM-killed';
  if (exit.crashed) return exit.exitCode === null ? 'crashed (signal)' : `crashed (exit ${exit.exitCode})`;
  return trial.interrupted ? 'cut: partial figures' : 'ok';
}

const ms = (value: number | undefined): string => (value === undefined ? '-' : formatValue(value, 'ms'));

/** "Stopped after 5 of at most 10 rounds (62 s): every metric was decided." and what stayed undecided. */
function stopSentence(report: Report): string | undefined {
  const { rounds } = report;
  if (rounds.stoppedBy === undefined) return undefined;
  const seconds = Math.round((rounds.looks?.at(-1)?.atMs ?? report.durationMs) / 1000);
  const budget = rounds.budgetMs === undefined ? '' : `, budget ${Math.round(rounds.budgetMs / 1000)} s`;
  const why = stopReasonText(rounds.stoppedBy, report.verdict);
  let text = `Stopped after ${rounds.completed} of at most ${roundsText(rounds.max)} (${seconds} s${budget}): ${why}.`;
  const undecided = report.sequential?.undecided ?? [];
  if (report.verdict === 'pass' && rounds.stoppedBy !== 'decided' && undecided.length > 0)
    text += ` Inconclusive (passed by the rule in docs/judge.md): ${undecided.map(escapeMarkdown).join(', ')}.`;
  return text;
}

export function renderMarkdown(report: Report): string {
  // The intervals are at the look's level: the stated confidence corrected for repeated looks.
  const level = report.sequential?.lookConfidence ?? report.confidence;
  const confidence = `${percentText(level)} CI`;
  const lines: string[] = [`## peakgate compare: ${escapeMarkdown(report.scenario.name)}`, '', verdictLine(report), ''];
  const builds = [report.scenario.baseline, report.scenario.candidate];
  if (builds[0] !== undefined || builds[1] !== undefined) {
    lines.push(
      `Baseline ${markdownCodeSpan(builds[0] ?? '?')} against candidate ${markdownCodeSpan(builds[1] ?? '?')}, ${roundsText(report.rounds.completed)}.`,
      '',
    );
  }
  const levels = confidenceLine(report, (metric) => escapeMarkdown(metricDisplayName(metric)));
  if (levels !== undefined) lines.push(levels, '');
  const stop = stopSentence(report);
  if (stop !== undefined) lines.push(stop, '');
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
  const warnings = warningsWithRowNotes(report);
  if (warnings.length > 0) {
    lines.push('### Warnings', '', ...warnings.map((warning) => `- ${escapeMarkdown(warning)}`), '');
  }
  const tails = report.findings.filter((finding) => finding.logTail.length > 0);
  for (const finding of tails) {
    lines.push(
      // Raw HTML: Markdown escapes do not apply inside it, HTML's do.
      `<details><summary>${markdownHtmlText(describeReason(finding, { logLines: false }))}: last log lines</summary>`,
      '',
    );
    lines.push(...markdownCodeBlock(finding.logTail), '', '</details>', '');
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
  const shards = loadShardRows(report);
  if (shards.length > 0)
    lines.push(
      '<details><summary>Load shards (--shards): node, requests, errors and achieved rate of each</summary>',
      '',
      ...table(LOAD_SHARD_HEADER, shards),
      '',
      '</details>',
      '',
    );
  const schedule = scheduleRows(report);
  if (schedule.length > 0)
    lines.push(
      '### Timeline schedule error',
      '',
      'How late each arrival of a replayed timeline left against its recorded time ÷ speed.',
      '',
      ...table(SCHEDULE_HEADER, schedule),
      '',
    );
  const env = report.environment;
  lines.push(
    `Latency measured from: ${report.latencyOrigin === 'intended-start' ? 'intended send time (corrected for coordinated omission)' : report.latencyOrigin === 'actual-send' ? 'actual send time (closed model)' : report.latencyOrigin}. ` +
      `peakgate ${escapeMarkdown(env.peakgateVersion)}, Node ${escapeMarkdown(env.node)}, ${env.cores} cores, driver ${env.driver}` +
      `${env.cpusets?.service ? `, service CPUs ${env.cpusets.service}` : ''}${env.cpusets?.load ? `, load CPUs ${env.cpusets.load}` : ''}.`,
    '',
  );
  if (env.sides !== undefined) {
    lines.push(
      ...(['baseline', 'candidate'] as const).map(
        (role) => `- ${role}: ${escapeMarkdown(env.sides === undefined ? '-' : describeSide(env.sides[role]))}`,
      ),
      '',
    );
  }
  return lines.join('\n');
}
