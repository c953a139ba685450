/**
 * Worker-side measurement for one shard: outcome counts and a µs latency histogram for the current
 * second. Seconds are cut on a timer aligned to the common start and streamed to the main thread as
 * they close, and each closed second is added into the phase histogram; a request counts in the
 * second in which it completed. This is the closed model's per-response path, so it does as little
 * as it can there: one histogram record, status counts in a typed array (no string keys).
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
  /** Responses by HTTP status code (index = code); codes outside 0..999 are counted under 0. */
  private readonly statusCounts = new Uint32Array(1000);
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
    this.total.add(this.second);
    this.second.reset();
    this.secondIndex++;
    this.secondRequests = 0;
    this.secondErrors = 0;
  }

  response(status: number, latencyMs: number): void {
    if (this.closed) return;
    const code = status >= 0 && status < 1000 ? status : 0;
    this.statusCounts[code] = (this.statusCounts[code] ?? 0) + 1;
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

  /** Response counts keyed by status code, for the shard's result. */
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
    return encodeShardHistogram(this.total);
  }
}

/** Expected statuses as a set; an empty list means "any 2xx". */
export function expectedStatusSet(expectStatus: readonly number[]): Set<number> {
  if (expectStatus.length > 0) return new Set(expectStatus);
  return new Set(Array.from({ length: 100 }, (_, i) => 200 + i));
}
