/**
 * Worker-side measurement for one worker thread: outcome counts and a µs latency histogram for the current
 * second. Seconds are cut on a timer aligned to the common start and streamed to the main thread as
 * they close, and each closed second is added into the phase histogram; a request counts in the
 * second in which it completed. This is the closed model's per-response path, so it does as little
 * as it can there: one histogram record, status counts in a typed array (no string keys).
 *
 * With more than one kind of request in the mix, each outcome is also recorded for its kind (the
 * template's index, which the sender knows: the open model renders it, the closed model keeps it in
 * autocannon's per-connection context): one more histogram record and two counters per response, in
 * arrays indexed by kind. A one-kind mix records nothing extra; its kind's figures are the mix's.
 */
import type { MessagePort } from 'node:worker_threads';
import type { TransportErrorKind } from './error-kind.js';
import {
  createWorkerHistogram,
  encodeWorkerHistogram,
  recordWorkerLatencyMs,
  type WorkerHistogram,
} from './worker-histogram.js';
import {
  emptyCounts,
  type KindSecond,
  type WorkerCounts,
  type WorkerKindResult,
  type WorkerMessage,
} from './worker-protocol.js';

/** What is kept for one kind of request. */
interface KindTally {
  counts: WorkerCounts;
  total: WorkerHistogram;
  second: WorkerHistogram;
  secondRequests: number;
  secondErrors: number;
}

export class WorkerRecorder {
  readonly counts: WorkerCounts = emptyCounts();
  /** Responses by HTTP status code (index = code); codes outside 0..999 are counted under 0. */
  private readonly statusCounts = new Uint32Array(1000);
  private readonly total: WorkerHistogram = createWorkerHistogram();
  private readonly second: WorkerHistogram = createWorkerHistogram();
  private secondIndex = 0;
  private secondRequests = 0;
  private secondErrors = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Set once the worker has stopped measuring; later outcomes (in-flight at abort) are ignored. */
  private closed = false;
  /** Per kind of request, only when the mix has more than one kind. */
  private readonly kinds: KindTally[] | undefined;

  constructor(
    private readonly port: MessagePort,
    private readonly startMs: number,
    private readonly durationMs: number,
    private readonly expectStatus: ReadonlySet<number>,
    kindCount = 1,
  ) {
    this.kinds =
      kindCount > 1
        ? Array.from({ length: kindCount }, () => ({
            counts: emptyCounts(),
            total: createWorkerHistogram(),
            second: createWorkerHistogram(),
            secondRequests: 0,
            secondErrors: 0,
          }))
        : undefined;
  }

  /** Starts cutting seconds; call at the common start time. */
  start(): void {
    this.scheduleTick();
  }

  private scheduleTick(): void {
    const due = this.startMs + (this.secondIndex + 1) * 1000;
    // The last second (possibly partial, plus responses that drain after the phase) is cut by close(),
    // so a phase yields exactly ceil(duration / 1 s) samples unless it is stopped early.
    if (due >= this.startMs + this.durationMs) return;
    this.timer = setTimeout(
      () => {
        this.flushSecond();
        this.scheduleTick();
      },
      Math.max(0, due - performance.now()),
    );
  }

  private flushSecond(): void {
    const message: WorkerMessage = {
      type: 'sample',
      second: this.secondIndex,
      requests: this.secondRequests,
      errors: this.secondErrors,
      histogram: encodeWorkerHistogram(this.second),
    };
    if (this.kinds) message.kinds = this.kinds.map(flushKind);
    this.port.postMessage(message);
    this.total.add(this.second);
    this.second.reset();
    this.secondIndex++;
    this.secondRequests = 0;
    this.secondErrors = 0;
  }

  /** A response; `kind` is the index of its request in the mix. */
  response(status: number, latencyMs: number, kind = 0): void {
    if (this.closed) return;
    const code = status >= 0 && status < 1000 ? status : 0;
    this.statusCounts[code] = (this.statusCounts[code] ?? 0) + 1;
    recordWorkerLatencyMs(this.second, latencyMs);
    this.secondRequests++;
    const ok = this.expectStatus.has(status);
    if (ok) {
      this.counts.ok++;
    } else {
      this.counts.status++;
      this.secondErrors++;
    }
    const tally = this.kinds?.[kind];
    if (tally) {
      recordWorkerLatencyMs(tally.second, latencyMs);
      tally.secondRequests++;
      if (ok) tally.counts.ok++;
      else {
        tally.counts.status++;
        tally.secondErrors++;
      }
    }
  }

  error(error: TransportErrorKind, kind = 0): void {
    if (this.closed) return;
    this.counts[error]++;
    this.secondRequests++;
    this.secondErrors++;
    const tally = this.kinds?.[kind];
    if (tally) {
      tally.counts[error]++;
      tally.secondRequests++;
      tally.secondErrors++;
    }
  }

  dropped(kind = 0): void {
    if (this.closed) return;
    this.counts.dropped++;
    this.secondRequests++;
    this.secondErrors++;
    const tally = this.kinds?.[kind];
    if (tally) {
      tally.counts.dropped++;
      tally.secondRequests++;
      tally.secondErrors++;
    }
  }

  /** Per kind of request: counts and the phase histogram (after close), or undefined for a one-kind mix. */
  kindResults(): WorkerKindResult[] | undefined {
    return this.kinds?.map((tally) => ({ counts: tally.counts, histogram: encodeWorkerHistogram(tally.total) }));
  }

  /** Response counts keyed by status code, for the worker's result. */
  get statuses(): Record<string, number> {
    const out: Record<string, number> = {};
    this.statusCounts.forEach((count, status) => {
      if (count > 0) out[String(status)] = count;
    });
    return out;
  }

  /** Stops measuring, streams the last (partial) second and returns the phase histogram. */
  close(): string {
    if (!this.closed) {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.flushSecond();
    }
    return encodeWorkerHistogram(this.total);
  }
}

/** Cuts one kind's second: its part of the sample, added into its phase histogram. */
function flushKind(tally: KindTally): KindSecond {
  const part: KindSecond = {
    requests: tally.secondRequests,
    errors: tally.secondErrors,
    histogram: tally.secondRequests > 0 ? encodeWorkerHistogram(tally.second) : '',
  };
  tally.total.add(tally.second);
  tally.second.reset();
  tally.secondRequests = 0;
  tally.secondErrors = 0;
  return part;
}

/** Expected statuses as a set; an empty list means "any 2xx". */
export function expectedStatusSet(expectStatus: readonly number[]): Set<number> {
  if (expectStatus.length > 0) return new Set(expectStatus);
  return new Set(Array.from({ length: 100 }, (_, i) => 200 + i));
}
