import {
  createLatencyHistogram,
  encodeHistogram,
  peakgateVersion,
  recordLatencyMs,
  type SecondSample,
} from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { ComparisonMetrics } from './metrics.js';
import type { LoadRunner, RunningService, ServiceLauncher } from './ports.js';

function sample(second: number, latenciesMs: number[]): SecondSample {
  const histogram = createLatencyHistogram();
  for (const ms of latenciesMs) recordLatencyMs(histogram, ms);
  return {
    second,
    phase: 'peak',
    requests: latenciesMs.length,
    errors: 1,
    p50Ms: 0,
    p99Ms: 0,
    histogram: encodeHistogram(histogram),
  };
}

function line(text: string, prefix: string): number {
  const found = text.split('\n').find((l) => l.startsWith(prefix));
  if (found === undefined) throw new Error(`no line ${prefix} in\n${text}`);
  return Number(found.slice(prefix.length).trim());
}

describe('ComparisonMetrics', () => {
  it('counts requests per role and fills the latency histogram from per-second histograms', async () => {
    const metrics = new ComparisonMetrics({ processMetrics: false });
    metrics.listener({ type: 'comparison-started', runId: 'r', scenario: 'shop', driver: 'process', plannedRounds: 2 });
    metrics.listener({ type: 'trial-started', runId: 'r', role: 'candidate', round: 2, order: 3 });
    metrics.listener({
      type: 'sample',
      runId: 'r',
      role: 'candidate',
      round: 2,
      sample: sample(0, [0.05, 0.3, 0.3, 2, 40]),
    });
    metrics.listener({ type: 'sample', runId: 'r', role: 'candidate', round: 2, sample: sample(1, [0.3]) });
    const { body, contentType } = await metrics.exposition();
    expect(contentType).toContain('text/plain');
    expect(line(body, 'peakgate_requests_total{scenario="shop",role="candidate",phase="peak"}')).toBe(6);
    expect(line(body, 'peakgate_request_errors_total{scenario="shop",role="candidate",phase="peak"}')).toBe(2);
    const bucket = (le: string) =>
      line(body, `peakgate_request_duration_seconds_bucket{scenario="shop",role="candidate",le="${le}"}`);
    expect(bucket('0.0001')).toBe(1);
    expect(bucket('0.0005')).toBe(4);
    expect(bucket('0.0025')).toBe(5);
    expect(bucket('0.05')).toBe(6);
    expect(bucket('+Inf')).toBe(6);
    expect(line(body, 'peakgate_request_duration_seconds_count{scenario="shop",role="candidate"}')).toBe(6);
    expect(line(body, 'peakgate_round{scenario="shop"}')).toBe(2);
    expect(line(body, 'peakgate_trials_total{scenario="shop",role="candidate",outcome="ok"}')).toBe(0);
    expect(line(body, 'peakgate_phase{scenario="shop",role="candidate",phase="peak"}')).toBe(1);
    expect(line(body, 'peakgate_load_achieved_requests_per_second{scenario="shop",role="candidate"}')).toBe(1);
  });

  it('records the verdict, its time and the comparison duration', async () => {
    const metrics = new ComparisonMetrics({ processMetrics: false });
    metrics.listener({ type: 'comparison-started', runId: 'r', scenario: 'shop', driver: 'process', plannedRounds: 1 });
    // Before any verdict, the count series are there at 0, so increase() counts the first one.
    const before = (await metrics.exposition()).body;
    expect(line(before, 'peakgate_comparisons_total{scenario="shop",verdict="fail"}')).toBe(0);
    expect(line(before, 'peakgate_comparison_duration_seconds_count{scenario="shop"}')).toBe(0);
    metrics.observeVerdict('fail');
    const { body } = await metrics.exposition();
    expect(line(body, 'peakgate_comparisons_total{scenario="shop",verdict="fail"}')).toBe(1);
    // At 0 from the comparison's start, so Prometheus' increase() counts a scenario's first verdict.
    expect(line(body, 'peakgate_comparisons_total{scenario="shop",verdict="pass"}')).toBe(0);
    expect(line(body, 'peakgate_last_verdict{scenario="shop"}')).toBe(0);
    expect(line(body, 'peakgate_verdict{scenario="shop",state="pass"}')).toBe(0);
    expect(line(body, 'peakgate_verdict{scenario="shop",state="fail"}')).toBe(1);
    expect(line(body, 'peakgate_verdict{scenario="shop",state="error"}')).toBe(0);
    expect(line(body, 'peakgate_comparison_duration_seconds_count{scenario="shop"}')).toBe(1);
    expect(line(body, 'peakgate_comparison_running')).toBe(0);
    metrics.begin('shop');
    metrics.observeVerdict('error');
    const after = (await metrics.exposition()).body;
    expect(line(after, 'peakgate_verdict{scenario="shop",state="fail"}')).toBe(0);
    expect(line(after, 'peakgate_verdict{scenario="shop",state="error"}')).toBe(1);
    expect(line(after, 'peakgate_last_verdict{scenario="shop"}')).toBe(-1);
  });

  it('says its version in peakgate_build_info and leaves out the defaults promtool refuses', async () => {
    const { body } = await new ComparisonMetrics().exposition();
    expect(
      line(body, `peakgate_build_info{version="${peakgateVersion}",nodejs_version="${process.versions.node}"}`),
    ).toBe(1);
    expect(body).toContain('# TYPE process_cpu_seconds_total counter');
    expect(body).toContain('# TYPE nodejs_active_handles gauge');
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      expect(body).not.toContain(name);
    }
  });

  it('counts service CPU seconds and memory from the readings of instrumented services', async () => {
    const metrics = new ComparisonMetrics({ processMetrics: false });
    metrics.begin('shop');
    let cpuNanos = 1e9;
    const service: RunningService = {
      url: 'http://127.0.0.1:1',
      readyMs: 1,
      logPath: '/dev/null',
      exited: new Promise(() => {}),
      stop: async () => ({ ready: true, crashed: false, oomKilled: false, exitCode: 0, logTail: [] }),
      read: async () => ({ cpuNanos, memoryBytes: 5_000_000 }),
    };
    const launcher: ServiceLauncher = {
      driver: 'process',
      reap: async () => 0,
      start: async () => ({ ok: true, service }),
    };
    const loadRunner: LoadRunner = { run: async () => Promise.reject(new Error('unused')) };
    const seams = metrics.instrument({ launcher, loadRunner });
    const started = await seams.launcher.start({ command: 'x' } as never, {} as never, {
      runId: 'r',
      role: 'baseline',
      trial: 0,
      outDir: '/tmp',
    });
    if (!started.ok) throw new Error('not started');
    await started.service.read?.();
    cpuNanos += 250_000_000;
    await started.service.read?.();
    const { body } = await metrics.exposition();
    expect(line(body, 'peakgate_service_cpu_seconds_total{scenario="shop",role="baseline"}')).toBeCloseTo(0.25);
    expect(line(body, 'peakgate_service_memory_bytes{scenario="shop",role="baseline"}')).toBe(5_000_000);
  });

  it('exports default process metrics unless turned off', async () => {
    expect((await new ComparisonMetrics().exposition()).body).toContain('process_cpu_user_seconds_total');
  });
});
