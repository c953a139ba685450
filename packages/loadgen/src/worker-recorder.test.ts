import { MessageChannel } from 'node:worker_threads';
import { decodeHistogram } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { WorkerRecorder } from './worker-recorder.js';

describe('worker recorder', () => {
  it('streams each second, adds every second into the phase histogram and counts statuses', async () => {
    const channel = new MessageChannel();
    const samples: Array<{ second: number; requests: number; errors: number; histogram: string }> = [];
    channel.port2.on(
      'message',
      (message: { type: string; second: number; requests: number; errors: number; histogram: string }) => {
        if (message.type === 'sample') samples.push(message);
      },
    );
    const recorder = new WorkerRecorder(channel.port1, performance.now(), 1_500, new Set([200]));
    recorder.start();
    recorder.response(200, 0.25);
    recorder.response(200, 1.5);
    recorder.response(503, 2);
    // Second 0 is cut by the timer at 1 s; the rest lands in the last (partial) second, cut by close().
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    recorder.response(200, 40);
    recorder.response(1234, 3);
    recorder.error('timeout');
    const phase = decodeHistogram(recorder.close());
    await new Promise((resolve) => setTimeout(resolve, 50));
    channel.port1.close();

    expect(samples.map((s) => [s.second, s.requests, s.errors])).toEqual([
      [0, 3, 1],
      [1, 3, 2],
    ]);
    // Five responses have a latency; the transport error does not.
    expect(phase.totalCount).toBe(5);
    expect(phase.minNonZeroValue).toBe(250);
    expect(phase.maxValue).toBeGreaterThanOrEqual(39_980);
    expect(recorder.statuses).toEqual({ '0': 1, '200': 3, '503': 1 });
    expect(recorder.counts).toMatchObject({ ok: 3, status: 2, timeout: 1 });
    // Outcomes after close (requests still in flight at abort) are ignored.
    recorder.response(200, 1);
    expect(recorder.statuses['200']).toBe(3);
  });
});

describe('worker recorder, per kind of request', () => {
  it('counts and records each outcome for its kind too, and streams each kind per second', async () => {
    const channel = new MessageChannel();
    const kinds: Array<Array<{ requests: number; errors: number; histogram: string }>> = [];
    channel.port2.on('message', (message: { type: string; kinds?: (typeof kinds)[number] }) => {
      if (message.type === 'sample' && message.kinds) kinds.push(message.kinds);
    });
    const recorder = new WorkerRecorder(channel.port1, performance.now(), 500, new Set([200]), 2);
    recorder.start();
    recorder.response(200, 1, 0);
    recorder.response(503, 20, 1);
    recorder.error('timeout', 1);
    recorder.dropped(0);
    const whole = decodeHistogram(recorder.close());
    await new Promise((resolve) => setTimeout(resolve, 50));
    channel.port1.close();

    const [first, second] = recorder.kindResults() ?? [];
    expect(first?.counts).toMatchObject({ ok: 1, status: 0, dropped: 1 });
    expect(second?.counts).toMatchObject({ ok: 0, status: 1, timeout: 1 });
    expect(
      decodeHistogram(first?.histogram ?? '').totalCount + decodeHistogram(second?.histogram ?? '').totalCount,
    ).toBe(whole.totalCount);
    expect(decodeHistogram(second?.histogram ?? '').minNonZeroValue).toBe(20_000);
    expect(kinds).toHaveLength(1);
    expect(kinds[0]?.map((part) => [part.requests, part.errors])).toEqual([
      [2, 1],
      [2, 2],
    ]);
  });

  it('keeps nothing per kind for a one-kind mix', () => {
    const channel = new MessageChannel();
    const recorder = new WorkerRecorder(channel.port1, performance.now(), 100, new Set([200]));
    recorder.response(200, 1);
    recorder.close();
    channel.port1.close();
    expect(recorder.kindResults()).toBeUndefined();
  });
});
