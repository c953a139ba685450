import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import { fixtureScenario } from '../test-support/scenario-fixture.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import { buildReport } from './build-report.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import type { ReportEnvironment } from './report-types.js';

const scenario = fixtureScenario({
  name: 'deployed',
  baseline: { kind: 'url', url: 'http://127.0.0.1:8081' },
  candidate: { kind: 'url', url: 'http://127.0.0.1:8082' },
  peak: { durationMs: 10_000, rate: 100 },
});

const environment: ReportEnvironment = {
  peakgateVersion: '0.1.0',
  node: 'v20.20.0',
  platform: 'linux',
  cores: 2,
  driver: 'url',
  sides: {
    baseline: { driver: 'url', at: 'http://127.0.0.1:8081', host: '127.0.0.1', cpuSource: null },
    candidate: {
      driver: 'url',
      at: 'http://127.0.0.1:8082',
      host: '127.0.0.1',
      cpuSource: 'cgroup v2 /sys/fs/cgroup/green (cpu.stat usage_usec)',
    },
  },
};

describe('where each side ran', () => {
  const side = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 50e6 };
  const trials = buildSyntheticComparison(2, 3, side, side);
  const report = buildReport({
    scenario,
    trials,
    judgement: judge(trials, scenario.compare, { resamples: 200 }),
    environment,
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:01:00Z',
  });

  it('is in report.json (environment.sides) and names deployed builds by URL', () => {
    expect(report.environment.sides?.candidate.cpuSource).toContain('cgroup v2');
    expect(report.scenario).toMatchObject({ baseline: 'http://127.0.0.1:8081', candidate: 'http://127.0.0.1:8082' });
  });

  it('is in summary.md and report.html, saying where CPU came from or that it was not judged', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('- baseline: deployed at http://127.0.0.1:8081, CPU not measured (not judged)');
    expect(markdown).toContain(
      '- candidate: deployed at http://127.0.0.1:8082, CPU from cgroup v2 /sys/fs/cgroup/green (cpu.stat usage\\_usec)',
    );
    const html = renderHtml(report);
    expect(html).toContain(
      '<dt>Baseline ran</dt><dd>deployed at http://127.0.0.1:8081, CPU not measured (not judged)</dd>',
    );
  });
});
