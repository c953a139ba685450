/**
 * The achieved schedule error of a timeline replay reaches the report: `peakgate replay --timeline`
 * on 10 s of test/fixtures/replay/balancer.log (400 requests at 40 req/s) at 5x, then `peakgate compare` of the
 * sample balancer against itself (process driver, 127.0.0.1, one round of 2 s per side at
 * 200 req/s). report.json gives each trial's timeline phase `schedule` (arrivals, lateness p50…max),
 * and summary.md and report.html show the p99 lateness per trial.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from './cli-support.js';
import { balancerScript } from './runtime-support.js';

const LOG = path.join('test', 'fixtures', 'replay', 'balancer.log');

interface ReportPhase {
  name: string;
  requests: { total: number };
  schedule?: { arrivals: number; lateness: { p50: number; p99: number; max: number; count: number } };
}

describe('timeline schedule error in the compare report', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-replay-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('report.json, summary.md and report.html give each trial’s p99 lateness', async () => {
    const scenario = path.join(dir, 'timeline.yaml');
    const imported = await runPeakgate(
      [
        'replay',
        LOG,
        '--out',
        scenario,
        '--timeline',
        '--window',
        '2026-03-01T10:00:00Z..2026-03-01T10:00:10Z',
        '--speed',
        '5x',
        '--warmup',
        '0s',
      ],
      60_000,
    );
    expect(imported.code, explainRun(imported)).toBe(0);
    const out = path.join(dir, 'out');
    const balancer = `node ${balancerScript}`;
    const compared = await runPeakgate(
      [
        'compare',
        scenario,
        '--driver',
        'process',
        '--baseline-cmd',
        balancer,
        '--candidate-cmd',
        balancer,
        '--rounds',
        '1',
        '--max-rounds',
        '1',
        '--out',
        out,
        '--quiet',
      ],
      180_000,
    );
    // Same build on both sides: pass, or fail only if the shared machine made the pair noisy; the
    // report is written either way, and that is what this test reads.
    expect([0, 1], explainRun(compared)).toContain(compared.code);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
      trials: Array<{ role: string; phases: ReportPhase[] }>;
    };
    expect(report.trials.map((trial) => trial.role).sort()).toEqual(['baseline', 'candidate']);
    for (const trial of report.trials) {
      const [phase] = trial.phases;
      expect(phase?.name).toBe('timeline');
      expect(phase?.schedule?.arrivals).toBe(400);
      expect(phase?.schedule?.lateness.count).toBe(400);
      expect(phase?.schedule?.lateness.p99).toBeGreaterThan(0);
      expect(phase?.schedule?.lateness.max).toBeGreaterThanOrEqual(phase?.schedule?.lateness.p99 ?? 0);
      expect(phase?.schedule).not.toHaveProperty('histogram');
    }
    const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('### Timeline schedule error');
    expect(summary).toMatch(/\| baseline \| 1 \| timeline \| 400 \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ ms \|/);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h3>Timeline schedule error</h3>');
  }, 240_000);
});
