/**
 * What crosses the thread boundary between runLoad (main thread) and a worker (one piscina
 * task on one worker thread, for one phase). Plain data only: templates are recompiled in the
 * worker because functions cannot be cloned.
 */
import type { MessagePort } from 'node:worker_threads';
import type { LoadPhase, RequestTemplate } from '@peakgate/core';

export interface WorkerTask {
  /** Where to connect: an address, never a name that could resolve again (target-guard.ts). */
  target: string;
  /** https to a name: the name for SNI and the certificate check (the connection goes to `target`). */
  servername?: string;
  phase: LoadPhase;
  requests: RequestTemplate[];
  expectStatus: number[];
  timeoutMs: number;
  workerIndex: number;
  workerCount: number;
  /** Values of the variables `{{env NAME}}` placeholders name, read once in the main thread. */
  env: Record<string, string>;
  /**
   * The round's seed (common random numbers, seeded-stream.ts): every draw of the phase comes from
   * streams keyed by (seed, phasePosition, arrival k or global connection number).
   */
  seed: number;
  /** 0-based position of the phase over warm-up and measured phases (part of each stream's key). */
  phasePosition: number;
  /** A timeline phase's arrivals, on shared memory (one copy for every worker). */
  timeline?: WorkerTimeline;
  /** Control and sample channel; transferred to the worker. */
  port: MessagePort;
}

/** Arrival k is due at offsetsMs[k] ÷ speed after the common start and sends request requestIndex[k]. */
export interface WorkerTimeline {
  offsetsMs: Float64Array;
  requestIndex: Uint32Array;
  speed: number;
}

/** Counts by outcome for one worker (or, summed, for a phase). */
export interface WorkerCounts {
  ok: number;
  status: number;
  timeout: number;
  refused: number;
  reset: number;
  other: number;
  dropped: number;
}

export interface WorkerResult {
  counts: WorkerCounts;
  statuses: Record<string, number>;
  /** Requests written to the target (open model: arrivals sent; closed: responses + errors). */
  sent: number;
  /** Open model: arrivals scheduled for this worker (sent + dropped). */
  arrivals: number;
  /** Encoded µs latency histogram of all responses in the phase. */
  histogram: string;
  /** Per kind of request (index in load.requests), when the mix has more than one. */
  kinds?: WorkerKindResult[];
  /** From the common start until load stopped (the phase duration unless stopped early). */
  elapsedMs: number;
  stoppedEarly: boolean;
  /** Timeline phases: encoded µs histogram of each arrival's lateness against its schedule. */
  lateness?: string;
  /** How late the worker began against the common start, ms (absent when stopped before it). */
  startLagMs?: number;
}

/** One kind of request's counts and encoded histogram in a worker's phase. */
export interface WorkerKindResult {
  counts: WorkerCounts;
  histogram: string;
}

/** One kind of request's part of a second. */
export interface KindSecond {
  requests: number;
  errors: number;
  histogram: string;
}

/** Worker → main. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done' }
  | {
      type: 'sample';
      second: number;
      requests: number;
      errors: number;
      histogram: string;
      /** Per kind of request (index in load.requests), when the mix has more than one. */
      kinds?: KindSecond[];
    };

/** Main → worker. `startAtEpochMs` is performance.timeOrigin + performance.now() in the main thread's terms. */
export type ControlMessage = { type: 'go'; startAtEpochMs: number } | { type: 'stop' };

export function emptyCounts(): WorkerCounts {
  return { ok: 0, status: 0, timeout: 0, refused: 0, reset: 0, other: 0, dropped: 0 };
}
