/**
 * A minimal inline SVG line chart (no scripts, no external assets), for report.html.
 */
import { escapeXml } from './render-junit.js';

export interface ChartSeries {
  label: string;
  color: string;
  dashed?: boolean;
  points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
}

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function tickLabel(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return Number(value.toFixed(2)).toString();
  return Number(value.toPrecision(2)).toString();
}

export function renderLineChart(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 240;
  const margin = { left: 56, right: 12, top: 28, bottom: 36 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const all = options.series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(1, ...all.map(([x]) => x)));
  const yMax = niceMax(Math.max(0, ...all.map(([, y]) => y)));
  const sx = (x: number): number => margin.left + (x / xMax) * plotWidth;
  const sy = (y: number): number => margin.top + plotHeight - (y / yMax) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<text x="${margin.left}" y="16" font-size="13" font-weight="600">${escapeXml(options.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#ddd" />`,
      `<text x="${margin.left - 6}" y="${(sy(y) + 4).toFixed(1)}" font-size="10" text-anchor="end">${tickLabel(y)}</text>`,
    );
    const x = (xMax * i) / 4;
    parts.push(
      `<text x="${sx(x).toFixed(1)}" y="${height - margin.bottom + 14}" font-size="10" text-anchor="middle">${tickLabel(x)}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 4}" font-size="10" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text x="12" y="${margin.top + plotHeight / 2}" font-size="10" text-anchor="middle" transform="rotate(-90 12 ${margin.top + plotHeight / 2})">${escapeXml(options.yLabel)}</text>`,
  );
  options.series.forEach((series, index) => {
    if (series.points.length > 0) {
      const path = series.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      parts.push(
        `<polyline fill="none" stroke="${escapeXml(series.color)}" stroke-width="1.5"${series.dashed ? ' stroke-dasharray="4 3"' : ''} points="${path}"><title>${escapeXml(series.label)}</title></polyline>`,
      );
    }
    const legendX = margin.left + 8 + (index % 4) * 140;
    const legendY = margin.top + 10 + Math.floor(index / 4) * 12;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 14}" y1="${legendY - 3}" y2="${legendY - 3}" stroke="${escapeXml(series.color)}" stroke-width="2"${series.dashed ? ' stroke-dasharray="4 3"' : ''} />`,
      `<text x="${legendX + 18}" y="${legendY}" font-size="10">${escapeXml(series.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
