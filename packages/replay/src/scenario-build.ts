/**
 * Builds the scenario file from an import: the request mix, the rate steps (or a timeline), the
 * status expectation, and a header comment that says where it all came from. The YAML is written
 * with the `yaml` package (the same one that reads scenarios), then parsed back by the scenario
 * loader before anything is written, so `peakgate validate` accepts every file `replay` writes.
 */
import type { ScenarioFile } from '@peakgate/core';
import { Document } from 'yaml';
import { formatScenarioDuration, type RateStep } from './rate-steps.js';
import type { TemplateSummary } from './traffic-summary.js';

export interface ScenarioParts {
  name: string;
  templates: readonly TemplateSummary[];
  /** Rate steps (ignored with a timeline). */
  steps: readonly RateStep[];
  /** Statuses seen, with counts. */
  statuses: ReadonlyMap<number, number>;
  /** Warm-up length (ms), 0 for none; runs at the first step's rate. */
  warmupMs: number;
  warmupRate: number;
  /** A timeline file (relative to the scenario) replayed at `speed`. */
  timeline?: { file: string; speed: number };
  /** Lines of the header comment (without `#`). */
  header: readonly string[];
}

/** At most this many single statuses in `expect.status`; more become classes (`2xx`). */
const MAX_STATUSES = 8;

/**
 * The statuses the log saw below 500 count as success: a candidate that answers 404 where
 * production did is fine, one that answers 500 is not, even if production sometimes did.
 */
export function expectedStatuses(statuses: ReadonlyMap<number, number>): Array<number | string> | undefined {
  const ok = [...statuses.keys()].filter((status) => status < 500).sort((a, b) => a - b);
  if (ok.length === 0) return undefined;
  if (ok.length <= MAX_STATUSES) return ok;
  return [...new Set(ok.map((status) => `${Math.floor(status / 100)}xx`))];
}

export function buildScenario(parts: ScenarioParts): { file: ScenarioFile; text: string } {
  const requests = parts.templates.map((template) => {
    const request: ScenarioFile['load']['requests'][number] = {
      weight: template.count,
      method: template.method as NonNullable<ScenarioFile['load']['requests'][number]['method']>,
      path: template.path,
    };
    if (template.headers !== undefined && Object.keys(template.headers).length > 0) request.headers = template.headers;
    if (template.body !== undefined) request.body = template.body;
    if (template.json !== undefined) request.json = template.json;
    return request;
  });
  const load: ScenarioFile['load'] = { requests };
  // Key order is the order written: warm-up, then the traffic, then the mix.
  const ordered: ScenarioFile['load'] = {} as ScenarioFile['load'];
  if (parts.warmupMs > 0) ordered.warmup = { duration: formatScenarioDuration(parts.warmupMs), rate: parts.warmupRate };
  if (parts.timeline) ordered.timeline = { file: parts.timeline.file, speed: parts.timeline.speed };
  else
    ordered.phases = parts.steps.map((step, index) => ({
      name: `step-${index + 1}`,
      duration: formatScenarioDuration(step.durationMs),
      rate: step.rate,
    }));
  Object.assign(ordered, load);
  const expect = expectedStatuses(parts.statuses);
  if (expect !== undefined) ordered.expect = { status: expect };
  const file: ScenarioFile = { name: parts.name, load: ordered };
  const document = new Document(file);
  document.commentBefore = parts.header.map((line) => ` ${line}`).join('\n');
  return { file, text: document.toString({ lineWidth: 0 }) };
}
