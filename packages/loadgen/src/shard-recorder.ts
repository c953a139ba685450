/**
 * Worker-side measurement for one shard: outcome counts, a µs latency histogram for the phase and
 * one for the current second. Seconds are cut on a timer aligned to the common start and streamed
 * to the main thread as they close; a request counts in the second in which it completed.
 */
import type { MessagePort } from 'node:worker_threads';
import type { TransportErrorKind } from './error-kind.js';
import {
  createShardHistogram,
  encodeShardHistogram,
  recordShardLatencyMs,
  type ShardHistogram,
} from './shard-histogram.js';
import { emptyCounts, type ShardCounts, type ShardMessage } from './shard-protocol.js';

export class ShardRecorder {
  readonly counts: ShardCounts = emptyCounts();
  readonly statuses: Record<string, number> = {};
  private readonly total: ShardHistogram = createShardHistogram();
  private readonly second: ShardHistogram = createShardHistogram();
  private secondIndex = 0;
  private secondRequests = 0;
  private secondErrors = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Set once the shard has stopped measuring; later outcomes (in-flight at abort) are ignored. */
  private closed = false;

  constructor(
    private readonly port: MessagePort,
    private readonly startMs: number,
    private readonly durationMs: number,
    private readonly expectStatus: ReadonlySet<number>,
  ) {}

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
    const message: ShardMessage = {
      type: 'sample',
      second: this.secondIndex,
      requests: this.secondRequests,
      errors: this.secondErrors,
      histogram: encodeShardHistogram(this.second),
    };
    this.port.postMessage(message);
    this.second.reset();
    this.secondIndex++;
    this.secondRequests = 0;
    this.secondErrors = 0;
  }

  response(status: number, latencyMs: number): void {
    if (this.closed) return;
    const key = String(status);
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    recordShardLatencyMs(this.total, latencyMs);
    recordShardLatencyMs(this.second, latencyMs);
    this.secondRequests++;
    if (this.expectStatus.has(status)) {
      this.counts.ok++;
    } else {
      this.counts.status++;
      this.secondErrors++;
    }
  }

  error(kind: TransportErrorKind): void {
    if (this.closed) return;
    this.counts[kind]++;
    this.secondRequests++;
    this.secondErrors++;
  }

  dropped(): void {
    if (this.closed) return;
    this.counts.dropped++;
    this.secondRequests++;
    this.secondErrors++;
  }

  /** Stops measuring, streams the last (partial) second and returns the phase histogram. */
  close(): string {
    if (!this.closed) {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.flushSecond();
    }
    return encodeShardHistogram(this.total);
  }
}

/** Expected statuses as a set; an empty list means "any 2xx". */
export function expectedStatusSet(expectStatus: readonly number[]): Set<number> {
  if (expectStatus.length > 0) return new Set(expectStatus);
  return new Set(Array.from({ length: 100 }, (_, i) => 200 + i));
}
