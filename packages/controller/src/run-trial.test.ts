/**
 * runTrial on fakes of its seams (test-support/fake-ports.ts): what it records when the build
 * crashes under load, and that its service is stopped whatever way the trial ends.
 */
import { describe, expect, it } from 'vitest';
import { Barrier } from './barrier.js';
import { RoundStop } from './round-stop.js';
import { runTrial, type TrialContext } from './run-trial.js';
import { FakeLauncher, FakeLoadRunner, fakeScenario } from './test-support/fake-ports.js';

function context(launcher: FakeLauncher, loadRunner: TrialContext['loadRunner'], extra: Partial<TrialContext> = {}) {
  return {
    runId: 'fake',
    role: 'candidate',
    round: 1,
    order: 0,
    build: { kind: 'image', image: 'shop:2' },
    scenario: fakeScenario(),
    launcher,
    loadRunner,
    outDir: '/nonexistent',
    loadWorkers: 1,
    ...extra,
  } satisfies TrialContext;
}

describe('runTrial on fake ports', () => {
  it('a candidate that crashes under load stops the round at once; the trial keeps its load and the crash', async () => {
    const launcher = new FakeLauncher();
    // The load would hold 10 s: only the round stop can end it this soon.
    const loadRunner = new FakeLoadRunner(launcher, {
      holdMs: 10_000,
      during: (_, service) => {
        setTimeout(() => service?.crash('killed by signal 11'), 5);
      },
    });
    const roundStop = new RoundStop();
    const started = performance.now();
    const trial = await runTrial(context(launcher, loadRunner, { roundStop }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(roundStop.abort).toMatchObject({ by: 'candidate', kind: 'crashed', detail: 'killed by signal 11' });
    expect(trial.abort).toEqual(roundStop.abort);
    expect(trial.exit).toMatchObject({ crashed: true, exitCode: 1, message: 'killed by signal 11', logTail: ['boom'] });
    expect(trial.load?.interrupted).toBe(true);
    expect(launcher.running()).toEqual([]);
  });

  it('a load engine that throws: the error reaches the caller and the service is still stopped', async () => {
    const launcher = new FakeLauncher();
    const loadRunner = {
      run: async () => {
        throw new Error('worker pool died');
      },
    };
    await expect(runTrial(context(launcher, loadRunner))).rejects.toThrow('worker pool died');
    expect(launcher.services).toHaveLength(1);
    expect(launcher.running()).toEqual([]);
  });

  it('a baseline started beside a duet partner is released when its partner drops out', async () => {
    const launcher = new FakeLauncher([], (call) => (call.role === 'candidate' ? { notReady: 'no' } : 'ready'));
    const loadRunner = new FakeLoadRunner(launcher);
    const barrier = new Barrier(2);
    const [baseline, candidate] = await Promise.all([
      runTrial(context(launcher, loadRunner, { role: 'baseline', order: 0, barrier })),
      runTrial(context(launcher, loadRunner, { role: 'candidate', order: 1, barrier })),
    ]);
    expect(candidate).toMatchObject({ load: null, exit: { ready: false, message: 'no' } });
    // Without a round stop nothing cut the baseline: it ran its whole load alone.
    expect(baseline.load?.requests.total).toBe(1000);
    expect(launcher.running()).toEqual([]);
  });
});
