/** Per-request-name figures in the report model and every renderer (additive: one-name mixes are unchanged). */
import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import { fixtureScenario } from '../test-support/scenario-fixture.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import { buildReport } from './build-report.js';
import { renderHtml } from './render-html.js';
import { renderJUnit } from './render-junit.js';
import { renderMarkdown } from './render-markdown.js';
import type { Report } from './report-types.js';

const scenario = fixtureScenario({
  name: 'endpoints',
  service: { ready: { kind: 'tcp', timeoutMs: 1000 } },
  requests: [
    { name: 'common', weight: 98, method: 'GET', path: '/common', headers: {} },
    { name: 'rare', weight: 2, method: 'GET', path: '/rare', headers: {} },
  ],
  timeoutMs: 1000,
  compare: { byRequest: { rare: { limits: { 'latency.p99': 0.1 }, slo: {} } } },
});

function report(kinds: boolean): Report {
  const side = (factor: number) => ({
    latencyMedianMs: 2,
    ...(kinds
      ? {
          kinds: [
            { name: 'common', share: 0.98 },
            { name: 'rare', share: 0.02, latencyFactor: factor },
          ],
        }
      : {}),
  });
  const trials = buildSyntheticComparison(2, 7, side(2), side(6));
  return buildReport({
    scenario,
    trials,
    judgement: judge(trials, scenario.compare, { resamples: 300 }),
    environment: { peakgateVersion: '0', node: 'v20', platform: 'linux', cores: 2, driver: 'process' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  });
}

describe('per-request-name figures in reports', () => {
  it('report.json: requestKinds per phase and side (histograms merged), and per trial phase', () => {
    const built = report(true);
    expect(built.requestKinds.map((kind) => [kind.name, kind.phase])).toEqual([
      ['common', 'peak'],
      ['rare', 'peak'],
    ]);
    const rare = built.requestKinds[1];
    expect(rare?.candidate?.p99Ms ?? 0).toBeGreaterThan(2 * (rare?.baseline?.p99Ms ?? Infinity));
    const trialRequests = built.trials
      .filter((trial) => trial.role === 'baseline')
      .reduce((sum, trial) => sum + (trial.phases[0]?.byName?.rare?.requests.total ?? 0), 0);
    expect(rare?.baseline?.requests).toBe(trialRequests);
    expect(built.metrics.find((m) => m.request === 'rare')?.status).toBe('fail');
  });

  it('summary.md, report.html and junit.xml show a row per name and the per-name metric', () => {
    const built = report(true);
    const markdown = renderMarkdown(built);
    expect(markdown).toContain('### Requests by name');
    expect(markdown).toMatch(/\| rare \| peak \| [\d,]+ \| 0 \|/);
    expect(markdown).toContain('| p99 latency of rare (peak) |');
    const html = renderHtml(built);
    expect(html).toContain('<h2>Requests by name</h2>');
    expect(html).toContain('<td>p99 latency of rare (peak)</td>');
    const junit = renderJUnit(built);
    expect(junit).toContain('name="p99 latency of rare (peak)"');
    expect(junit).toMatch(
      /<system-out>requests by name:\ncommon, Phase peak, Baseline requests [\d,]+.*\nrare, Phase peak/,
    );
  });

  it('a result without per-name figures renders as before', () => {
    const built = report(false);
    expect(built.requestKinds).toEqual([]);
    expect(renderMarkdown(built)).not.toContain('Requests by name');
    expect(renderHtml(built)).not.toContain('Requests by name');
    expect(renderJUnit(built)).not.toContain('requests by name');
  });
});
