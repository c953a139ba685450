/**
 * One run at a time, the rest wait in submission order. The queue owns the run records' life
 * cycle (queued → running → finished | error | cancelled), persists every status change through
 * the RunStore, feeds progress to the metrics registry and to server-sent-event subscribers, and
 * leaves the actual work to an injected executor, so tests can drive it with a real but short
 * comparison or a scripted one.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  assertNoLinkOnPath,
  type ComparisonMetrics,
  type ProgressEvent,
  type ProgressListener,
  replaceFile,
} from '@peakgate/controller';
import {
  type ErrorCode,
  isPeakgateError,
  maskSecrets,
  maskSecretsDeep,
  PeakgateError,
  type TrialResult,
} from '@peakgate/core';
import { type PreparedJob, prepareJob } from './prepare-job.js';
import { EventBacklog, type StreamEvent, summarizeProgress, trialDetails } from './run-events.js';
import type { RunRecord, RunStore, StoredJob } from './run-store.js';
import { RunStore as Store } from './run-store.js';
import { runView } from './run-view.js';

/** A prepared job as the executor gets it: its id and where its logs and raw files go. */
export interface RunJob extends PreparedJob {
  id: string;
  /** Where logs and raw files of this run go (inside the data directory). */
  runDir: string;
}

export interface RunOutcome {
  /** Null for a one-sided run. */
  verdict: 'pass' | 'fail' | null;
  reasons: string[];
  /** Report files by name (report.json, summary.md, junit.xml, report.html, …). */
  files: Record<string, string>;
  /** The sandbox could not judge (the baseline broke too): the run ends in `error`, its reports kept. */
  error?: { code: ErrorCode; message: string };
}

export type RunExecutor = (job: RunJob, signal: AbortSignal, onProgress: ProgressListener) => Promise<RunOutcome>;

/** What the queue publishes; subscribers of GET /runs/:id/events get it numbered and summarised (StreamEvent). */
export type RunEvent =
  | { event: 'status'; data: RunRecord }
  | { event: 'progress'; data: ProgressEvent }
  | { event: 'end'; data: RunRecord };

export interface RunQueueOptions {
  store: RunStore;
  executor: RunExecutor;
  metrics: ComparisonMetrics;
  /** Whether process-driver builds (shell commands) may be submitted. */
  allowProcess: boolean;
  /** Events kept per run for late and reconnecting clients; default 4096. */
  backlogEvents?: number;
  /** Ended runs whose events and trials stay in memory (the oldest go first); default 16. */
  backlogRuns?: number;
}

export const DEFAULT_BACKLOG_EVENTS = 4096;
export const DEFAULT_BACKLOG_RUNS = 16;

export class RunQueue {
  private readonly store: RunStore;
  private readonly subscribers = new Map<string, Set<(event: StreamEvent) => void>>();
  /** Per run, in the order runs first published: every event so far (capped) and its finished trials. */
  private readonly backlogs = new Map<string, { events: EventBacklog; trials: TrialResult[] }>();
  private active: { id: string; abort: AbortController; done: Promise<void> } | undefined;
  private closing = false;

  constructor(private readonly options: RunQueueOptions) {
    this.store = options.store;
  }

  /** Picks up what a previous server left: a run that was running when it died starts again first. */
  async start(): Promise<void> {
    for (const run of this.store.list()) {
      if (run.status === 'running') {
        run.status = 'queued';
        run.startedAt = null;
        run.progress = { ...run.progress, stage: 'queued' };
      }
    }
    await this.store.save();
    // A queued run's stream starts here on this server: the earlier events died with the last one.
    for (const run of this.store.list()) {
      if (run.status === 'queued') this.publish(run.id, { event: 'status', data: run });
    }
    this.pump();
  }

  get accepting(): boolean {
    return !this.closing;
  }

  list(): RunRecord[] {
    return this.store.list();
  }

  get(id: string): RunRecord | undefined {
    return this.store.get(id);
  }

  runDir(run: RunRecord): string {
    return this.store.runDir(run);
  }

  /** 0-based place among the queued runs, or null when not queued. */
  position(run: RunRecord): number | null {
    if (run.status !== 'queued') return null;
    return this.store
      .list()
      .filter((r) => r.status === 'queued')
      .findIndex((r) => r.id === run.id);
  }

  /** Validates the job now (a bad scenario is a 400, not a failed run later) and queues it. */
  async submit(job: StoredJob): Promise<RunRecord> {
    if (this.closing) throw new PeakgateError('PG_ERR_SERVER_SHUTTING_DOWN', 'the server is shutting down');
    const prepared = prepareJob(job, { allowProcess: this.options.allowProcess });
    const run: RunRecord = {
      id: Store.newId(),
      status: 'queued',
      scenario: prepared.scenario.name,
      job,
      createdAt: uniqueTimestamp(this.store.list()),
      startedAt: null,
      finishedAt: null,
      progress: {
        plannedRounds: job.kind === 'compare' ? prepared.scenario.compare.rounds : 1,
        round: 0,
        trialsFinished: 0,
        stage: 'queued',
        requests: 0,
      },
      verdict: null,
      reasons: [],
      error: null,
      reports: [],
    };
    await this.store.put(run);
    this.publish(run.id, { event: 'status', data: run });
    this.pump();
    return run;
  }

  /** Cancels a queued run at once, or stops the running one (its services are removed). */
  async cancel(run: RunRecord): Promise<RunRecord> {
    if (run.status === 'queued') {
      this.finish(run, 'cancelled');
      await this.store.save();
      this.publish(run.id, { event: 'end', data: run });
      return run;
    }
    if (run.status === 'running' && this.active?.id === run.id) {
      this.active.abort.abort(new Error('cancelled through the API'));
      await this.active.done;
      return run;
    }
    throw new PeakgateError('PG_ERR_SERVER_CONFLICT', `run ${run.id} has already ended (${run.status})`);
  }

  /**
   * The run's events after `lastId` (all kept ones when undefined), or undefined when this server
   * keeps none for it (ended before it started, or evicted). Call `subscribe` in the same tick, so
   * nothing falls between the replay and the live events.
   */
  eventsAfter(id: string, lastId: number | undefined): { events: StreamEvent[]; ended: boolean } | undefined {
    const backlog = this.backlogs.get(id)?.events;
    return backlog === undefined ? undefined : { events: backlog.after(lastId), ended: backlog.ended };
  }

  /** Trials the run has finished so far, while this server keeps its events; undefined otherwise. */
  trials(id: string): TrialResult[] | undefined {
    const trials = this.backlogs.get(id)?.trials;
    return trials === undefined ? undefined : [...trials];
  }

  subscribe(id: string, listener: (event: StreamEvent) => void): () => void {
    let set = this.subscribers.get(id);
    if (set === undefined) {
      set = new Set();
      this.subscribers.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.subscribers.delete(id);
    };
  }

  /** Stops accepting, cancels the running run and waits for its cleanup; queued runs stay queued on disk. */
  async close(): Promise<void> {
    this.closing = true;
    const active = this.active;
    if (active !== undefined) {
      active.abort.abort(new Error('the server is shutting down'));
      await active.done;
    }
    await this.store.save();
  }

  private pump(): void {
    if (this.active !== undefined || this.closing) return;
    const next = this.store.list().find((run) => run.status === 'queued');
    if (next === undefined) return;
    const abort = new AbortController();
    const done = this.execute(next, abort.signal).finally(() => {
      this.active = undefined;
      this.pump();
    });
    this.active = { id: next.id, abort, done };
  }

  private async execute(run: RunRecord, signal: AbortSignal): Promise<void> {
    const { metrics } = this.options;
    run.status = 'running';
    run.startedAt = new Date().toISOString();
    run.progress = { ...run.progress, stage: 'starting' };
    await this.store.save().catch(() => undefined);
    this.publish(run.id, { event: 'status', data: run });
    // The executor feeds the registry its progress events and resource readings (metrics.wire);
    // the queue owns the registry's begin, verdict and end, which a scripted executor lacks.
    const onProgress: ProgressListener = (event) => {
      updateProgress(run, event);
      if (event.type === 'trial-finished') {
        this.backlogFor(run.id).trials.push(maskSecretsDeep(trialDetails(event.trial)));
      }
      this.publish(run.id, { event: 'progress', data: event });
    };
    let prepared: PreparedJob | undefined;
    try {
      prepared = prepareJob(run.job, { allowProcess: this.options.allowProcess });
      const runDir = this.store.runDir(run);
      // Never a folder reached through a link (issue 23); its files are written fresh (replaceFile,
      // the service logs' LogSink). No lock: the queue runs one run at a time, each in its own id.
      await assertNoLinkOnPath(runDir, this.store.dataDir);
      await mkdir(runDir, { recursive: true });
      if (signal.aborted) throw new PeakgateError('PG_ERR_INTERRUPTED', 'cancelled before it started');
      metrics.begin(prepared.scenario.name, prepared.scenario.load);
      const outcome = await this.options.executor({ id: run.id, ...prepared, runDir }, signal, onProgress);
      if (signal.aborted) throw new PeakgateError('PG_ERR_INTERRUPTED', 'cancelled before a verdict');
      for (const [name, text] of Object.entries(outcome.files)) await writeAtomically(path.join(runDir, name), text);
      run.reasons = outcome.reasons;
      run.reports = Object.keys(outcome.files).filter((name) => DOWNLOADABLE_FILES.includes(name));
      if (outcome.error !== undefined) {
        this.finish(run, 'error');
        run.error = outcome.error;
        if (run.job.kind === 'compare') metrics.observeVerdict('error');
      } else {
        run.verdict = outcome.verdict;
        this.finish(run, 'finished');
        if (run.job.kind === 'compare' && outcome.verdict !== null) {
          metrics.observeVerdict(outcome.verdict);
        }
      }
    } catch (error) {
      if (signal.aborted) {
        this.finish(run, 'cancelled');
        run.reasons = [String((signal.reason as Error | undefined)?.message ?? 'cancelled')];
      } else {
        const coded = isPeakgateError(error)
          ? error
          : new PeakgateError('PG_ERR_INTERNAL', error instanceof Error ? error.message : String(error));
        this.finish(run, 'error');
        run.error = { code: coded.code, message: coded.message };
        run.reasons = [coded.message, ...coded.details];
        if (run.job.kind === 'compare') metrics.observeVerdict('error');
      }
    } finally {
      if (run.job.kind === 'run' || (run.status as RunRecord['status']) === 'cancelled') metrics.end();
    }
    await this.store.save().catch(() => undefined);
    this.publish(run.id, { event: 'end', data: run });
  }

  private finish(run: RunRecord, status: 'finished' | 'error' | 'cancelled'): void {
    run.status = status;
    run.finishedAt = new Date().toISOString();
    run.progress = { ...run.progress, stage: 'done' };
  }

  /**
   * Numbers the event, keeps it in the run's backlog and hands it to the live subscribers. Data is
   * fixed now (a run record's view as it is at this moment; a progress event's summary), masked
   * for values handed in with `serve --env`.
   */
  private publish(id: string, event: RunEvent): void {
    const data =
      event.event === 'progress' ? summarizeProgress(event.data) : runView(event.data, this.position(event.data));
    const entry = this.backlogFor(id).events.append(event.event, maskSecretsDeep(data));
    if (event.event === 'end') this.evictBacklogs();
    for (const listener of this.subscribers.get(id) ?? []) listener(entry);
  }

  private backlogFor(id: string): { events: EventBacklog; trials: TrialResult[] } {
    let backlog = this.backlogs.get(id);
    if (backlog === undefined) {
      backlog = { events: new EventBacklog(this.options.backlogEvents ?? DEFAULT_BACKLOG_EVENTS), trials: [] };
      this.backlogs.set(id, backlog);
      this.evictBacklogs();
    }
    return backlog;
  }

  /** Past the limit, the backlogs of the oldest ended runs go; queued and running ones always stay. */
  private evictBacklogs(): void {
    const limit = this.options.backlogRuns ?? DEFAULT_BACKLOG_RUNS;
    const ended = [...this.backlogs.entries()].filter(([, backlog]) => backlog.events.ended);
    for (const [id] of ended.slice(0, Math.max(0, ended.length - limit))) this.backlogs.delete(id);
  }
}

/** Files GET /runs/:id/:file serves: the comparison reports, or a one-sided run's result. */
export const DOWNLOADABLE_FILES = ['report.json', 'summary.md', 'junit.xml', 'report.html', 'result.json'];

function updateProgress(run: RunRecord, event: ProgressEvent): void {
  const progress = run.progress;
  switch (event.type) {
    case 'comparison-started':
      progress.plannedRounds = event.plannedRounds;
      break;
    case 'trial-started':
      progress.round = Math.max(progress.round, event.round);
      progress.stage = 'starting';
      break;
    case 'phase':
      progress.stage = event.stage === 'warmup' ? 'warmup' : progress.stage;
      break;
    case 'sample':
      progress.stage = event.sample.phase;
      progress.requests += event.sample.requests;
      break;
    case 'trial-finished':
      progress.trialsFinished += 1;
      break;
    case 'round-finished':
      progress.stage = 'judging';
      break;
    default:
      break;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  // Values handed in with `serve --env NAME` never reach a report file. A fresh temporary renamed
  // into place: never written through a link (issue 23). JSON files were masked field by field
  // where they were made (maskSecretsDeep, which leaves encoded histograms whole); masking their
  // text here could cut into a histogram's base64.
  await replaceFile(file, file.endsWith('.json') ? text : maskSecrets(text));
}

/** Creation times order the queue; two submissions in one millisecond still get distinct, ordered times. */
function uniqueTimestamp(runs: readonly RunRecord[]): string {
  let now = Date.now();
  const last = runs.at(-1)?.createdAt;
  if (last !== undefined && Date.parse(last) >= now) now = Date.parse(last) + 1;
  return new Date(now).toISOString();
}
