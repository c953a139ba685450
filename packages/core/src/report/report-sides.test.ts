import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import { buildSyntheticComparison } from '../judge/synthetic-trials.js';
import type { Scenario } from '../scenario-model.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { buildReport, type ReportEnvironment } from './report-model.js';

const scenario: Scenario = {
  name: 'deployed',
  service: {
    port: 8080,
    ready: { kind: 'http', path: '/healthz', timeoutMs: 30_000 },
    env: {},
    resources: {},
    network: 'bridge',
  },
  baseline: { kind: 'url', url: 'http://127.0.0.1:8081' },
  candidate: { kind: 'url', url: 'http://127.0.0.1:8082' },
  load: {
    phases: [
      { name: 'peak', durationMs: 10_000, load: { model: 'open', rate: { from: 100, to: 100 }, maxConnections: 64 } },
    ],
    requests: [{ weight: 1, method: 'GET', path: '/', headers: {} }],
    expectStatus: [200],
    timeoutMs: 10_000,
  },
  compare: { rounds: 2, maxRounds: 2, limits: {}, slo: {}, confidence: 0.95, schedule: 'duet' },
};

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
