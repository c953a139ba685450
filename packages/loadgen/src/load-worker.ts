/**
 * The piscina worker entry: runs one worker's share of one phase. Compiled to dist/load-worker.js, which
 * runLoad resolves relative to its own module URL. Protocol on the task's port: post `ready`, wait
 * for `go` (a common start time for all workers), stream per-second samples, honour `stop`.
 */
import type { MessagePort } from 'node:worker_threads';
import type { LoadPhase } from '@peakgate/core';
import { WorkerControl } from './worker-control.js';
import type { ControlMessage, WorkerMessage, WorkerResult, WorkerTask } from './worker-protocol.js';
import { expectedStatusSet, WorkerRecorder } from './worker-recorder.js';

export default async function runWorker(task: WorkerTask): Promise<WorkerResult> {
  const { port, phase } = task;
  const control = new WorkerControl();
  try {
    // The model's sender (autocannon or undici) is loaded only when a phase needs it (thread start-up
    // is CPU charged to the engine), and before `ready`, so loading never delays the common start.
    const send = await loadSender(phase.load);
    const startAtEpochMs = await waitForGo(port, control);
    // Both threads' performance.timeOrigin are wall-clock epochs, so this maps the common start onto
    // this thread's monotonic clock.
    const startMs = startAtEpochMs - performance.timeOrigin;
    const recorder = new WorkerRecorder(
      port,
      startMs,
      phase.durationMs,
      expectedStatusSet(task.expectStatus),
      task.requests.length,
    );
    if (control.isStopped) return result(recorder, 0, 0, 0, true);
    await sleepUntil(startMs);
    // How late this worker really began against the common start (a late `go`, a slow timer):
    // across load shards, the spread of these is the start skew (docs/scale.md).
    const startLagMs = Math.max(0, performance.now() - startMs);
    const out = await send(task, recorder, control, startMs);
    // A phase that ran to its end lasted its duration: timers may fire a fraction of a ms early, and
    // that must not shift `rate.achieved` (requests ÷ duration) off the true figure.
    const elapsedMs = out.stoppedEarly ? elapsedSince(startMs, phase.durationMs, control) : phase.durationMs;
    const share = result(recorder, out.sent, out.arrivals, elapsedMs, out.stoppedEarly);
    share.startLagMs = startLagMs;
    if (out.lateness !== undefined) share.lateness = out.lateness;
    return share;
  } finally {
    // Messages on one port arrive in order, so `done` tells the main thread every sample is in.
    const done: WorkerMessage = { type: 'done' };
    port.postMessage(done);
    port.close();
  }
}

type Sender = (
  task: WorkerTask,
  recorder: WorkerRecorder,
  control: WorkerControl,
  startMs: number,
) => Promise<{ sent: number; arrivals: number; stoppedEarly: boolean; lateness?: string }>;

async function loadSender(load: LoadPhase['load']): Promise<Sender> {
  if (load.model === 'closed') {
    const { runClosedWorker } = await import('./closed-worker.js');
    return async (task, recorder, control, startMs) => ({
      ...(await runClosedWorker(task, load, recorder, control, startMs)),
      arrivals: 0,
    });
  }
  const { runOpenWorker } = await import('./open-worker.js');
  return (task, recorder, control, startMs) => runOpenWorker(task, load, recorder, control, startMs);
}

function result(
  recorder: WorkerRecorder,
  sent: number,
  arrivals: number,
  elapsedMs: number,
  stoppedEarly: boolean,
): WorkerResult {
  const histogram = recorder.close();
  const out: WorkerResult = {
    counts: recorder.counts,
    statuses: recorder.statuses,
    sent,
    arrivals,
    histogram,
    elapsedMs,
    stoppedEarly,
  };
  const kinds = recorder.kindResults();
  if (kinds) out.kinds = kinds;
  return out;
}

/** Load time measured from the common start, capped at the phase duration (draining is not load time). */
function elapsedSince(startMs: number, durationMs: number, control: WorkerControl): number {
  const end = control.stoppedAtMs ?? performance.now();
  return Math.min(durationMs, Math.max(0, end - startMs));
}

function waitForGo(port: MessagePort, control: WorkerControl): Promise<number> {
  return new Promise((resolve) => {
    port.on('message', (message: ControlMessage) => {
      if (message.type === 'go') resolve(message.startAtEpochMs);
      else if (message.type === 'stop') {
        control.stop();
        resolve(performance.timeOrigin + performance.now());
      }
    });
    const ready: WorkerMessage = { type: 'ready' };
    port.postMessage(ready);
  });
}

function sleepUntil(whenMs: number): Promise<void> {
  const wait = whenMs - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
