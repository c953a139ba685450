/**
 * The report's shape: one JSON document (report.json) from which every other form (summary.md,
 * junit.xml, report.html, the CLI's tables, the server's pages) is rendered. Plain data only;
 * histograms are left out (they are in the trials' LoadResults if a caller keeps them).
 * build-report.ts builds it from trials and a judgement; table-rows.ts turns it into table rows.
 */

import type { ComparisonDriver } from '../driver-name.js';
import type { Finding, OutrightFinding } from '../judge/finding.js';
import type { LookRecord, MetricJudgement, SequentialLook, StopReason } from '../judge/judgement.js';
import type { ErrorCounts, LatencySummaryMs, LoadResult, LoadSharding } from '../load-result.js';
import type { CompareSpec, Role } from '../scenario/model.js';
import type { DependencyFigures, ServiceExit, TrialAbort } from '../trial.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportEnvironment {
  peakgateVersion: string;
  node: string;
  platform: string;
  arch?: string;
  cores: number;
  cpuModel?: string;
  /** The driver that started both builds, or `url` when both were already deployed. */
  driver: ComparisonDriver;
  dockerVersion?: string;
  /** CPU sets the service and the load engine were pinned to, when pinned. */
  cpusets?: { service?: string; load?: string };
  hostname?: string;
  /** Docker: the engine both sides ran on (`unix:///var/run/docker.sock`, DOCKER_HOST). */
  engine?: string;
  /** Docker: the host the load reached the services on (127.0.0.1, or a remote engine's host). */
  serviceHost?: string;
  /** Where each side ran, what load was aimed at and where its CPU figures came from. */
  sides?: Record<Role, ReportSide>;
}

/** Where one side of a comparison ran (report.json `environment.sides.baseline|candidate`). */
export interface ReportSide {
  /** The driver that started it, or `url` for a build already deployed. */
  driver: ComparisonDriver;
  /** What ran it: the Docker engine (socket or DOCKER_HOST), `this machine` (process driver), or the deployed URL. */
  at: string;
  /** The host the load was aimed at. */
  host: string;
  /** Where its CPU figures came from; null: not measured, so CPU was not judged. */
  cpuSource: string | null;
}

export interface ReportMetric extends Omit<MetricJudgement, 'slo'> {
  /** Absolute SLO on the candidate, or null when none is set. */
  slo: number | null;
  /**
   * Notes on how far the row can be trusted, e.g. "p99 rests on 36 candidate samples (fewer than
   * 100): a rough figure" for a latency percentile read from too few requests (sample-size.ts).
   * Absent when there is nothing to say.
   */
  warnings?: string[];
}

/** An outright finding with its text (`describeReason`), as report.json has always carried it. */
export type ReportFinding = OutrightFinding & { message: string };

export interface ReportPhase {
  name: string;
  model: 'open' | 'closed';
  requests: { total: number; ok: number; errors: number };
  rate: { asked: number | null; achieved: number };
  latency: LatencySummaryMs;
  /** Per request name (load.requests[].name), in mix order; absent when the load result has none. */
  byName?: Record<string, { requests: { total: number; ok: number; errors: number }; latency: LatencySummaryMs }>;
  /**
   * Timeline phases only (`load.timeline`): the achieved schedule error, how late each arrival left
   * against its recorded offset ÷ speed (LoadResult's `schedule` without the histogram).
   */
  schedule?: ReportSchedule;
}

/** A timeline phase's schedule error: arrivals scheduled, and their lateness in ms (p50, p99, max, …). */
export interface ReportSchedule {
  arrivals: number;
  lateness: LatencySummaryMs;
}

/** One side's figures for one request name in one phase, over all its trials (histograms merged). */
export interface ReportKindFigures {
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/** One request name in one phase, both sides: the per-name table of every report. */
export interface ReportRequestKind {
  name: string;
  phase: string;
  baseline: ReportKindFigures | null;
  candidate: ReportKindFigures | null;
  /**
   * Notes on how far the row can be trusted: a p50 or p99 read from too few of a side's requests
   * (sample-size.ts), e.g. "p99 rests on 8 candidate samples (fewer than 100): a rough figure".
   * Absent when there is nothing to say.
   */
  warnings?: string[];
}

export interface ReportTrial {
  role: Role;
  round: number;
  order: number;
  ready: boolean;
  requests: { total: number; ok: number; errors: number };
  errors: ErrorCounts | null;
  rate: { asked: number | null; achieved: number } | null;
  latency: LatencySummaryMs | null;
  cpuSeconds: number | null;
  cpuPerRequestMs: number | null;
  memoryPeakBytes: number | null;
  readyMs: number | null;
  exit: ServiceExit;
  interrupted: boolean;
  cpuset?: string;
  loadCpuset?: string;
  /** The round's seed, the same on both sides of the round (common random numbers, docs/load-engine.md). */
  seed?: number;
  /** The round was stopped mid-trial: the cause (on the side that failed) and `afterMs` from the load's start. */
  abort?: TrialAbort;
  /** Dependencies started beside the build, with their CPU over the measured window (not judged). */
  dependencies?: DependencyFigures[];
  /** `--shards N`: the load shards of this trial, each with its node, requests, errors and achieved rate. */
  loadShards?: LoadSharding;
  phases: ReportPhase[];
  /** Per-second figures, without histograms. */
  series: { second: number; phase: string; requests: number; errors: number; p50Ms: number; p99Ms: number }[];
  /** Resource samples with CPU as cores used since the previous sample. */
  resources: { atMs: number; cpuCores: number; memoryBytes: number }[];
}

export interface ReportScenario {
  name: string;
  description?: string;
  sourcePath?: string;
  baseline?: string;
  candidate?: string;
  phases: {
    name: string;
    model: 'open' | 'closed';
    durationMs: number;
    rate?: { from: number; to: number };
    connections?: number;
  }[];
  warmupMs: number | null;
  compare: CompareSpec;
}

/** Percentiles at which the latency curve is read (report.html draws p50..p99.99 on a log scale). */
export const CURVE_PERCENTILES: readonly number[] = [
  50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.99,
];

/** One side's latency percentile curve, read from the histograms of all its trials added together. */
export interface ReportPercentileCurve {
  role: Role;
  /** Requests behind the curve. */
  count: number;
  points: { percentile: number; ms: number }[];
}

/**
 * Why a comparison stopped before its verdict (Ctrl-C, SIGTERM, a cancelled API run), and what of
 * it was measured: the report's trials are the ones that ran, `cut` names those that did not run
 * to their end.
 */
export interface ReportInterruption {
  /** The signal that stopped it, when one did (SIGINT, SIGTERM, SIGHUP). */
  signal?: string;
  /** In words: "received SIGTERM", "cancelled through the API". */
  reason: string;
  /** Rounds whose every trial ran to its end. */
  roundsCompleted: number;
  /**
   * Trials of the round in progress that did not run to their end: `started` is false for a side
   * that never started or never got to its measured phases (no figures), true for one whose load
   * was stopped part-way (its figures in `trials` are partial, marked `interrupted`).
   */
  cut: { role: Role; round: number; started: boolean }[];
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** `aborted` only with `aborted: true`: a partial report, never a verdict on the candidate. */
  verdict: 'pass' | 'fail' | 'aborted';
  /** Why the verdict is fail, as sentences; empty on pass. */
  reasons: string[];
  /** The same reasons as data (kind, metric or side, phase or round, numbers): `reasons[i]` renders `reasonFindings[i]`. */
  reasonFindings: Finding[];
  warnings: string[];
  /** Present when the baseline itself broke: the CLI exits 3, not 1. */
  infrastructureError?: string;
  /**
   * Present (true) when the comparison was stopped before its verdict: `verdict` is `aborted`,
   * nothing was judged (no metrics, reasons or findings), `interruption` says why and what was cut.
   */
  aborted?: true;
  interruption?: ReportInterruption;
  metrics: ReportMetric[];
  findings: ReportFinding[];
  trials: ReportTrial[];
  /** Per request name and phase, each side over all its trials (empty when no result has per-name figures). */
  requestKinds: ReportRequestKind[];
  /**
   * Rounds run, planned (the first look) and at most; `stoppedBy`, `budgetMs` and `looks` (one per
   * judged round: state, undecided metrics, windowed metrics' intervals) when the comparison
   * recorded how its rounds ended (docs/judge.md, sequential decision).
   */
  rounds: {
    completed: number;
    planned: number;
    max: number;
    stoppedBy?: StopReason;
    budgetMs?: number;
    looks?: LookRecord[];
  };
  confidence: number;
  needsMoreRounds: boolean;
  /** The last look's sequential state: its corrected confidence, and what was still undecided. */
  sequential?: SequentialLook;
  scenario: ReportScenario;
  environment: ReportEnvironment;
  /** How latency was measured over all trials (see LoadResult.latencyOrigin). */
  latencyOrigin: LoadResult['latencyOrigin'] | 'none';
  /**
   * Latency percentile curve per side (p50..p99.99), from the merged histograms of the measured
   * phases. Optional: report.json files written before it existed lack it.
   */
  latencyPercentiles?: ReportPercentileCurve[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /**
   * The run's seed: round r's seed (each trial's `seed`) derives from it, and `compare --seed` with
   * it replays the run's requests exactly (docs/load-engine.md, common random numbers).
   */
  seed?: number;
}
