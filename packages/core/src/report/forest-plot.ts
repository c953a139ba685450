/**
 * The forest plot of report.html: one row per judged metric, its confidence interval of the
 * change as a bar, the point estimate as a dot, and the metric's limit as a red line. Plain inline
 * SVG drawn here (not in the browser) so the verdict's evidence shows even with scripts off.
 */
import { formatLimit, formatMetricChange } from './format.js';
import { metricDisplayName, type ReportMetric } from './report-model.js';
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

export function renderForestPlot(metrics: readonly ReportMetric[]): string {
  if (metrics.length === 0) return '';
  const rows = metrics.map((metric) => {
    const limit = (metric.direction === 'lower-is-better' ? 1 : -1) * metric.limit * 100;
    const finite = (v: number): number => (Number.isFinite(v) ? v : v > 0 ? CLIP.high : CLIP.low);
    return {
      metric,
      low: finite(percent(metric.interval[0])),
      high: finite(percent(metric.interval[1])),
      estimate: finite(percent(metric.change)),
      limit,
    };
  });
  // Error rates are judged on a smoothed ratio of near-zero rates whose interval is very wide;
  // they are drawn clipped on the axis of the other metrics rather than setting its scale.
  const scaled = rows.some((r) => r.metric.difference === undefined)
    ? rows.filter((r) => r.metric.difference === undefined)
    : rows;
  const values = scaled.flatMap((r) => [r.low, r.high, r.estimate, r.limit, 0]);
  let min = Math.max(CLIP.low, Math.min(...values));
  let max = Math.min(CLIP.high, Math.max(...values));
  const step = niceStep(Math.max(max - min, 10));
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
    `<svg xmlns="http://www.w3.org/2000/svg" class="forest" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Change of each judged metric with its confidence interval and limit">`,
    `<text x="${plotLeft}" y="14" font-size="11" fill="#555">change, candidate vs baseline (bar: confidence interval, dot: estimate, red line: limit)</text>`,
  ];
  for (let tick = min; tick <= max + 1e-9; tick += step) {
    const x = sx(tick).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${top}" y2="${height - 26}" stroke="${tick === 0 ? '#888' : '#eee'}" />`,
      `<text x="${x}" y="${height - 12}" font-size="10" text-anchor="middle" fill="#555">${tick > 0 ? '+' : ''}${Number(tick.toFixed(1))}%</text>`,
    );
  }
  rows.forEach((row, index) => {
    const y = top + index * rowHeight + rowHeight / 2;
    const color = STATUS_COLORS[row.metric.status];
    const name = escapeXml(metricDisplayName(row.metric));
    const change = formatMetricChange(row.metric);
    const clippedLow = row.low < min;
    const clippedHigh = row.high > max;
    parts.push(
      `<g class="forest-row" data-metric="${escapeXml(row.metric.name)}" data-status="${row.metric.status}">`,
      `<title>${name}: ${escapeXml(change.change)} (CI ${escapeXml(change.interval)}), limit ${escapeXml(formatLimit(row.metric.limit, row.metric.direction))}, ${row.metric.status}</title>`,
      `<text x="${labelWidth - 10}" y="${y + 4}" font-size="12" text-anchor="end">${name}</text>`,
      `<line x1="${sx(row.low).toFixed(1)}" x2="${sx(row.high).toFixed(1)}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="6" stroke-linecap="${clippedLow || clippedHigh ? 'butt' : 'round'}" />`,
      `<circle cx="${sx(row.estimate).toFixed(1)}" cy="${y}" r="4.5" fill="#fff" stroke="${color}" stroke-width="2" />`,
      `<line class="limit" x1="${sx(row.limit).toFixed(1)}" x2="${sx(row.limit).toFixed(1)}" y1="${y - 10}" y2="${y + 10}" stroke="#c92a2a" stroke-width="2" stroke-dasharray="3 2" />`,
    );
    if (clippedHigh) {
      const x = sx(max);
      parts.push(`<path d="M${x - 6},${y - 6} L${x + 2},${y} L${x - 6},${y + 6}" fill="${color}" />`);
    }
    if (clippedLow) {
      const x = sx(min);
      parts.push(`<path d="M${x + 6},${y - 6} L${x - 2},${y} L${x + 6},${y + 6}" fill="${color}" />`);
    }
    parts.push(
      `<text x="${plotLeft + plotWidth + 10}" y="${y + 4}" font-size="11" fill="${color}">${escapeXml(change.change)} · ${row.metric.status.toUpperCase()}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
