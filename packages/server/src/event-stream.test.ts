/**
 * GET /runs/:id/events on a real listening server, read by a real EventSource client (the
 * `eventsource` package, WHATWG semantics: it reconnects by itself and sends Last-Event-ID). The
 * executor is driven by the test, so the events of a run are emitted exactly when the test says:
 * a client that connects late still gets the run from its start, a client whose connection
 * drops gets what it missed and nothing twice, and a trial is a summary on the stream with its
 * details at GET /runs/:id/trials.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ComparisonMetrics, type ProgressListener } from '@peakgate/controller';
import {
  createLatencyHistogram,
  encodeHistogram,
  type LoadResult,
  recordLatencyMs,
  type SecondSample,
  type TrialResult,
} from '@peakgate/core';
import { EventSource } from 'eventsource';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type PeakgateServer } from './create-server.js';
import { EventBacklog } from './run-events.js';
import { type RunExecutor, type RunOutcome, RunQueue } from './run-queue.js';
import { RunStore } from './run-store.js';
import type { RunView } from './schemas.js';

const TOKEN = 'test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const SCENARIO = `name: sse-test
baseline: { image: peakgate/balancer:good }
candidate: { image: peakgate/balancer:regressed }
load:
  phases: [{ name: peak, duration: 2s, rate: 10 }]
  requests: [{ method: GET, path: / }]
`;

interface Job {
  emit: ProgressListener;
  finish(outcome?: Partial<RunOutcome>): void;
}

let dataDir: string;
let server: PeakgateServer;
let base: string;
let jobs: Map<string, Job>;
const clients: EventSource[] = [];

async function until<T>(check: () => T | undefined | false, what: string): Promise<T> {
  for (let i = 0; i < 500; i += 1) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'peakgate-sse-'));
  jobs = new Map();
  const executor: RunExecutor = (job, signal, onProgress) =>
    new Promise<RunOutcome>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')));
      jobs.set(job.id, {
        emit: onProgress,
        finish: (outcome = {}) => resolve({ verdict: 'pass', reasons: [], files: {}, ...outcome }),
      });
    });
  server = await createServer({
    dataDir,
    token: TOKEN,
    executor,
    metrics: new ComparisonMetrics({ processMetrics: false }),
  });
  base = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.app.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function submit(): Promise<RunView> {
  const response = await fetch(`${base}/runs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ inline: SCENARIO }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as RunView;
}

interface Received {
  id: number;
  event: string;
  data: Record<string, unknown>;
  bytes: number;
}

/** An EventSource on the run's stream, with the token, recording every event and each request's Last-Event-ID. */
function listen(id: string): { received: Received[]; lastEventIds: Array<string | null>; client: EventSource } {
  const received: Received[] = [];
  const lastEventIds: Array<string | null> = [];
  const client = new EventSource(`${base}/runs/${id}/events`, {
    fetch: (input, init) => {
      lastEventIds.push(new Headers(init?.headers).get('last-event-id'));
      return fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } });
    },
  });
  clients.push(client);
  for (const name of ['status', 'progress', 'end']) {
    client.addEventListener(name, (message) => {
      received.push({
        id: Number(message.lastEventId),
        event: name,
        data: JSON.parse(message.data) as Record<string, unknown>,
        bytes: Buffer.byteLength(message.data),
      });
      if (name === 'end') client.close();
    });
  }
  return { received, lastEventIds, client };
}

function sample(second: number): SecondSample {
  const histogram = createLatencyHistogram();
  for (let i = 1; i <= 200; i += 1) recordLatencyMs(histogram, i * 0.37);
  return {
    second,
    phase: 'peak',
    requests: 200,
    errors: 1,
    p50Ms: 37,
    p99Ms: 73,
    histogram: encodeHistogram(histogram),
  };
}

/** A trial as the controller reports it: a minute of per-second samples with their histograms (kilobytes). */
function bigTrial(): TrialResult {
  const series = Array.from({ length: 60 }, (_, second) => sample(second));
  const whole = sample(0).histogram;
  const errors = { status: 60, timeout: 0, refused: 0, reset: 0, other: 0, dropped: 0 };
  const latency = { p50: 37, p90: 66, p99: 73, p999: 74, max: 74, mean: 37, count: 12_000 };
  const load: LoadResult = {
    target: 'http://127.0.0.1:1',
    startedAt: new Date().toISOString(),
    durationMs: 60_000,
    latencyOrigin: 'intended-start',
    interrupted: false,
    workers: 1,
    requests: { total: 12_000, ok: 11_940, errors: 60 },
    errors,
    statuses: { '200': 11_940, '500': 60 },
    rate: { asked: 200, achieved: 200 },
    latency,
    histogram: whole,
    phases: [
      {
        name: 'peak',
        model: 'open',
        durationMs: 60_000,
        requests: { total: 12_000, ok: 11_940, errors: 60 },
        errors,
        statuses: { '200': 11_940, '500': 60 },
        rate: { asked: 200, achieved: 200 },
        latency,
        histogram: whole,
      },
    ],
    series,
  };
  return {
    role: 'baseline',
    round: 1,
    order: 0,
    load,
    service: {
      cpuSeconds: 6,
      cpuPerRequestMs: 0.5,
      memoryPeakBytes: 50e6,
      readyMs: 300,
      samples: series.map((_, i) => ({ atMs: i * 1000, cpuNanos: i * 1e8, memoryBytes: 50e6 })),
    },
    exit: { ready: true, crashed: false, oomKilled: false, exitCode: 0, logTail: ['listening'] },
  };
}

function emitTrial(job: Job, runId: string): void {
  job.emit({ type: 'comparison-started', runId, scenario: 'sse-test', driver: 'docker', plannedRounds: 1 });
  job.emit({ type: 'trial-started', runId, role: 'baseline', round: 1, order: 0 });
  job.emit({ type: 'phase', runId, role: 'baseline', round: 1, stage: 'measured' });
  for (let second = 0; second < 3; second += 1) {
    job.emit({ type: 'sample', runId, role: 'baseline', round: 1, sample: sample(second) });
  }
  job.emit({ type: 'trial-finished', runId, trial: bigTrial() });
}

describe('event stream', () => {
  it('gives a client that connects late every event from the start, numbered, as summaries', async () => {
    const run = await submit();
    const job = await until(() => jobs.get(run.id), 'the job to start');
    emitTrial(job, run.id);
    // Round 1 is over before anyone listens.
    const { received } = listen(run.id);
    await until(() => received.some((e) => e.data.type === 'trial-finished'), 'the replayed trial');
    expect(received.map((e) => e.id)).toEqual(received.map((_, i) => i + 1));
    expect(received.slice(0, 2).map((e) => [e.event, e.data.status])).toEqual([
      ['status', 'queued'],
      ['status', 'running'],
    ]);
    expect(received.slice(2).map((e) => e.data.type)).toEqual([
      'comparison-started',
      'trial-started',
      'phase',
      'sample',
      'sample',
      'sample',
      'trial-finished',
    ]);
    const finished = received.find((e) => e.data.type === 'trial-finished');
    expect(finished?.data.trial).toEqual({
      role: 'baseline',
      round: 1,
      order: 0,
      requests: { total: 12_000, ok: 11_940, errors: 60 },
      errors: { status: 60, timeout: 0, refused: 0, reset: 0, other: 0, dropped: 0 },
      latencyMs: { p50: 37, p99: 73 },
      rate: { asked: 200, achieved: 200 },
      cpuSeconds: 6,
      cpuPerRequestMs: 0.5,
      memoryPeakBytes: 50e6,
      exit: { ready: true, crashed: false, oomKilled: false, exitCode: 0 },
    });
    // The whole trial is tens of kilobytes; every event on the stream is under one.
    expect(JSON.stringify(bigTrial()).length).toBeGreaterThan(15_000);
    expect(Math.max(...received.map((e) => e.bytes))).toBeLessThan(1024);
    expect(received.find((e) => e.data.type === 'sample')?.data.sample).toEqual({
      second: 0,
      phase: 'peak',
      requests: 200,
      errors: 1,
      p50Ms: 37,
      p99Ms: 73,
    });

    // The details: GET /runs/:id/trials, everything but the encoded histograms.
    const trials = (await (await fetch(`${base}/runs/${run.id}/trials`, { headers: auth })).json()) as {
      trials: TrialResult[];
    };
    expect(trials.trials).toHaveLength(1);
    expect(trials.trials[0]?.load?.series).toHaveLength(60);
    expect(trials.trials[0]?.load?.series[59]).toMatchObject({ second: 59, requests: 200, histogram: '' });
    expect(trials.trials[0]?.service?.samples).toHaveLength(60);
    expect(trials.trials[0]?.load?.histogram).toBe('');

    job.finish();
    await until(() => received.at(-1)?.event === 'end', 'the end');
    expect(received.at(-1)).toMatchObject({ id: received.length, data: { status: 'finished', verdict: 'pass' } });
    // Resuming after the end: 204, which tells an EventSource to stop reconnecting.
    const after = await fetch(`${base}/runs/${run.id}/events`, {
      headers: { ...auth, 'last-event-id': String(received.length) },
    });
    expect(after.status).toBe(204);
    // A new client still gets the whole run, then the stream closes.
    const replay = await (await fetch(`${base}/runs/${run.id}/events`, { headers: auth })).text();
    expect([...replay.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(received.map((e) => e.id));
    const bad = await fetch(`${base}/runs/${run.id}/events`, { headers: { ...auth, 'last-event-id': 'soon' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'PG_ERR_SERVER_REQUEST_INVALID',
      message: expect.stringContaining('Last-Event-ID'),
    });
  });

  it('resumes a dropped client from Last-Event-ID: what it missed, nothing twice', async () => {
    const run = await submit();
    const job = await until(() => jobs.get(run.id), 'the job to start');
    job.emit({ type: 'comparison-started', runId: run.id, scenario: 'sse-test', driver: 'docker', plannedRounds: 1 });
    const { received, lastEventIds } = listen(run.id);
    await until(() => received.some((e) => e.data.type === 'comparison-started'), 'the first events');
    const beforeDrop = received.length;
    // The connection drops; while the client is away, round 1 happens.
    server.app.server.closeAllConnections();
    emitTrial(job, run.id);
    await until(() => received.some((e) => e.data.type === 'trial-finished'), 'the events missed while away');
    expect(lastEventIds).toEqual([null, String(beforeDrop)]);
    expect(received.map((e) => e.id)).toEqual(received.map((_, i) => i + 1));
    // Every event emitted, once each, in order: the one before the drop, the round while away.
    expect(received.filter((e) => e.event === 'progress').map((e) => e.data.type)).toEqual([
      'comparison-started',
      'comparison-started',
      'trial-started',
      'phase',
      'sample',
      'sample',
      'sample',
      'trial-finished',
    ]);
    job.finish({ verdict: 'fail', reasons: ['latency.p99 +40%'] });
    await until(() => received.at(-1)?.event === 'end', 'the end');
    expect(received.at(-1)?.data).toMatchObject({ status: 'finished', verdict: 'fail' });
    expect(received.map((e) => e.id)).toEqual(received.map((_, i) => i + 1));
  });
});

describe('RunQueue backlogs', () => {
  it('keeps the events of the newest ended runs only (backlogRuns)', async () => {
    const store = await RunStore.open(path.join(dataDir, 'queue'));
    const queue = new RunQueue({
      store,
      executor: async () => ({ verdict: 'pass', reasons: [], files: {} }),
      metrics: new ComparisonMetrics({ processMetrics: false }),
      allowProcess: false,
      backlogRuns: 1,
    });
    await queue.start();
    const job = {
      kind: 'compare' as const,
      driver: 'docker' as const,
      scenarioText: SCENARIO,
      scenarioSource: 'inline',
    };
    const first = await queue.submit(job);
    await until(() => queue.eventsAfter(first.id, undefined)?.ended, 'the first run to end');
    const second = await queue.submit(job);
    await until(() => queue.eventsAfter(second.id, undefined)?.ended, 'the second run to end');
    expect(queue.eventsAfter(first.id, undefined)).toBeUndefined();
    expect(queue.eventsAfter(second.id, undefined)?.events.map((e) => e.event)).toEqual(['status', 'status', 'end']);
    await queue.close();
  });
});

describe('EventBacklog', () => {
  it('keeps the newest events up to its cap, with ids that go on increasing', () => {
    const backlog = new EventBacklog(3);
    for (let i = 0; i < 5; i += 1) backlog.append('progress', { i });
    expect(backlog.after(undefined).map((e) => e.id)).toEqual([3, 4, 5]);
    expect(backlog.after(4).map((e) => e.id)).toEqual([5]);
    expect(backlog.after(1).map((e) => e.id)).toEqual([3, 4, 5]);
    expect(backlog.ended).toBe(false);
    backlog.append('end', {});
    expect(backlog.ended).toBe(true);
    expect(backlog.after(6)).toEqual([]);
  });
});
