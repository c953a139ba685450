/**
 * trials.json keeps the judge options a run used (`judgeOptions` on each trial), and judgeAndRender
 * re-judges saved trials with them: a deployed run whose CPU and memory were not measured keeps
 * its "not measured" reasons. Files written before the field are judged with the defaults; options
 * that disagree or are out of bounds (a hostile folder, issue 23) name the trial and field.
 */
import { describe, expect, it } from 'vitest';
import type { JudgeOptions } from '../judge/judge-context.js';
import { fixtureScenario } from '../test-support/scenario-fixture.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import type { TrialResult } from '../trial.js';
import { reportScenario } from './build-report.js';
import { judgeAndRender } from './judge-and-render.js';
import { readSavedTrials, type SavedTrial, savedTrialsJson } from './saved-trials.js';

const UNMEASURED: JudgeOptions = {
  unmeasured: {
    'cpu.per_request': 'no CPU source for the baseline and candidate (builds already deployed)',
    'memory.peak': 'no memory source for the baseline and candidate (builds already deployed)',
  },
};

/** Two builds already deployed without a CPU source: load figures, `service: null` (run-trial.ts). */
function deployedTrials(): TrialResult[] {
  const same = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6 };
  return buildSyntheticComparison(2, 7, same, same).map((trial) => ({ ...trial, service: null }));
}

const saved = (trials: readonly TrialResult[], options: JudgeOptions): SavedTrial[] =>
  JSON.parse(savedTrialsJson(trials, options)) as SavedTrial[];

function render(trials: readonly TrialResult[], judgeOptions: JudgeOptions) {
  return judgeAndRender({
    scenario: reportScenario(fixtureScenario()),
    trials,
    judgeOptions,
    environment: { peakgateVersion: '0.1.0', node: 'v20', platform: 'linux', cores: 2, driver: 'url' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  });
}

describe('trials.json judge options', () => {
  it('are saved on every trial and read back as the run used them', () => {
    const trials = deployedTrials();
    const read = readSavedTrials(saved(trials, UNMEASURED));
    expect(read).toMatchObject({ ok: true, judgeOptions: UNMEASURED });
    if (!read.ok) return;
    expect(read.trials).toHaveLength(trials.length);
    for (const trial of read.trials) expect(trial).not.toHaveProperty('judgeOptions');
  });

  it('re-judged, a deployed run keeps its "not measured" reasons and its rows', () => {
    const trials = deployedTrials();
    const run = render(trials, UNMEASURED);
    expect(run.report.warnings).toContain(`CPU per request not judged: ${UNMEASURED.unmeasured?.['cpu.per_request']}`);
    expect(run.report.warnings).toContain(`peak memory not judged: ${UNMEASURED.unmeasured?.['memory.peak']}`);
    const read = readSavedTrials(JSON.parse(run.files['trials.json']) as SavedTrial[]);
    if (!read.ok) throw new Error(read.problem);
    const again = render(read.trials, read.judgeOptions);
    expect(again.report.verdict).toBe(run.report.verdict);
    expect(again.report.warnings).toEqual(run.report.warnings);
    expect(again.report.metrics).toEqual(run.report.metrics);
    expect(again.report.trials).toEqual(run.report.trials);
    // Without the saved options (what `peakgate report` did before) the reason was lost.
    expect(render(read.trials, {}).report.warnings).toContain(
      'CPU per request not judged: no CPU figures for one side',
    );
  });

  it('a trials.json written before the field is judged with the defaults', () => {
    const trials = deployedTrials();
    expect(readSavedTrials(JSON.parse(JSON.stringify(trials)) as SavedTrial[])).toMatchObject({
      ok: true,
      judgeOptions: {},
    });
  });

  it.each([
    { name: 'resamples out of bounds', options: { resamples: 1e9 }, problem: /trials\[0\]\.judgeOptions\.resamples/ },
    { name: 'an unknown option', options: { judgeEverything: true }, problem: /trials\[0\]\.judgeOptions/ },
    {
      name: 'an unknown unmeasured metric',
      options: { unmeasured: { 'latency.p99': 'x' } },
      problem: /trials\[0\]\.judgeOptions\.unmeasured/,
    },
    { name: 'a metric the judge does not know', options: { metrics: ['cpu.total'] }, problem: /\.metrics\.0/ },
  ])('refuses $name, naming the trial and field', ({ options, problem }) => {
    const trials = saved(deployedTrials(), {}).map((trial) => ({ ...trial, judgeOptions: options as JudgeOptions }));
    const read = readSavedTrials(trials);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });

  it('refuses trials that disagree on how they were judged', () => {
    const trials = saved(deployedTrials(), UNMEASURED);
    trials[2] = { ...(trials[2] as SavedTrial), judgeOptions: {} };
    const read = readSavedTrials(trials);
    expect(read.ok).toBe(false);
    if (!read.ok)
      expect(read.problem).toBe(
        'trials[2].judgeOptions differs from trials[0].judgeOptions: one run is judged one way',
      );
  });
});
