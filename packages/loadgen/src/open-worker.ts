/**
 * Open model worker: sends this worker's arrivals (k ≡ workerIndex mod workerCount) at their scheduled
 * times over undici keep-alive connections, whatever the target's response times. Latency is
 * measured from each request's INTENDED start, so a slow target cannot hide its queueing
 * (coordinated omission). When every allowed connection is busy at an arrival's due time, the
 * arrival is counted as dropped instead of queued.
 *
 * Timing (Node timers fire 1–2 ms late, too coarse for sub-ms spacing; a setImmediate spin would burn
 * a core): a setTimeout sleeps until ~2 ms before the next arrival; for the last stretch the thread
 * alternates 50 µs Atomics.wait naps with setImmediate turns (which process I/O), so arrivals leave
 * ~0.1 ms after their due time at ~20% of a core. Arrivals already due are sent together, so a late
 * wake-up never lowers the achieved rate, and lateness is part of the measured latency.
 */

import type { OpenLoad } from '@peakgate/core';
import type { Dispatcher } from 'undici';
import { Pool } from 'undici';
import { arrivalOffsetMs, shareOf } from './arrival-schedule.js';
import { classifyTransportError } from './error-kind.js';
import { compileRequestMix, type RenderedRequest } from './request-template.js';
import { SeededStream } from './seeded-stream.js';
import { joinPath, type WorkerControl } from './worker-control.js';
import { createWorkerHistogram, encodeWorkerHistogram, recordWorkerLatencyMs } from './worker-histogram.js';
import type { WorkerTask } from './worker-protocol.js';
import type { WorkerRecorder } from './worker-recorder.js';

/** Sleep with setTimeout while the next arrival is further away than this. */
const TIMER_ABOVE_MS = 2.2;
/** Length of one blocking nap when the next arrival is close (futex slack adds ~50 µs). */
const NAP_MS = 0.05;
/** Longest single sleep, so a stop request is noticed promptly even at very low rates. */
const MAX_SLEEP_MS = 100;

export async function runOpenWorker(
  task: WorkerTask,
  load: OpenLoad,
  recorder: WorkerRecorder,
  control: WorkerControl,
  startMs: number,
): Promise<{ sent: number; arrivals: number; stoppedEarly: boolean; lateness?: string }> {
  const { workerIndex, workerCount } = task;
  const durationMs = task.phase.durationMs;
  const maxInFlight = Math.max(1, shareOf(load.maxConnections, workerIndex, workerCount));
  const url = new URL(task.target);
  const mix = compileRequestMix(task.requests, 'load.requests', task.env);
  const pool = keptPool(url.origin, maxInFlight, task.timeoutMs, task.servername);
  // A timeline names each arrival's time and request; otherwise the rate decides the time and the
  // weights the request.
  const timeline = task.timeline;
  const offsetOf = timeline
    ? (k: number): number =>
        k < timeline.offsetsMs.length ? (timeline.offsetsMs[k] ?? 0) / timeline.speed : Number.POSITIVE_INFINITY
    : (k: number): number => arrivalOffsetMs(k, load.rate.from, load.rate.to, durationMs);
  // De-phasing: a rate's arrival k is sent at a uniformly random moment of its slot
  // [offset(k), offset(k+1)), drawn independently on each side (Math.random, not the shared
  // stream). With exact spacing the two sides of a duet round, started together at the same rate,
  // keep one phase offset for the whole round: whichever side's arrivals lead, the other side's
  // requests wait behind them on the shared service core every time, and its latency and CPU per
  // request move by 10% for the round (a per-round spread of the A/A CPU ratio of ~0.08, p50 of
  // ~0.09). Random moments make that collision a per-request chance that is the same for both
  // sides. The count and mean rate do not change. A timeline's arrivals keep their own times.
  const dueOf = (k: number): number => {
    const here = offsetOf(k);
    if (timeline || !Number.isFinite(here)) return startMs + here;
    const next = offsetOf(k + 1);
    const slot = Number.isFinite(next) ? next - here : Math.max(0, durationMs - here);
    return startMs + here + Math.random() * slot;
  };
  const lateness = timeline ? createWorkerHistogram() : undefined;
  // Common random numbers: arrival k's request and values come from the stream keyed (seed, phase,
  // k), so arrival k is the same request on both sides of a round, however arrivals are spread.
  const random = new SeededStream();

  const nap = new Int32Array(new SharedArrayBuffer(4));
  let inFlight = 0;
  let sent = 0;
  let arrivals = 0;
  let drained: (() => void) | undefined;

  const settle = (): void => {
    inFlight--;
    if (inFlight === 0 && drained) drained();
  };

  const send = (intendedMs: number, k: number, now: number): void => {
    arrivals++;
    if (lateness) recordWorkerLatencyMs(lateness, now - intendedMs);
    // Rendered before the in-flight check, so a dropped arrival is counted against its kind.
    random.reseed(task.seed, task.phasePosition, k);
    const request: RenderedRequest = timeline ? mix.at(timeline.requestIndex[k] ?? 0, random) : mix.next(random);
    if (inFlight >= maxInFlight) {
      recorder.dropped(request.kind);
      return;
    }
    inFlight++;
    sent++;
    let status = 0;
    // The callback handler API: undici 7's Pool still asserts onConnect on dispatched handlers.
    const handler: Dispatcher.DispatchHandler = {
      onConnect: () => {},
      onHeaders: (statusCode) => {
        status = statusCode;
        return true;
      },
      onData: () => true,
      onComplete: () => {
        recorder.response(status, performance.now() - intendedMs, request.kind);
        settle();
      },
      onError: (error) => {
        recorder.error(classifyTransportError(error), request.kind);
        settle();
      },
    };
    pool.dispatch(
      {
        origin: url.origin,
        method: request.method,
        path: joinPath(url.pathname, request.path),
        headers: request.headers,
        body: request.body ?? null,
      },
      handler,
    );
  };

  recorder.start();
  const scheduled = new Promise<void>((resolve) => {
    let k = workerIndex;
    let dueMs = dueOf(k);
    const tick = (): void => {
      if (control.isStopped) {
        resolve();
        return;
      }
      const now = performance.now();
      while (dueMs <= now) {
        send(dueMs, k, now);
        k += workerCount;
        dueMs = dueOf(k);
      }
      if (!Number.isFinite(dueMs)) {
        // No more arrivals in this phase: wait out the remainder so every worker ends on time.
        const end = startMs + durationMs;
        if (now >= end) {
          resolve();
          return;
        }
        setTimeout(tick, Math.min(MAX_SLEEP_MS, end - now));
        return;
      }
      const wait = dueMs - now;
      if (wait > TIMER_ABOVE_MS) {
        setTimeout(tick, Math.min(MAX_SLEEP_MS, wait - TIMER_ABOVE_MS + 0.1));
      } else {
        Atomics.wait(nap, 0, 0, Math.min(wait, NAP_MS));
        setImmediate(tick);
      }
    };
    tick();
  });
  await scheduled;
  const stoppedEarly = control.isStopped;
  if (!stoppedEarly && inFlight > 0) {
    // Let requests sent inside the phase finish (each is bounded by the request timeout), unless
    // the run is aborted meanwhile.
    await new Promise<void>((resolve) => {
      drained = resolve;
      control.onStop(resolve);
    });
  }
  // Close the recorder before tearing down sockets: requests cut off by an abort are not counted.
  recorder.close();
  // An aborted run tears its sockets down now; otherwise they stay open for the next phase.
  if (stoppedEarly) await dropKeptPool();
  if (lateness === undefined) return { sent, arrivals, stoppedEarly };
  const encoded = encodeWorkerHistogram(lateness);
  lateness.destroy();
  return { sent, arrivals, stoppedEarly, lateness: encoded };
}

/**
 * The worker's keep-alive pool, reused by the next phase when it asks for the same origin, size and
 * timeouts: a warm-up phase then also warms the connections the measured phase sends on, so the
 * measured phase's first second does not carry connection set-up. A different shape replaces it.
 * The last pool closes with the worker thread, which runLoad ends with the run.
 */
let kept: { key: string; pool: Pool } | undefined;

function keptPool(origin: string, connections: number, timeoutMs: number, servername: string | undefined): Pool {
  const key = `${origin} ${connections} ${timeoutMs} ${servername ?? ''}`;
  if (kept?.key === key && !kept.pool.closed && !kept.pool.destroyed) return kept.pool;
  void dropKeptPool();
  const pool = new Pool(origin, {
    connections,
    pipelining: 1,
    // https to a name: connect to the checked address in `origin`, TLS for the name.
    connect: { timeout: timeoutMs, ...(servername !== undefined ? { servername } : {}) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
  kept = { key, pool };
  return pool;
}

async function dropKeptPool(): Promise<void> {
  const old = kept;
  kept = undefined;
  await old?.pool.destroy();
}
