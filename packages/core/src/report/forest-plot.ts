/**
 * The forest plot of report.html: one row per judged metric, its confidence interval of the
 * change as a bar, the point estimate as a dot, and the metric's limit as a red line. Plain inline
 * SVG drawn here (not in the browser) so the verdict's evidence shows even with scripts off.
 * Error rates have their own small axis in points (or a "no errors" line).
 */
import { formatLimit, formatMetricChange } from '../wording/format.js';
import { metricDisplayName, metricIntervalEstimated, NO_INTERVAL } from '../wording/verdict-wording.js';
import type { ReportMetric } from './report-types.js';
import { escapeXml } from './xml-text.js';

const STATUS_COLORS = { pass: '#2b8a3e', marginal: '#e67700', fail: '#c92a2a' } as const;
/** Changes beyond these are drawn clipped (with an arrow), so one wild interval cannot flatten the rest. */
const CLIP = { low: -100, high: 200 };

const percent = (ratio: number): number => (ratio - 1) * 100;

function niceStep(span: number): number {
  const raw = span / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 2.5, 5, 10]) if (raw <= step * power) return step * power;
  return 10 * power;
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

interface ForestRow {
  metric: ReportMetric;
  low: number;
  high: number;
  estimate: number;
  limit: number;
  estimated: boolean;
}

/** One axis of rows: `unit` is the tick suffix ("%" of change, or " pts" of a difference of rates). */
function drawForest(rows: readonly ForestRow[], axis: { unit: string; caption: string; label: string }): string {
  const values = rows.flatMap((r) => [r.low, r.high, r.estimate, r.limit, 0]);
  let min = Math.max(CLIP.low, Math.min(...values));
  let max = Math.min(CLIP.high, Math.max(...values));
  const step = niceStep(Math.max(max - min, axis.unit === '%' ? 10 : 0.1));
  min = Math.floor(min / step) * step;
  max = Math.ceil(max / step) * step;
  const width = 820;
  const labelWidth = 230;
  const textWidth = 190;
  const plotLeft = labelWidth;
  const plotWidth = width - labelWidth - textWidth;
  const rowHeight = 28;
  const top = 26;
  const height = top + rows.length * rowHeight + 30;
  const sx = (v: number): number => plotLeft + ((Math.min(max, Math.max(min, v)) - min) / (max - min)) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="forest" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(axis.label)}">`,
    `<text x="${plotLeft}" y="14" font-size="11" fill="#555">${escapeXml(axis.caption)}</text>`,
  ];
  const digits = step < 0.1 ? 2 : 1;
  for (let tick = min; tick <= max + step * 1e-6; tick += step) {
    const x = sx(tick).toFixed(1);
    const zero = Math.abs(tick) < step * 1e-6;
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${top}" y2="${height - 26}" stroke="${zero ? '#888' : '#eee'}" />`,
      `<text x="${x}" y="${height - 12}" font-size="10" text-anchor="middle" fill="#555">${tick > 0 && !zero ? '+' : ''}${zero ? 0 : Number(tick.toFixed(digits))}${axis.unit}</text>`,
    );
  }
  rows.forEach((row, index) => {
    const y = top + index * rowHeight + rowHeight / 2;
    const color = STATUS_COLORS[row.metric.status];
    const name = escapeXml(metricDisplayName(row.metric));
    const change = formatMetricChange(row.metric);
    const clippedLow = row.low < min;
    const clippedHigh = row.high > max;
    const interval = row.estimated ? `CI ${change.interval}` : change.interval;
    parts.push(
      `<g class="forest-row" data-metric="${escapeXml(row.metric.name)}" data-status="${row.metric.status}" data-interval="${row.estimated ? 'estimated' : 'none'}">`,
      `<title>${name}: ${escapeXml(change.change)} (${escapeXml(interval)}), limit ${escapeXml(formatLimit(row.metric.limit, row.metric.direction))}, ${row.metric.status}</title>`,
      `<text x="${labelWidth - 10}" y="${y + 4}" font-size="12" text-anchor="end">${name}</text>`,
    );
    // No interval (one trial a side): only the estimate is drawn, no bar of zero width.
    if (row.estimated)
      parts.push(
        `<line x1="${sx(row.low).toFixed(1)}" x2="${sx(row.high).toFixed(1)}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="6" stroke-linecap="${clippedLow || clippedHigh ? 'butt' : 'round'}" />`,
      );
    parts.push(
      `<circle cx="${sx(row.estimate).toFixed(1)}" cy="${y}" r="4.5" fill="#fff" stroke="${color}" stroke-width="2" />`,
      `<line class="limit" x1="${sx(row.limit).toFixed(1)}" x2="${sx(row.limit).toFixed(1)}" y1="${y - 10}" y2="${y + 10}" stroke="#c92a2a" stroke-width="2" stroke-dasharray="3 2" />`,
    );
    if (row.estimated && clippedHigh) {
      const x = sx(max);
      parts.push(`<path d="M${x - 6},${y - 6} L${x + 2},${y} L${x - 6},${y + 6}" fill="${color}" />`);
    }
    if (row.estimated && clippedLow) {
      const x = sx(min);
      parts.push(`<path d="M${x + 6},${y - 6} L${x - 2},${y} L${x + 6},${y + 6}" fill="${color}" />`);
    }
    const note = row.estimated ? '' : ` · ${NO_INTERVAL}`;
    parts.push(
      `<text x="${plotLeft + plotWidth + 10}" y="${y + 4}" font-size="11" fill="${color}">${escapeXml(change.change)} · ${row.metric.status.toUpperCase()}${note}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The forest plot: ratio metrics on one axis of relative change; error rates (judged on a
 * difference of rates, in points) on their own small axis in points, with the noise floor as their
 * line, since an interval in points does not belong on a ratio axis; an error rate with no error on
 * either side is a sentence, not a bar.
 */
export function renderForestPlot(metrics: readonly ReportMetric[]): string {
  if (metrics.length === 0) return '';
  const finite = (v: number): number => (Number.isFinite(v) ? v : v > 0 ? CLIP.high : CLIP.low);
  const ratioRows: ForestRow[] = metrics
    .filter((metric) => metric.difference === undefined)
    .map((metric) => ({
      metric,
      low: finite(percent(metric.interval[0])),
      high: finite(percent(metric.interval[1])),
      estimate: finite(percent(metric.change)),
      limit: (metric.direction === 'lower-is-better' ? 1 : -1) * metric.limit * 100,
      estimated: metricIntervalEstimated(metric),
    }));
  const errorMetrics = metrics.filter((metric) => metric.difference !== undefined);
  const noErrors = errorMetrics.filter((metric) => metric.baseline === 0 && metric.candidate === 0);
  const pointRows: ForestRow[] = errorMetrics
    .filter((metric) => !noErrors.includes(metric))
    .map((metric) => {
      const difference = metric.difference as NonNullable<ReportMetric['difference']>;
      return {
        metric,
        low: difference.lower * 100,
        high: difference.upper * 100,
        estimate: difference.estimate * 100,
        limit: metric.floor * 100,
        estimated: metricIntervalEstimated(metric),
      };
    });
  const parts: string[] = [];
  if (ratioRows.length > 0)
    parts.push(
      drawForest(ratioRows, {
        unit: '%',
        caption: 'change, candidate vs baseline (bar: confidence interval, dot: estimate, red line: limit)',
        label: 'Change of each judged metric with its confidence interval and limit',
      }),
    );
  if (pointRows.length > 0)
    parts.push(
      drawForest(pointRows, {
        unit: ' pts',
        caption: 'error rate, candidate minus baseline in percentage points (red line: the floor)',
        label: 'Difference of error rates with its confidence interval and floor',
      }),
    );
  if (noErrors.length > 0)
    parts.push(
      `<p class="no-errors forest-note">${escapeXml(capitalised(noErrors.map(metricDisplayName).join(', ')))}: no errors on either side.</p>`,
    );
  return parts.join('');
}
