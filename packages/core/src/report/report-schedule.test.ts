import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import type { ScheduleError } from '../load-result.js';
import { fixtureScenario } from '../test-support/scenario-fixture.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import type { TrialResult } from '../trial.js';
import { buildReport } from './build-report.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import type { Report } from './report-types.js';

const scenario = fixtureScenario({
  name: 'timeline replay',
  baseline: { kind: 'image', image: 'shop:1' },
  candidate: { kind: 'image', image: 'shop:2' },
});
const { compare } = scenario;
const same = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6 };

/** A comparison whose trials replayed a timeline: each phase carries the schedule error the load engine gave. */
function timelineReport(withSchedule: boolean): Report {
  const trials: TrialResult[] = buildSyntheticComparison(2, 40, same, same).map((trial): TrialResult => {
    const load = trial.load;
    if (!withSchedule || !load) return trial;
    const p99 = trial.role === 'baseline' ? 1.25 : 3.5 + trial.round;
    const schedule: ScheduleError = {
      arrivals: 10_000 + trial.round,
      lateness: { p50: 0.125, p90: 0.5, p99, p999: p99 * 2, max: 12, mean: 0.2, count: 10_000 },
      histogram: 'HISTFAAAAB94nJNpmSzMwMDAxAABzFCaEUoz2X+AsQA/awKs',
    };
    return { ...trial, load: { ...load, phases: load.phases.map((phase) => ({ ...phase, schedule })) } };
  });
  return buildReport({
    scenario,
    trials,
    judgement: judge(trials, compare, { resamples: 200 }),
    environment: { peakgateVersion: '0.1.0', node: 'v20', platform: 'linux', cores: 2, driver: 'docker' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  });
}

describe('the achieved schedule error of timeline replays in the report', () => {
  it('report.json carries each timeline phase’s schedule (arrivals and lateness, no histogram)', () => {
    const report = timelineReport(true);
    const phase = report.trials.find((trial) => trial.role === 'candidate' && trial.round === 2)?.phases[0];
    expect(phase?.schedule).toEqual({
      arrivals: 10_002,
      lateness: { p50: 0.125, p90: 0.5, p99: 5.5, p999: 11, max: 12, mean: 0.2, count: 10_000 },
    });
    expect(JSON.stringify(report)).not.toContain('HISTF');
  });

  it('summary.md and report.html show the p99 lateness per trial and phase, only when a timeline ran', () => {
    const report = timelineReport(true);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('### Timeline schedule error');
    expect(markdown).toContain('| Order | Role | Round | Phase | Arrivals | Lateness p50 | p99 | max |');
    const candidateRow = markdown.split('\n').find((line) => line.includes('| candidate | 2 | peak |'));
    expect(candidateRow).toContain('| 10,002 |');
    expect(candidateRow).toContain('| 5.500 ms |');
    const html = renderHtml(report);
    expect(html).toContain('<h3>Timeline schedule error</h3>');
    expect(html).toContain('<td class="num">5.500 ms</td>');

    const plain = timelineReport(false);
    expect(plain.trials.every((trial) => trial.phases.every((phase) => phase.schedule === undefined))).toBe(true);
    expect(renderMarkdown(plain)).not.toContain('schedule error');
    expect(renderHtml(plain)).not.toContain('schedule error');
  });
});
