/**
 * `--slo KEY=VALUE` (repeatable) as `peakgate run` takes it: the same keys and units as the
 * scenario's `compare.slo` (`latency.p99=250ms`, `error_rate=0.1%`, `latency.p99{name=checkout}=80ms`,
 * `throughput=500`), checked by the same schema, and a selector must name a request of the mix.
 */
import { PeakgateError } from '../errors.js';
import { parseMetricSelector } from '../metric-selector.js';
import type { MetricName, RequestJudgeSpec } from './model.js';
import { resolveSlo } from './resolve.js';
import { scenarioParts } from './schema.js';
import { schemaIssues } from './schema-issues.js';

export interface SloFlags {
  slo: Partial<Record<MetricName, number>>;
  byRequest?: Record<string, RequestJudgeSpec>;
}

export function parseSloFlags(flags: readonly string[], requestNames: readonly string[]): SloFlags {
  const written: Record<string, string | number> = {};
  const problems: string[] = [];
  for (const flag of flags) {
    // The value never holds "=", a selector's key does (`{name=…}`): split at the last one.
    const at = flag.lastIndexOf('=');
    if (at <= 0 || at === flag.length - 1) {
      problems.push(`--slo ${JSON.stringify(flag)}: expected KEY=VALUE, e.g. latency.p99=250ms`);
      continue;
    }
    const key = flag.slice(0, at);
    const text = flag.slice(at + 1);
    const value = key === 'throughput' && /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : text;
    for (const issue of schemaIssues(scenarioParts.slo, { [key]: value }))
      problems.push(`--slo ${flag}: ${issue.message}`);
    const selector = parseMetricSelector(key);
    if (selector && !requestNames.includes(selector.name))
      problems.push(
        `--slo ${flag}: no request is named "${selector.name}"; request names: ${requestNames.map((name) => JSON.stringify(name)).join(', ')}`,
      );
    written[key] = value;
  }
  if (problems.length > 0) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', problems.join('; '));
  }
  const slo = resolveSlo(Object.fromEntries(Object.entries(written).filter(([key]) => !parseMetricSelector(key))));
  const byRequest: Record<string, RequestJudgeSpec> = {};
  for (const [key, value] of Object.entries(written)) {
    const selector = parseMetricSelector(key);
    if (!selector) continue;
    const own = byRequest[selector.name] ?? { limits: {}, slo: {} };
    Object.assign(own.slo, resolveSlo({ [selector.metric]: value }));
    byRequest[selector.name] = own;
  }
  return Object.keys(byRequest).length > 0 ? { slo, byRequest } : { slo };
}
