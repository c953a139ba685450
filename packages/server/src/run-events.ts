/**
 * What `GET /runs/:id/events` carries, and the backlog it replays from. Each event is a summary
 * (a trial is its role, round, counts, p50/p99, CPU per request and errors, not its per-second
 * series and histograms: `GET /runs/:id/trials` has those), numbered per run 1, 2, 3, … so a
 * client that connects late gets the run from its start and one that reconnects with
 * `Last-Event-ID` gets exactly what it missed.
 */
import type { ProgressEvent } from '@peakgate/controller';
import type { ErrorCounts, Role, TrialResult } from '@peakgate/core';

export type StreamEventName = 'status' | 'progress' | 'end';

export interface StreamEvent {
  /** 1, 2, 3, … within one run. */
  id: number;
  event: StreamEventName;
  data: unknown;
}

/** One finished trial, as the event stream shows it. */
export interface TrialSummary {
  role: Role;
  round: number;
  order: number;
  /** Null when the service never became ready (no load was sent). */
  requests: { total: number; ok: number; errors: number } | null;
  errors: ErrorCounts | null;
  latencyMs: { p50: number; p99: number } | null;
  rate: { asked: number | null; achieved: number } | null;
  cpuSeconds: number | null;
  cpuPerRequestMs: number | null;
  memoryPeakBytes: number | null;
  exit: { ready: boolean; crashed: boolean; oomKilled: boolean; exitCode: number | null; message?: string };
  abort?: { by: Role; kind: string; detail: string };
}

/** A progress event with what a stream needs: figures, never histograms or whole series. */
export type ProgressSummary =
  | Exclude<ProgressEvent, { type: 'sample' } | { type: 'trial-finished' }>
  | {
      type: 'sample';
      runId: string;
      role: Role;
      round: number;
      sample: {
        second: number;
        phase: string;
        requests: number;
        errors: number;
        p50Ms: number;
        p99Ms: number;
        warmup?: boolean;
      };
    }
  | { type: 'trial-finished'; runId: string; trial: TrialSummary };

export function summarizeProgress(event: ProgressEvent): ProgressSummary {
  if (event.type === 'sample') {
    const { second, phase, requests, errors, p50Ms, p99Ms, warmup } = event.sample;
    return {
      type: 'sample',
      runId: event.runId,
      role: event.role,
      round: event.round,
      sample: { second, phase, requests, errors, p50Ms, p99Ms, ...(warmup === true ? { warmup } : {}) },
    };
  }
  if (event.type === 'trial-finished')
    return { type: 'trial-finished', runId: event.runId, trial: summarizeTrial(event.trial) };
  return event;
}

export function summarizeTrial(trial: TrialResult): TrialSummary {
  const { load, service, exit } = trial;
  return {
    role: trial.role,
    round: trial.round,
    order: trial.order,
    requests: load === null ? null : { ...load.requests },
    errors: load === null ? null : { ...load.errors },
    latencyMs: load === null ? null : { p50: load.latency.p50, p99: load.latency.p99 },
    rate: load === null ? null : { ...load.rate },
    cpuSeconds: service?.cpuSeconds ?? null,
    cpuPerRequestMs: service?.cpuPerRequestMs ?? null,
    memoryPeakBytes: service?.memoryPeakBytes ?? null,
    exit: {
      ready: exit.ready,
      crashed: exit.crashed,
      oomKilled: exit.oomKilled,
      exitCode: exit.exitCode,
      ...(exit.message !== undefined ? { message: exit.message } : {}),
    },
    ...(trial.abort !== undefined
      ? { abort: { by: trial.abort.by, kind: trial.abort.kind, detail: trial.abort.detail } }
      : {}),
  };
}

/** A trial as `GET /runs/:id/trials` serves it: everything but the encoded histograms (Prometheus and trials.json have those). */
export function trialDetails(trial: TrialResult): TrialResult {
  if (trial.load === null) return trial;
  const strip = <T extends { histogram: string; byName?: Record<string, { histogram: string }> }>(item: T): T => ({
    ...item,
    histogram: '',
    ...(item.byName !== undefined
      ? {
          byName: Object.fromEntries(
            Object.entries(item.byName).map(([name, part]) => [name, { ...part, histogram: '' }]),
          ),
        }
      : {}),
  });
  return {
    ...trial,
    load: {
      ...strip(trial.load),
      phases: trial.load.phases.map((phase) => strip(phase)),
      series: trial.load.series.map((second) => strip(second)),
    },
  };
}

/**
 * All events of one run, oldest first, up to `cap`: past it the oldest go (ids stay increasing,
 * so a client sees the gap). A run at one sample a second per role stays under the default cap
 * for about half an hour of measured load.
 */
export class EventBacklog {
  private readonly events: StreamEvent[] = [];
  private nextId = 1;

  constructor(private readonly cap: number) {}

  append(event: StreamEventName, data: unknown): StreamEvent {
    const entry: StreamEvent = { id: this.nextId, event, data };
    this.nextId += 1;
    this.events.push(entry);
    if (this.events.length > this.cap) this.events.splice(0, this.events.length - this.cap);
    return entry;
  }

  /** Events after `lastId` (all of them for undefined), oldest first. */
  after(lastId: number | undefined): StreamEvent[] {
    if (lastId === undefined) return [...this.events];
    return this.events.filter((entry) => entry.id > lastId);
  }

  get ended(): boolean {
    return this.events.at(-1)?.event === 'end';
  }
}
