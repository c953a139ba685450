import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import type { LoadSharding } from '../load-result.js';
import { fixtureScenario } from '../test-support/scenario-fixture.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import { buildReport } from './build-report.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';

const scenario = fixtureScenario({ name: 'sharded', peak: { durationMs: 5_000, rate: 300 }, timeoutMs: 5_000 });

const sharding: LoadSharding = {
  workersPerShard: 1,
  startSkewMs: 3.5,
  shards: [
    // Two engines of one machine share a host name: the swarm node id tells them apart.
    {
      index: 0,
      node: 'node-a',
      nodeId: 'x2tje706kqqzn52fd0y3whhmk',
      requests: 750,
      errors: 0,
      achievedRate: 150,
      startLagMs: 0,
    },
    { index: 1, node: 'node-b|x', requests: 750, errors: 2, achievedRate: 149.6, startLagMs: 3.5 },
  ],
};

describe('load shards in the report (--shards)', () => {
  const side = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 50e6 };
  const trials = buildSyntheticComparison(2, 3, side, side).map((trial) =>
    trial.load === null ? trial : { ...trial, load: { ...trial.load, sharding } },
  );
  const report = buildReport({
    scenario,
    trials,
    judgement: judge(trials, scenario.compare, { resamples: 200 }),
    environment: { peakgateVersion: '0.1.0', node: 'v20', platform: 'linux', cores: 2, driver: 'swarm' },
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:01:00Z',
  });

  it('lists every shard of every trial in report.json', () => {
    expect(report.trials).toHaveLength(4);
    for (const trial of report.trials) expect(trial.loadShards).toEqual(sharding);
  });

  it('has a row per trial and shard in summary.md (node names escaped) and report.html', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(
      '| Trial | Shard | Node | Requests | Errors | Achieved req/s | Start lag | Start skew |',
    );
    expect(markdown).toContain('| baseline 1 | 1 | node-b\\|x | 750 | 2 | 149.6 |');
    expect(markdown).toContain('| baseline 1 | 0 | node-a (x2tje706kqqz) | 750 | 0 | 150 |');
    expect(markdown.match(/\| (baseline|candidate) \d \| [01] \|/g)).toHaveLength(8);
    const html = renderHtml(report);
    expect(html).toContain('<h3>Load shards</h3>');
    expect(html).toContain('<td>node-b|x</td>');
  });

  it('has no shard table for a single-host load', () => {
    const plain = buildReport({
      scenario,
      trials: buildSyntheticComparison(2, 3, side, side),
      judgement: judge(trials, scenario.compare, { resamples: 200 }),
      environment: { peakgateVersion: '0.1.0', node: 'v20', platform: 'linux', cores: 2, driver: 'docker' },
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:01:00Z',
    });
    expect(renderMarkdown(plain)).not.toContain('Load shards');
    expect(renderHtml(plain)).not.toContain('Load shards');
  });
});
