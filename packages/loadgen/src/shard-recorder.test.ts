import { MessageChannel } from 'node:worker_threads';
import { decodeHistogram } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { ShardRecorder } from './shard-recorder.js';

describe('shard recorder', () => {
  it('streams each second, adds every second into the phase histogram and counts statuses', async () => {
    const channel = new MessageChannel();
    const samples: Array<{ second: number; requests: number; errors: number; histogram: string }> = [];
    channel.port2.on(
      'message',
      (message: { type: string; second: number; requests: number; errors: number; histogram: string }) => {
        if (message.type === 'sample') samples.push(message);
      },
    );
    const recorder = new ShardRecorder(channel.port1, performance.now(), 1_500, new Set([200]));
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
