/**
 * junit.xml: one testcase per judged metric plus one for the outright checks (crash, readiness,
 * OOM, errors), so CI systems that read JUnit show exactly what failed. An infrastructure problem
 * is an <error>, not a <failure>: the build was not judged. So is an aborted comparison (Ctrl-C,
 * SIGTERM): its one case is an <error type="aborted">, never a pass.
 */
import { formatLimit, formatMetricChange, formatValue } from '../wording/format.js';
import {
  metricDisplayName,
  metricIntervalEstimated,
  NO_INTERVAL,
  percentText,
  roundsText,
} from '../wording/verdict-wording.js';
import type { Report, ReportMetric } from './report-types.js';
import { REQUEST_KIND_HEADER, requestKindRows } from './table-rows.js';

import { escapeXml } from './xml-text.js';

// Kept here too: render-junit was where callers found it first.
export { escapeXml };

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; body: string };
  error?: { message: string; body: string; type: 'infrastructure' | 'aborted' };
  output?: string;
  /** A note that is not a result: `<skipped message>` (the marginal notes, docs/report.md). */
  skipped?: string;
  /** `<properties>` of the case: a marginal metric carries status=marginal (docs/report.md). */
  properties?: Record<string, string>;
}

function renderCase(testCase: Case): string {
  const open = `    <testcase classname="${escapeXml(testCase.classname)}" name="${escapeXml(testCase.name)}" time="0">`;
  const inner: string[] = [];
  if (testCase.properties) {
    inner.push(
      '      <properties>',
      ...Object.entries(testCase.properties).map(
        ([name, value]) => `        <property name="${escapeXml(name)}" value="${escapeXml(value)}" />`,
      ),
      '      </properties>',
    );
  }
  if (testCase.skipped !== undefined) inner.push(`      <skipped message="${escapeXml(testCase.skipped)}" />`);
  if (testCase.error) {
    inner.push(
      `      <error message="${escapeXml(testCase.error.message)}" type="${testCase.error.type}">${escapeXml(testCase.error.body)}</error>`,
    );
  }
  if (testCase.failure) {
    inner.push(
      `      <failure message="${escapeXml(testCase.failure.message)}" type="regression">${escapeXml(testCase.failure.body)}</failure>`,
    );
  }
  if (testCase.output) inner.push(`      <system-out>${escapeXml(testCase.output)}</system-out>`);
  return inner.length === 0 ? `${open.slice(0, -1)} />` : [open, ...inner, '    </testcase>'].join('\n');
}

export function renderJUnit(report: Report): string {
  const classname = `peakgate.${report.scenario.name}`;
  const cases: Case[] = [];
  const candidate = report.findings.filter((finding) => finding.role === 'candidate');
  const outright: Case = { name: 'outright checks: readiness, crashes, OOM kills, errors', classname };
  if (candidate.length > 0) {
    outright.failure = {
      message: candidate.map((finding) => finding.message).join('; '),
      body: candidate
        .map((finding) => [finding.message, ...finding.logTail.map((line) => `  ${line}`)].join('\n'))
        .join('\n\n'),
    };
  }
  if (report.infrastructureError !== undefined) {
    outright.error = { message: report.infrastructureError, body: report.infrastructureError, type: 'infrastructure' };
  }
  if (report.aborted === true) {
    const message = `aborted (${report.interruption?.reason ?? 'interrupted'}): no verdict`;
    outright.error = { message, body: [message, ...report.warnings].join('\n'), type: 'aborted' };
  }
  cases.push(outright);
  for (const metric of report.metrics) {
    const change = formatMetricChange(metric);
    const interval = metricIntervalEstimated(metric)
      ? `CI ${change.interval} at ${percentText(metric.confidence)}`
      : `${NO_INTERVAL} after ${roundsText(report.rounds.completed)}`;
    const summary = `${formatValue(metric.baseline, metric.unit)} -> ${formatValue(metric.candidate, metric.unit)}, change ${change.change} (${interval}), limit ${formatLimit(metric.limit, metric.direction)}${metric.slo === null ? '' : `, SLO ${formatValue(metric.slo, metric.unit)}`}, status ${metric.status}`;
    // The case keeps its name run after run (CI tracks a test by name); the status is in the output.
    const testCase: Case = { name: metricDisplayName(metric), classname, output: summary };
    if (metric.status === 'fail' || failedAsMarginal(report, metric))
      testCase.failure = { message: metric.reason ?? summary, body: summary };
    else if (metric.status === 'marginal') {
      // JUnit has no "warning". The metric's case stays a pass (it did not fail the run) and says
      // MARGINAL first in its output and in a property; widgets that show only failed and skipped
      // cases (GitLab hides a passing case's output) see a second, skipped case named for it.
      const note = `MARGINAL: ${metric.reason ?? metric.label}`;
      testCase.output = `${note}\n${summary}`;
      testCase.properties = { status: 'marginal' };
      cases.push(testCase, { name: `${metricDisplayName(metric)}: marginal`, classname, skipped: note });
      continue;
    }
    cases.push(testCase);
  }
  const failures = cases.filter((c) => c.failure).length;
  const errors = cases.filter((c) => c.error).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const time = (report.durationMs / 1000).toFixed(3);
  const suite = `peakgate compare: ${report.scenario.name}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="peakgate" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${time}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}" timestamp="${escapeXml(report.startedAt)}">`,
    ...cases.map(renderCase),
    ...suiteOutput(report),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** A marginal metric that failed the run (`marginal_verdict: fail`): its finding is among the reasons. */
function failedAsMarginal(report: Report, metric: ReportMetric): boolean {
  return (
    metric.status === 'marginal' &&
    report.reasonFindings.some(
      (finding) =>
        (finding.kind === 'marginal' || finding.kind === 'limit') &&
        finding.metric === metric.name &&
        finding.phase === metric.phase &&
        finding.request === metric.request,
    )
  );
}

/** Per-name figures as the suite's output (CI systems show it beside the cases); none for a one-name mix. */
function suiteOutput(report: Report): string[] {
  const rows = requestKindRows(report);
  if (rows.length === 0) return [];
  const lines = rows.map((row) =>
    row.map((text, i) => `${i === 0 ? '' : `${REQUEST_KIND_HEADER[i]} `}${text}`).join(', '),
  );
  return [`    <system-out>${escapeXml(['requests by name:', ...lines].join('\n'))}</system-out>`];
}
