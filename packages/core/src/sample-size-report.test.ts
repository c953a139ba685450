/** report.json flags a shown or judged percentile read from too few requests (additive `warnings` fields). */
import { describe, expect, it } from 'vitest';
import { judge } from './judge/judge.js';
import { buildReport } from './report/build-report.js';
import { renderHtml } from './report/render-html.js';
import { renderMarkdown } from './report/render-markdown.js';
import type { Report } from './report/report-types.js';
import { fixtureScenario } from './test-support/scenario-fixture.js';
import { buildSyntheticComparison } from './test-support/synthetic-trials.js';

function report(rate: number): Report {
  const scenario = fixtureScenario({
    name: 'short',
    service: { ready: { kind: 'tcp', timeoutMs: 1000 } },
    peak: { durationMs: 20_000, rate },
    requests: [
      { name: 'common', weight: 98, method: 'GET', path: '/common', headers: {} },
      { name: 'rare', weight: 2, method: 'GET', path: '/rare', headers: {} },
    ],
    timeoutMs: 1000,
    compare: { rounds: 1, maxRounds: 1 },
  });
  const side = {
    latencyMedianMs: 2,
    phases: [{ name: 'peak', model: 'open' as const, seconds: 2, rate }],
    kinds: [
      { name: 'common', share: 0.98 },
      { name: 'rare', share: 0.02 },
    ],
  };
  const trials = buildSyntheticComparison(1, 3, side, side);
  return buildReport({
    scenario,
    trials,
    judgement: judge(trials, scenario.compare, { resamples: 200 }),
    environment: { peakgateVersion: '0', node: 'v20', platform: 'linux', cores: 2, driver: 'process' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  });
}

describe('warnings on rows whose percentiles rest on too few samples', () => {
  it('a request name seen a few times: its row says p99 rests on N samples; a busy one says nothing', () => {
    const built = report(100);
    const rare = built.requestKinds.find((kind) => kind.name === 'rare');
    const common = built.requestKinds.find((kind) => kind.name === 'common');
    expect(rare?.warnings?.[0]).toMatch(/^p99 rests on \d+ baseline samples? \(fewer than 100\): a rough figure$/);
    expect(rare?.warnings).toHaveLength(2);
    // About 196 requests a side: enough for a p99.
    expect(common?.warnings).toBeUndefined();
  });

  it('a judged p99 from 60 requests a side carries a warning; CPU and the busy run carry none', () => {
    const p99 = report(30).metrics.find((metric) => metric.name === 'latency.p99');
    expect(p99?.warnings).toEqual([
      expect.stringMatching(/^p99 rests on \d+ baseline samples \(fewer than 100\)/),
      expect.stringMatching(/^p99 rests on \d+ candidate samples \(fewer than 100\)/),
    ]);
    const busy = report(500);
    for (const metric of busy.metrics.filter((m) => m.name !== 'latency.p999')) expect(metric.warnings).toBeUndefined();
    expect(report(30).metrics.find((m) => m.name === 'cpu.per_request')?.warnings).toBeUndefined();
  });

  it('summary.md and report.html list the row notes under Warnings, naming the request and the metric', () => {
    const built = report(30);
    const markdown = renderMarkdown(built);
    const html = renderHtml(built);
    expect(markdown).toMatch(/### Warnings[\s\S]*- common \(peak\): p99 rests on \d+ baseline samples/);
    expect(markdown).toMatch(/- p99 latency \(peak\): p99 rests on \d+ candidate samples/);
    expect(html).toMatch(/<h2>Warnings<\/h2>[\s\S]*common \(peak\): p99 rests on \d+ baseline samples/);
    // A busy run has nothing to warn of.
    expect(renderMarkdown(report(500))).not.toContain('- common (peak)');
  });
});
