/**
 * Number formatting shared by the judge's reasons, the renderers and the CLI's tables, so a
 * change reads the same everywhere: "+38.2%", "+31.0%..+45.1%", "12.4 ms", "512.0 MiB".
 */
import type { MetricDirection, MetricUnit } from '../judge/metric-estimate.js';
import { intervalEstimated, NO_INTERVAL } from './verdict-wording.js';

/** A ratio as a signed percentage change: 1.382 → "+38.2%", 0.96 → "-4.0%". */
export function formatChange(ratio: number, digits = 1): string {
  if (Number.isNaN(ratio)) return 'n/a';
  if (ratio === Infinity) return '+∞%';
  const percent = (ratio - 1) * 100;
  const text = Math.abs(percent).toFixed(digits);
  const sign = percent < 0 && Number(text) !== 0 ? '-' : '+';
  return `${sign}${text}%`;
}

/** A ratio interval as changes: [1.31, 1.45] → "+31.0%..+45.0%". */
export function formatInterval(interval: readonly [number, number], digits = 1): string {
  return `${formatChange(interval[0], digits)}..${formatChange(interval[1], digits)}`;
}

/** A relative limit as the change it allows: 0.1 → "+10%" (or "-10%" for higher-is-better). */
export function formatLimit(limit: number, direction: MetricDirection): string {
  const percent = Number((limit * 100).toFixed(2));
  return direction === 'lower-is-better' ? `+${percent}%` : `-${percent}%`;
}

function significant(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0';
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 10) return value.toFixed(2);
  if (magnitude >= 1) return value.toFixed(3);
  return value.toPrecision(3);
}

/** A value in its unit: 12.4 ms, 512.0 MiB, 0.25% (ratio), 5,200 req/s. */
export function formatValue(value: number, unit: MetricUnit): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'ms':
      return `${significant(value)} ms`;
    case 'bytes':
      return `${(value / (1024 * 1024)).toFixed(1)} MiB`;
    case 'ratio':
      return `${(value * 100).toFixed(2)}%`;
    case 'req/s':
      return `${Math.round(value).toLocaleString('en-US')} req/s`;
  }
}

/** A difference of rates in percentage points: 0.0123 → "+1.23 pts". */
export function formatPoints(difference: number, digits = 2): string {
  const text = Math.abs(difference * 100).toFixed(digits);
  const sign = difference < 0 && Number(text) !== 0 ? '-' : '+';
  return `${sign}${text} pts`;
}

/**
 * The change and interval columns of a metric row. Error rates read as a difference in points
 * (0% → 0.4% is "+0.40 pts", not "+∞%"); everything else as a relative change. An interval of
 * zero width reads "no interval".
 */
export function formatMetricChange(metric: {
  change: number;
  interval: readonly [number, number];
  difference?: { estimate: number; lower: number; upper: number };
}): { change: string; interval: string } {
  if (metric.difference) {
    const { estimate, lower, upper } = metric.difference;
    return {
      change: formatPoints(estimate),
      interval: intervalEstimated([lower, upper]) ? `${formatPoints(lower)}..${formatPoints(upper)}` : NO_INTERVAL,
    };
  }
  // A zero-width interval (one trial a side) was not estimated: it is not shown as one.
  return {
    change: formatChange(metric.change),
    interval: intervalEstimated(metric.interval) ? formatInterval(metric.interval) : NO_INTERVAL,
  };
}
