/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no external assets), so it
 * can be archived as a CI artifact and opened offline.
 */
import { describeReason } from './describe-reason.js';
import { formatLimit, formatMetricChange, formatValue } from './format.js';
import { escapeXml as escapeHtml } from './render-junit.js';
import {
  metricDisplayName,
  REQUEST_KIND_HEADER,
  type Report,
  type ReportTrial,
  requestKindRows,
} from './report-model.js';
import { type ChartSeries, renderLineChart } from './svg-line-chart.js';

const BASELINE_COLORS = ['#1f6fb2', '#4a90c8', '#7fb2dd', '#2c5d87'];
const CANDIDATE_COLORS = ['#d9480f', '#f08c00', '#e8590c', '#b03a0a'];

function trialSeries(report: Report, pick: (trial: ReportTrial) => (readonly [number, number])[]): ChartSeries[] {
  const counters = { baseline: 0, candidate: 0 };
  return report.trials.map((trial) => {
    const palette = trial.role === 'baseline' ? BASELINE_COLORS : CANDIDATE_COLORS;
    const color = palette[counters[trial.role]++ % palette.length] as string;
    return { label: `${trial.role} r${trial.round}`, color, dashed: trial.role === 'baseline', points: pick(trial) };
  });
}

function cell(text: string, className?: string): string {
  return className ? `<td class="${className}">${escapeHtml(text)}</td>` : `<td>${escapeHtml(text)}</td>`;
}

export function renderHtml(report: Report): string {
  const title = `peakgate: ${report.scenario.name}`;
  const verdictClass = report.infrastructureError !== undefined ? 'error' : report.verdict;
  const verdictText =
    report.infrastructureError !== undefined
      ? 'ERROR: the sandbox could not judge the candidate'
      : report.verdict === 'pass'
        ? 'PASS: the candidate holds this load as well as the baseline'
        : 'FAIL: the candidate is not safe to release';
  const list = (items: readonly string[]): string =>
    `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
  const metricsRows = report.metrics
    .map(
      (m) =>
        `<tr>${cell(metricDisplayName(m))}${cell(formatValue(m.baseline, m.unit), 'num')}${cell(formatValue(m.candidate, m.unit), 'num')}${cell(formatMetricChange(m).change, 'num')}${cell(formatMetricChange(m).interval, 'num')}${cell(formatLimit(m.limit, m.direction), 'num')}${cell(m.slo === null ? '-' : formatValue(m.slo, m.unit), 'num')}${cell(m.status.toUpperCase(), `status-${m.status}`)}</tr>`,
    )
    .join('');
  const trialRows = report.trials
    .map(
      (t) =>
        `<tr>${cell(String(t.order))}${cell(t.role)}${cell(String(t.round))}${cell(t.requests.total.toLocaleString('en-US'), 'num')}${cell(t.requests.errors.toLocaleString('en-US'), 'num')}${cell(t.latency ? formatValue(t.latency.p50, 'ms') : '-', 'num')}${cell(t.latency ? formatValue(t.latency.p99, 'ms') : '-', 'num')}${cell(t.cpuSeconds === null ? '-' : t.cpuSeconds.toFixed(2), 'num')}${cell(t.cpuPerRequestMs === null ? '-' : formatValue(t.cpuPerRequestMs, 'ms'), 'num')}${cell(t.memoryPeakBytes === null ? '-' : formatValue(t.memoryPeakBytes, 'bytes'), 'num')}${cell(!t.exit.ready ? 'never ready' : t.exit.oomKilled ? 'OOM-killed' : t.exit.crashed ? `crashed (${t.exit.exitCode ?? 'signal'})` : 'ok')}</tr>`,
    )
    .join('');
  const kinds = requestKindRows(report);
  const kindTable =
    kinds.length === 0
      ? ''
      : `<h2>Requests by name</h2><table><thead><tr>${REQUEST_KIND_HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${kinds.map((row) => `<tr>${row.map((text, i) => cell(text, i < 2 ? undefined : 'num')).join('')}</tr>`).join('')}</tbody></table>`;
  const charts = [
    renderLineChart({
      title: 'p99 latency per second',
      xLabel: 'seconds into the measured load',
      yLabel: 'ms',
      series: trialSeries(report, (t) => t.series.map((s) => [s.second, s.p99Ms] as const)),
    }),
    renderLineChart({
      title: 'Requests per second',
      xLabel: 'seconds into the measured load',
      yLabel: 'req/s',
      series: trialSeries(report, (t) => t.series.map((s) => [s.second, s.requests] as const)),
    }),
    renderLineChart({
      title: 'Service CPU',
      xLabel: 'seconds into the measured load',
      yLabel: 'cores',
      series: trialSeries(report, (t) => t.resources.map((r) => [r.atMs / 1000, r.cpuCores] as const)),
    }),
    renderLineChart({
      title: 'Service memory',
      xLabel: 'seconds into the measured load',
      yLabel: 'MiB',
      series: trialSeries(report, (t) => t.resources.map((r) => [r.atMs / 1000, r.memoryBytes / 1048576] as const)),
    }),
  ];
  const logs = report.findings
    .filter((f) => f.logTail.length > 0)
    .map(
      (f) =>
        `<h3>${escapeHtml(describeReason(f, { logLines: false }))}</h3><pre>${escapeHtml(f.logTail.join('\n'))}</pre>`,
    )
    .join('');
  const env = report.environment;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}h3{font-size:14px}
.verdict{padding:12px 16px;border-radius:6px;font-weight:700;font-size:16px}
.verdict.pass{background:#e6f4ea;border:1px solid #2b8a3e}.verdict.fail{background:#fdecea;border:1px solid #c92a2a}.verdict.error{background:#fff4e5;border:1px solid #e67700}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid #e5e5e5;padding:4px 8px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.status-fail{color:#c92a2a;font-weight:700}.status-marginal{color:#e67700;font-weight:700}.status-pass{color:#2b8a3e}
.charts{display:flex;flex-wrap:wrap;gap:12px}pre{background:#f6f6f6;padding:8px;overflow:auto}
footer{margin-top:32px;color:#666;font-size:12px}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="verdict ${verdictClass}">${escapeHtml(verdictText)}</div>
<p>Baseline <code>${escapeHtml(report.scenario.baseline ?? '?')}</code>, candidate <code>${escapeHtml(report.scenario.candidate ?? '?')}</code>; ${report.rounds.completed} round(s) of ${report.rounds.max} at most; intervals at ${Math.round(report.confidence * 100)}% confidence.</p>
${report.reasons.length > 0 ? `<h2>Reasons</h2>${list(report.reasons)}` : ''}
${report.warnings.length > 0 ? `<h2>Warnings</h2>${list(report.warnings)}` : ''}
<h2>Metrics</h2>
<table><thead><tr><th>Metric</th><th>Baseline</th><th>Candidate</th><th>Change</th><th>CI</th><th>Limit</th><th>SLO</th><th>Status</th></tr></thead><tbody>${metricsRows}</tbody></table>
${kindTable}
<h2>Over time</h2>
<div class="charts">${charts.join('')}</div>
<h2>Trials</h2>
<table><thead><tr><th>Order</th><th>Role</th><th>Round</th><th>Requests</th><th>Errors</th><th>p50</th><th>p99</th><th>CPU s</th><th>CPU/request</th><th>Peak memory</th><th>Exit</th></tr></thead><tbody>${trialRows}</tbody></table>
${logs === '' ? '' : `<h2>Service logs</h2>${logs}`}
<footer>Latency measured from: ${escapeHtml(report.latencyOrigin)}. peakgate ${escapeHtml(env.peakgateVersion)}, Node ${escapeHtml(env.node)}, ${escapeHtml(env.platform)}, ${env.cores} cores, driver ${escapeHtml(env.driver)}${env.cpusets?.service ? `, service CPUs ${escapeHtml(env.cpusets.service)}` : ''}${env.cpusets?.load ? `, load CPUs ${escapeHtml(env.cpusets.load)}` : ''}. Started ${escapeHtml(report.startedAt)}, finished ${escapeHtml(report.finishedAt)}.</footer>
</body>
</html>
`;
}
