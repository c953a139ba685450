/**
 * runComparison on fakes of its seams (test-support/fake-ports.ts): round order, what each trial
 * records, the sequential stop (decided, max_rounds, compare.budget on a fake clock), an abort
 * mid-round, and builds that never get ready. Each test runs in milliseconds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { judge, type SequentialLook, type TrialResult } from '@peakgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ComparisonOptions, runComparison } from './sequential-rounds.js';
import {
  FakeClock,
  FakeLauncher,
  type FakeLoadOptions,
  FakeLoadRunner,
  fakeScenario,
} from './test-support/fake-ports.js';

type Look = { sequential: Pick<SequentialLook, 'state'> };

/** A judge that answers the given look states in turn (the last one repeats) and counts its calls. */
function scriptedJudge(...states: SequentialLook['state'][]) {
  const seen: number[] = [];
  const fn = (trials: TrialResult[]): Look => {
    seen.push(trials.length);
    return { sequential: { state: states[Math.min(seen.length, states.length) - 1] ?? 'pass' } };
  };
  return Object.assign(fn, { seen });
}

let outDir: string;
beforeEach(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'pg-comparison-'));
});
afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

function setup(load: FakeLoadOptions = {}, decide?: ConstructorParameters<typeof FakeLauncher>[1]) {
  const launcher = new FakeLauncher([], decide);
  const loadRunner = new FakeLoadRunner(launcher, load);
  const base = {
    baseline: { kind: 'image', image: 'shop:1' },
    candidate: { kind: 'image', image: 'shop:2' },
    launcher,
    loadRunner,
    outDir,
    runId: 'fake',
    // One core: nothing is pinned (the test process keeps its own affinity).
    totalCores: 1,
  } satisfies Partial<ComparisonOptions<Look>>;
  return { launcher, loadRunner, base };
}

describe('runComparison on fake ports', () => {
  it('alternate: runs A B, B A, A B, one service at a time, and records each trial', async () => {
    const { launcher, base } = setup({ requests: 1000, cpuNanosPerRequest: 200_000 });
    const scenario = fakeScenario({ rounds: 3, maxRounds: 3, schedule: 'alternate' });
    const outcome = await runComparison({ ...base, scenario, judge: scriptedJudge('pass') });

    expect(launcher.log).toEqual([
      'start baseline 0',
      'load baseline 0',
      'stop baseline 0',
      'start candidate 1',
      'load candidate 1',
      'stop candidate 1',
      'start candidate 2',
      'load candidate 2',
      'stop candidate 2',
      'start baseline 3',
      'load baseline 3',
      'stop baseline 3',
      'start baseline 4',
      'load baseline 4',
      'stop baseline 4',
      'start candidate 5',
      'load candidate 5',
      'stop candidate 5',
    ]);
    expect(outcome.trials.map((t) => [t.role, t.round, t.order])).toEqual([
      ['baseline', 1, 0],
      ['candidate', 1, 1],
      ['candidate', 2, 2],
      ['baseline', 2, 3],
      ['baseline', 3, 4],
      ['candidate', 3, 5],
    ]);
    // Each side's own build, and the figures of its measured window.
    expect(launcher.calls.map((call) => (call.build.kind === 'image' ? call.build.image : ''))).toEqual([
      'shop:1',
      'shop:2',
      'shop:2',
      'shop:1',
      'shop:1',
      'shop:2',
    ]);
    const first = outcome.trials[0] as TrialResult;
    expect(first.load?.requests.total).toBe(1000);
    expect(first.service).toMatchObject({ cpuSeconds: 0.2, cpuPerRequestMs: 0.2, readyMs: 7, memoryPeakBytes: 50e6 });
    expect(first.logPath).toBe('/fake/baseline-0.log');
    expect(first.exit).toMatchObject({ ready: true, crashed: false });
    expect(outcome.judgement).toBeDefined();
    expect(outcome).toMatchObject({ rounds: 3, stoppedBy: 'decided', reaped: 0 });
    expect(launcher.reaped).toBe(1);
    expect(launcher.running()).toEqual([]);
  });

  it('duet: starts both sides each round in A B, B A order and loads them together', async () => {
    const { launcher, loadRunner, base } = setup({ holdMs: 5 });
    const scenario = fakeScenario({ rounds: 2, maxRounds: 2, schedule: 'duet' });
    const outcome = await runComparison({ ...base, scenario, judge: scriptedJudge('pass') });
    expect(launcher.log.filter((line) => line.startsWith('start'))).toEqual([
      'start baseline 0',
      'start candidate 1',
      'start candidate 2',
      'start baseline 3',
    ]);
    // Both loads of a round run before either service is stopped.
    expect(launcher.log.slice(0, 4)).toEqual([
      'start baseline 0',
      'start candidate 1',
      'load baseline 0',
      'load candidate 1',
    ]);
    expect(loadRunner.runs.map((run) => run.owner?.role)).toEqual(['baseline', 'candidate', 'candidate', 'baseline']);
    expect(outcome.trials.map((t) => [t.role, t.round])).toEqual([
      ['baseline', 1],
      ['candidate', 1],
      ['candidate', 2],
      ['baseline', 2],
    ]);
    expect(launcher.running()).toEqual([]);
  });

  it('looks first after the planned rounds, then after every round while undecided, up to max_rounds', async () => {
    const { base } = setup();
    const verdicts = scriptedJudge('undecided');
    const outcome = await runComparison({
      ...base,
      scenario: fakeScenario({ rounds: 2, maxRounds: 4 }),
      judge: verdicts,
    });
    // No look after round 1; looks after 2, 3 and 4 (2 trials a round).
    expect(verdicts.seen).toEqual([4, 6, 8]);
    expect(outcome).toMatchObject({ rounds: 4, stoppedBy: 'max-rounds' });
    if (outcome.interrupted !== undefined) throw new Error('not interrupted');
    expect(outcome.looks.map((look) => look.round)).toEqual([2, 3, 4]);
  });

  it('an undecided look (a marginal metric) earns one more round; the next decided look stops', async () => {
    const { base } = setup();
    const verdicts = scriptedJudge('undecided', 'pass');
    const outcome = await runComparison({
      ...base,
      scenario: fakeScenario({ rounds: 1, maxRounds: 5 }),
      judge: verdicts,
    });
    expect(verdicts.seen).toEqual([2, 4]);
    expect(outcome).toMatchObject({ rounds: 2, stoppedBy: 'decided' });
    expect(outcome.trials).toHaveLength(4);
  });

  it('compare.budget: runs no round that would end past the budget (mean round so far, fake clock)', async () => {
    const clock = new FakeClock();
    // Every trial "takes" 10 s: a round 20 s. Budget 45 s: after round 1 (20 + 20 ≤ 45) one more;
    // after round 2 (40 + 20 > 45) none.
    const { base } = setup({ during: () => clock.advance(10_000) });
    const scenario = fakeScenario({ rounds: 1, maxRounds: 10, budgetMs: 45_000 });
    const outcome = await runComparison({ ...base, scenario, judge: scriptedJudge('undecided'), clock: clock.now });
    expect(outcome).toMatchObject({ rounds: 2, stoppedBy: 'budget' });
    if (outcome.interrupted !== undefined) throw new Error('not interrupted');
    expect(outcome.looks.map((look) => look.atMs)).toEqual([20_000, 40_000]);

    // A budget with room for exactly one more round of the mean length runs it (≤, not <).
    const roomy = setup({ during: () => clock.advance(10_000) });
    clock.ms = 0;
    const third = await runComparison({
      ...roomy.base,
      scenario: fakeScenario({ rounds: 1, maxRounds: 10, budgetMs: 60_000 }),
      judge: scriptedJudge('undecided'),
      clock: clock.now,
    });
    expect(third).toMatchObject({ rounds: 3, stoppedBy: 'budget' });
  });

  it('an abort mid-round (alternate) stops the load, reports interrupted, stops every service, starts nothing more', async () => {
    const controller = new AbortController();
    const reason = Object.assign(new Error('SIGINT received'), { signal: 'SIGINT' });
    // Round 2's first trial (the candidate's): Ctrl-C while its load runs.
    const { launcher, base } = setup({
      during: (_, service) => {
        if (service?.trial === 2) controller.abort(reason);
      },
    });
    const started = performance.now();
    const outcome = await runComparison({
      ...base,
      scenario: fakeScenario({ rounds: 3, maxRounds: 3 }),
      judge: scriptedJudge('pass'),
      signal: controller.signal,
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(outcome.judgement).toBeUndefined();
    expect(outcome.interrupted).toEqual({
      signal: 'SIGINT',
      reason: 'SIGINT received',
      roundsCompleted: 1,
      cut: [
        { role: 'baseline', round: 2, started: false },
        { role: 'candidate', round: 2, started: true },
      ],
    });
    // Round 1 whole, and the candidate's cut trial with what it measured (an interrupted load).
    expect(outcome.trials.map((t) => [t.role, t.round, t.load?.interrupted])).toEqual([
      ['baseline', 1, false],
      ['candidate', 1, false],
      ['candidate', 2, true],
    ]);
    expect(launcher.log.filter((line) => line.startsWith('start'))).toEqual([
      'start baseline 0',
      'start candidate 1',
      'start candidate 2',
    ]);
    expect(launcher.running()).toEqual([]);
  });

  it('an abort mid-round (duet) stops both loads at once and both services', async () => {
    const controller = new AbortController();
    // Round 2's loads hold 10 s unless aborted: the abort, not the hold, must end them.
    const { launcher, base } = setup({
      holdMs: (service) => ((service?.trial ?? 0) >= 2 ? 10_000 : 1),
      during: (_, service) => {
        if (service?.trial === 3) setTimeout(() => controller.abort(new Error('cancelled')), 5);
      },
    });
    const started = performance.now();
    const outcome = await runComparison({
      ...base,
      scenario: fakeScenario({ rounds: 2, maxRounds: 2, schedule: 'duet' }),
      judge: scriptedJudge('pass'),
      signal: controller.signal,
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(outcome.interrupted).toMatchObject({
      reason: 'cancelled',
      roundsCompleted: 1,
      cut: [
        { role: 'baseline', round: 2, started: true },
        { role: 'candidate', round: 2, started: true },
      ],
    });
    expect(launcher.services).toHaveLength(4);
    expect(launcher.running()).toEqual([]);
  });

  it('a candidate that never gets ready: the round stops, the verdict fails on it, no further round', async () => {
    const { launcher, base } = setup({ holdMs: 10_000 }, (call) =>
      call.role === 'candidate' ? { notReady: 'never answered on /healthz within 1 s' } : 'ready',
    );
    const scenario = fakeScenario({ rounds: 3, maxRounds: 6, schedule: 'duet' });
    const started = performance.now();
    const outcome = await runComparison({ ...base, scenario, judge: (trials) => judge(trials, scenario.compare) });
    // The baseline's 10 s load was stopped by the candidate's failure, not run out.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(outcome).toMatchObject({ rounds: 1, stoppedBy: 'outright' });
    const [baseline, candidate] = outcome.trials;
    expect(candidate).toMatchObject({ role: 'candidate', load: null, service: null, exit: { ready: false } });
    expect(baseline?.abort).toMatchObject({ by: 'candidate', kind: 'not-ready' });
    expect(outcome.judgement?.verdict).toBe('fail');
    expect(outcome.judgement?.infrastructureError).toBeUndefined();
    expect(outcome.judgement?.reasons.join('\n')).toMatch(/never answered on \/healthz/);
    expect(launcher.running()).toEqual([]);
  });

  it('a baseline that fails to start is an infrastructure error (PG_ERR_INFRA_BASELINE upstream), not a verdict on the candidate', async () => {
    const { launcher, base } = setup({}, (call) =>
      call.role === 'baseline' ? { notReady: 'exited with code 1 before it was ready' } : 'ready',
    );
    const scenario = fakeScenario({ rounds: 3, maxRounds: 6, schedule: 'alternate' });
    const outcome = await runComparison({ ...base, scenario, judge: (trials) => judge(trials, scenario.compare) });
    expect(outcome).toMatchObject({ rounds: 1, stoppedBy: 'outright' });
    expect(outcome.trials.map((t) => [t.role, t.exit.ready])).toEqual([
      ['baseline', false],
      ['candidate', true],
    ]);
    // The CLI and the server raise this as PG_ERR_INFRA_BASELINE (exit 3).
    expect(outcome.judgement?.infrastructureError).toMatch(/baseline/);
    expect(outcome.judgement?.infrastructureError).toMatch(/exited with code 1 before it was ready/);
    expect(launcher.running()).toEqual([]);
  });
});
