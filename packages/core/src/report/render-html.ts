/**
 * report.html: one self-contained page (uPlot's code and CSS inlined, the data as a JSON block, no
 * external assets), so it can be archived as a CI artifact and opened offline. The verdict, its
 * reasons, the forest plot and every table are plain HTML/SVG drawn here; the time series are
 * drawn by uPlot in the browser from report-charts.ts's specs.
 */
import type { ErrorCounts } from '../load-result.js';
import type { Role } from '../scenario/model.js';
import { formatDuration } from '../units.js';
import { describeReason } from '../wording/describe-reason.js';
import { formatChange, formatLimit, formatMetricChange, formatValue } from '../wording/format.js';
import {
  BASELINE_COLOR,
  CANDIDATE_COLOR,
  confidenceText,
  metricDisplayName,
  percentText,
  plannedLooks,
  roundsText,
  stopReasonText,
  VERDICT_HEADLINE,
  verdictState,
} from '../wording/verdict-wording.js';
import { confidenceLine } from './confidence-line.js';
import { renderForestPlot } from './forest-plot.js';
import { type ChartSpec, reportCharts } from './report-charts.js';
import { REPORT_PAGE_SCRIPT } from './report-page-script.js';
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
import { uplotAssets } from './uplot-assets.js';
import { escapeXml as escapeHtml } from './xml-text.js';

const ROLES: readonly Role[] = ['baseline', 'candidate'];
const ERROR_KINDS: readonly (keyof ErrorCounts)[] = ['status', 'timeout', 'refused', 'reset', 'other', 'dropped'];
const ERROR_KIND_TEXT: Record<keyof ErrorCounts, string> = {
  status: 'unexpected status',
  timeout: 'timeout',
  refused: 'connection refused',
  reset: 'connection reset',
  other: 'other',
  dropped: 'dropped (no free connection)',
};

/**
 * JSON that is safe inside a <script> element: `<` is escaped (no `</script>` or `<!--` can end
 * the block early), and U+2028/U+2029 too (line terminators in older JavaScript parsers).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Library code inlined in a <script>: a literal `</script` would end the element. */
const inlineScript = (code: string): string => code.replace(/<\/(script)/gi, '<\\/$1');

function cell(text: string, className?: string): string {
  return className ? `<td class="${className}">${escapeHtml(text)}</td>` : `<td>${escapeHtml(text)}</td>`;
}

const list = (items: readonly string[]): string =>
  `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;

function chartBox(chart: ChartSpec): string {
  return `<div class="chart" id="chart-${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}"></div>`;
}

function exitText(t: ReportTrial): string {
  if (!t.exit.ready) return 'never ready';
  if (t.exit.oomKilled) return 'OOM-killed';
  if (t.exit.crashed) return `crashed (${t.exit.exitCode ?? 'signal'})`;
  return t.interrupted ? 'cut: partial figures' : 'ok';
}

function errorsByKind(report: Report): string {
  const totals = Object.fromEntries(
    ROLES.map((role) => {
      const sum = Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0])) as Record<keyof ErrorCounts, number>;
      for (const trial of report.trials) {
        if (trial.role !== role || trial.errors === null) continue;
        for (const kind of ERROR_KINDS) sum[kind] += trial.errors[kind];
      }
      return [role, sum];
    }),
  ) as Record<Role, Record<keyof ErrorCounts, number>>;
  const requests = Object.fromEntries(
    ROLES.map((role) => [role, report.trials.filter((t) => t.role === role).reduce((n, t) => n + t.requests.total, 0)]),
  ) as Record<Role, number>;
  const largest = Math.max(1, ...ROLES.flatMap((role) => ERROR_KINDS.map((kind) => totals[role][kind])));
  const bar = (role: Role, count: number): string =>
    `<td class="num"><span class="bar ${role}" style="width:${((count / largest) * 120).toFixed(1)}px"></span>${count.toLocaleString('en-US')}${requests[role] > 0 && count > 0 ? ` <span class="dim">(${((count / requests[role]) * 100).toFixed(2)}%)</span>` : ''}</td>`;
  const rows = ERROR_KINDS.map(
    (kind) =>
      `<tr>${cell(ERROR_KIND_TEXT[kind])}${bar('baseline', totals.baseline[kind])}${bar('candidate', totals.candidate[kind])}</tr>`,
  ).join('');
  return `<table class="errors"><thead><tr><th>Kind</th><th class="num">Baseline</th><th class="num">Candidate</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function perRoundTable(report: Report): string {
  const rounds = [...new Set(report.trials.map((t) => t.round))].sort((a, b) => a - b);
  const ratio = (base: number | null | undefined, cand: number | null | undefined): string =>
    base != null && cand != null && base > 0 ? formatChange(cand / base) : '-';
  const ms = (v: number | null | undefined): string => (v == null ? '-' : formatValue(v, 'ms'));
  const rows = rounds
    .map((round) => {
      const base = report.trials.find((t) => t.round === round && t.role === 'baseline');
      const cand = report.trials.find((t) => t.round === round && t.role === 'candidate');
      return `<tr>${cell(String(round))}${cell(ms(base?.latency?.p99), 'num')}${cell(ms(cand?.latency?.p99), 'num')}${cell(ratio(base?.latency?.p99, cand?.latency?.p99), 'num')}${cell(ms(base?.cpuPerRequestMs), 'num')}${cell(ms(cand?.cpuPerRequestMs), 'num')}${cell(ratio(base?.cpuPerRequestMs, cand?.cpuPerRequestMs), 'num')}${cell(base?.rate ? formatValue(base.rate.achieved, 'req/s') : '-', 'num')}${cell(cand?.rate ? formatValue(cand.rate.achieved, 'req/s') : '-', 'num')}</tr>`;
    })
    .join('');
  return `<table class="rounds"><thead><tr><th>Round</th><th class="num">Baseline p99</th><th class="num">Candidate p99</th><th class="num">Change</th><th class="num">Baseline CPU/req</th><th class="num">Candidate CPU/req</th><th class="num">Change</th><th class="num">Baseline rate</th><th class="num">Candidate rate</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function definitions(pairs: readonly (readonly [string, string | undefined])[]): string {
  return `<dl>${pairs
    .filter((pair): pair is readonly [string, string] => pair[1] !== undefined && pair[1] !== '')
    .map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('')}</dl>`;
}

function scenarioSection(report: Report): string {
  const s = report.scenario;
  const compare = s.compare;
  const entries = (record: Partial<Record<string, number>>, format: (name: string, v: number) => string): string =>
    Object.entries(record)
      .filter((entry): entry is [string, number] => entry[1] !== undefined)
      .map(([name, v]) => `${name} ${format(name, v)}`)
      .join(', ');
  const phases = s.phases
    .map(
      (p) =>
        `<tr>${cell(p.name)}${cell(p.model)}${cell(formatDuration(p.durationMs))}${cell(
          p.rate
            ? p.rate.from === p.rate.to
              ? `${p.rate.from} req/s`
              : `${p.rate.from} → ${p.rate.to} req/s`
            : `${p.connections ?? '?'} connections`,
        )}</tr>`,
    )
    .join('');
  return `${definitions([
    ['Name', s.name],
    ['Description', s.description],
    ['File', s.sourcePath],
    ['Baseline', s.baseline],
    ['Candidate', s.candidate],
    ['Warm-up', s.warmupMs === null ? 'none' : formatDuration(s.warmupMs)],
    ['Rounds', `${compare.rounds} planned, at most ${compare.maxRounds} (${compare.schedule})`],
    [
      'Confidence',
      confidenceText(
        compare.confidence,
        report.sequential?.lookConfidence ?? report.confidence,
        plannedLooks(compare.rounds, compare.maxRounds),
      ),
    ],
    ['Limits', entries(compare.limits, (_, v) => `+${Number((v * 100).toFixed(2))}%`) || 'defaults'],
    [
      'SLOs',
      entries(compare.slo, (name, v) =>
        name === 'error_rate'
          ? formatValue(v, 'ratio')
          : name.startsWith('memory')
            ? formatValue(v, 'bytes')
            : formatValue(v, 'ms'),
      ) || 'none',
    ],
  ])}<table><thead><tr><th>Phase</th><th>Model</th><th>Duration</th><th>Load</th></tr></thead><tbody>${phases}</tbody></table>`;
}

function environmentSection(report: Report): string {
  const env = report.environment;
  const origin =
    report.latencyOrigin === 'intended-start'
      ? 'intended send time (corrected for coordinated omission)'
      : report.latencyOrigin === 'actual-send'
        ? 'actual send time (closed model)'
        : report.latencyOrigin;
  return definitions([
    ['peakgate', env.peakgateVersion],
    ['Node', env.node],
    ['Platform', `${env.platform}${env.arch ? ` ${env.arch}` : ''}`],
    ['Cores', `${env.cores}${env.cpuModel ? ` (${env.cpuModel})` : ''}`],
    ['Driver', `${env.driver}${env.dockerVersion ? ` (Docker ${env.dockerVersion})` : ''}`],
    ['Baseline ran', env.sides === undefined ? undefined : describeSide(env.sides.baseline)],
    ['Candidate ran', env.sides === undefined ? undefined : describeSide(env.sides.candidate)],
    ['Service CPUs', env.cpusets?.service],
    ['Load CPUs', env.cpusets?.load],
    ['Host', env.hostname],
    ['Latency measured from', origin],
    ['Started', report.startedAt],
    ['Finished', `${report.finishedAt} (${formatDuration(report.durationMs)})`],
  ]);
}

const STYLE = `
:root{--base:${BASELINE_COLOR};--cand:${CANDIDATE_COLOR}}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1140px;padding:0 16px;color:#222;background:#fff}
h1{font-size:21px;margin-bottom:8px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #e5e5e5;padding-bottom:4px}h3{font-size:14px}
.verdict{padding:14px 18px;border-radius:6px;font-weight:700;font-size:18px}
.verdict.pass{background:#e6f4ea;border:1px solid #2b8a3e;color:#1b5e2a}.verdict.fail{background:#fdecea;border:1px solid #c92a2a;color:#8f1d1d}.verdict.error{background:#fff4e5;border:1px solid #e67700;color:#8a4600}
.reasons li{margin:4px 0}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid #e5e5e5;padding:4px 8px;text-align:left}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.status-fail{color:#c92a2a;font-weight:700}.status-marginal{color:#e67700;font-weight:700}.status-pass{color:#2b8a3e}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:16px}.chart{min-height:300px}
.bar{display:inline-block;height:9px;margin-right:6px;vertical-align:middle;border-radius:2px}.bar.baseline{background:var(--base)}.bar.candidate{background:var(--cand)}
.dim{color:#777}.forest{max-width:100%;height:auto}.no-errors{color:#2b8a3e;font-weight:600}
.u-legend{font-size:12px;line-height:1.3}.u-legend .u-series{padding:0 6px}.u-legend .u-series th{font-weight:400}.u-legend .u-value{min-width:0}.u-legend .pg-band{display:none}
.key{display:inline-block;width:12px;height:3px;vertical-align:middle;margin:0 4px 0 10px}.key.baseline{background:var(--base)}.key.candidate{background:var(--cand)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{color:#555}dd{margin:0}
pre{background:#f6f6f6;padding:8px;overflow:auto}footer{margin-top:32px;color:#666;font-size:12px}
.columns{display:grid;grid-template-columns:1fr 1fr;gap:24px}@media (max-width:800px){.columns{grid-template-columns:1fr}}
`;

const SIDE_KEY = '<span class="key baseline"></span>baseline<span class="key candidate"></span>candidate.';

/**
 * The line under the verdict: the builds, the rounds and why they stopped, and the confidence in
 * words (stated overall, per look), and which metrics had no interval.
 */
function runLine(report: Report): string {
  const { rounds } = report;
  const stop =
    rounds.stoppedBy === undefined ? '' : `; stopped because ${stopReasonText(rounds.stoppedBy, report.verdict)}`;
  const ran = `${escapeHtml(roundsText(rounds.completed))} of at most ${rounds.max}${escapeHtml(stop)}`;
  const builds = `Baseline <code>${escapeHtml(report.scenario.baseline ?? '?')}</code>, candidate <code>${escapeHtml(report.scenario.candidate ?? '?')}</code>`;
  const lines = [`<p class="run-line">${builds}; ${ran}.</p>`];
  const confidence = confidenceLine(report);
  if (confidence !== undefined) lines.push(`<p class="confidence-line">${escapeHtml(confidence)}</p>`);
  return lines.join('\n');
}

export function renderHtml(report: Report): string {
  const title = `peakgate: ${report.scenario.name}`;
  const state = verdictState(report);
  const verdictClass = state === 'aborted' ? 'error' : state;
  const verdictText =
    state === 'aborted'
      ? `${VERDICT_HEADLINE.aborted} (${report.interruption?.reason ?? 'interrupted'}); partial figures, not judged`
      : VERDICT_HEADLINE[state];
  const warnings = warningsWithRowNotes(report);
  const metricsRows = report.metrics
    .map((m) => {
      const change = formatMetricChange(m);
      return `<tr>${cell(metricDisplayName(m))}${cell(formatValue(m.baseline, m.unit), 'num')}${cell(formatValue(m.candidate, m.unit), 'num')}${cell(change.change, 'num')}${cell(change.interval, 'num')}${cell(formatLimit(m.limit, m.direction), 'num')}${cell(m.slo === null ? '-' : formatValue(m.slo, m.unit), 'num')}${cell(m.status.toUpperCase(), `status-${m.status}`)}</tr>`;
    })
    .join('');
  const trialRows = report.trials
    .map(
      (t) =>
        `<tr>${cell(String(t.order))}${cell(t.role)}${cell(String(t.round))}${cell(t.requests.total.toLocaleString('en-US'), 'num')}${cell(t.requests.errors.toLocaleString('en-US'), 'num')}${cell(t.latency ? formatValue(t.latency.p50, 'ms') : '-', 'num')}${cell(t.latency ? formatValue(t.latency.p99, 'ms') : '-', 'num')}${cell(t.cpuSeconds === null ? '-' : t.cpuSeconds.toFixed(2), 'num')}${cell(t.cpuPerRequestMs === null ? '-' : formatValue(t.cpuPerRequestMs, 'ms'), 'num')}${cell(t.memoryPeakBytes === null ? '-' : formatValue(t.memoryPeakBytes, 'bytes'), 'num')}${cell(exitText(t))}</tr>`,
    )
    .join('');
  const schedule = scheduleRows(report);
  const scheduleTable =
    schedule.length === 0
      ? ''
      : `<h3>Timeline schedule error</h3><p class="dim">How late each arrival of a replayed timeline left against its recorded time ÷ speed.</p><table><thead><tr>${SCHEDULE_HEADER.map((h, i) => `<th${i < 4 ? '' : ' class="num"'}>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${schedule.map((row) => `<tr>${row.map((text, i) => cell(text, i < 4 ? undefined : 'num')).join('')}</tr>`).join('')}</tbody></table>`;
  const shards = loadShardRows(report);
  const shardTable =
    shards.length === 0
      ? ''
      : `<h3>Load shards</h3><p class="dim">--shards: each trial's load as Swarm tasks, merged exactly; start skew is how far apart the shards began (worst phase).</p><table><thead><tr>${LOAD_SHARD_HEADER.map((h, i) => `<th${i < 3 ? '' : ' class="num"'}>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${shards.map((row) => `<tr>${row.map((text, i) => cell(text, i < 3 ? undefined : 'num')).join('')}</tr>`).join('')}</tbody></table>`;
  const kinds = requestKindRows(report);
  const kindTable =
    kinds.length === 0
      ? ''
      : `<h2>Requests by name</h2><table><thead><tr>${REQUEST_KIND_HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${kinds.map((row) => `<tr>${row.map((text, i) => cell(text, i < 2 ? undefined : 'num')).join('')}</tr>`).join('')}</tbody></table>`;
  const { timeline, rounds, noErrors } = reportCharts(report);
  const byId = (prefix: string): ChartSpec[] => timeline.filter((chart) => chart.id.startsWith(prefix));
  const chartGrid = (charts: readonly ChartSpec[]): string =>
    charts.length === 0
      ? '<p class="dim">No data was measured for these charts.</p>'
      : `<div class="charts">${charts.map(chartBox).join('')}</div>`;
  const logs = report.findings
    .filter((f) => f.logTail.length > 0)
    .map(
      (f) =>
        `<h3>${escapeHtml(describeReason(f, { logLines: false }))}</h3><pre>${escapeHtml(f.logTail.join('\n'))}</pre>`,
    )
    .join('');
  const assets = uplotAssets();
  const env = report.environment;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${assets.css}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="verdict ${verdictClass}">${escapeHtml(verdictText)}</div>
${runLine(report)}
${report.infrastructureError !== undefined ? `<p><strong>${escapeHtml(report.infrastructureError)}</strong></p>` : ''}
${report.reasons.length > 0 ? `<h2>Reasons</h2><div class="reasons">${list(report.reasons)}</div>` : ''}
${warnings.length > 0 ? `<h2>Warnings</h2>${list(warnings)}` : ''}
<h2>Judged metrics</h2>
${renderForestPlot(report.metrics)}
<table><thead><tr><th>Metric</th><th class="num">Baseline</th><th class="num">Candidate</th><th class="num">Change</th><th class="num">CI (${escapeHtml(percentText(report.sequential?.lookConfidence ?? report.confidence))})</th><th class="num">Limit</th><th class="num">SLO</th><th>Status</th></tr></thead><tbody>${metricsRows}</tbody></table>
${kindTable}
${timeline.length > 0 ? `<p class="dim">${SIDE_KEY} Per second, each side's trials as one line (their median) and a shaded band from the lowest to the highest trial; hover a chart for its values.</p>` : ''}
<h2>Latency</h2>
${chartGrid([...byId('latency-'), ...byId('percentiles')])}
<h2>Load and errors</h2>
${chartGrid(byId('throughput'))}
${noErrors ? `<p class="no-errors">No errors: every request of every trial was answered as expected.</p>` : `${chartGrid(byId('errors'))}<h3>Errors by kind, all trials of a side</h3>${errorsByKind(report)}`}
<h2>Service CPU and memory</h2>
${chartGrid([...byId('cpu'), ...byId('memory')])}
<h2>Rounds</h2>
<p class="dim">Each round runs baseline and candidate together (or one after the other); the judge compares them round by round.</p>
${chartGrid(rounds)}
${perRoundTable(report)}
<h2>Trials</h2>
<table><thead><tr><th>Order</th><th>Role</th><th>Round</th><th class="num">Requests</th><th class="num">Errors</th><th class="num">p50</th><th class="num">p99</th><th class="num">CPU s</th><th class="num">CPU/request</th><th class="num">Peak memory</th><th>Exit</th></tr></thead><tbody>${trialRows}</tbody></table>
${shardTable}
${scheduleTable}
${logs === '' ? '' : `<h2>Service logs</h2>${logs}`}
<div class="columns"><section><h2>Scenario</h2>${scenarioSection(report)}</section><section><h2>Environment</h2>${environmentSection(report)}</section></div>
<footer>peakgate ${escapeHtml(env.peakgateVersion)}; charts drawn with uPlot (inlined). This page needs no network.</footer>
<script type="application/json" id="peakgate-data">${jsonForScript({ charts: [...timeline, ...rounds] })}</script>
<script>${inlineScript(assets.script)}</script>
<script>${REPORT_PAGE_SCRIPT}</script>
</body>
</html>
`;
}
