/**
 * The report: one JSON document (report.json) from which every other form (summary.md,
 * junit.xml, report.html, the CLI's tables, the server's pages) is rendered. Plain data only;
 * histograms are left out (they are in the trials' LoadResults if a caller keeps them).
 */

import type { ComparisonDriver } from '../driver-name.js';
import { mergeEncodedHistograms } from '../histograms.js';
import type { Finding, OutrightFinding } from '../judge/finding.js';
import type {
  ComparisonStop,
  Judgement,
  LookRecord,
  MetricJudgement,
  SequentialLook,
  StopReason,
} from '../judge/judgement.js';
import type { ErrorCounts, LatencySummaryMs, LoadResult, LoadSharding } from '../load-result.js';
import { fewSamplesNote, percentileOfMetric } from '../sample-size.js';
import { buildReference } from '../scenario/build-spec-text.js';
import type { BuildSpec, CompareSpec, Role, Scenario } from '../scenario/model.js';
import type { DependencyFigures, ServiceExit, TrialAbort, TrialResult } from '../trial.js';
import { describeReason } from './describe-reason.js';
import { formatValue } from './format.js';
import { roundsText } from './verdict-wording.js';

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
}

export interface BuildReportInput {
  scenario: Scenario;
  trials: readonly TrialResult[];
  judgement: Judgement;
  environment: ReportEnvironment;
  startedAt: Date | string;
  finishedAt: Date | string;
  /** How the rounds ended (comparisons record it; a report re-derived from saved trials has none). */
  stop?: ComparisonStop;
}

function describeBuild(build: BuildSpec | undefined): string | undefined {
  return build === undefined ? undefined : buildReference(build);
}

function trialReport(trial: TrialResult): ReportTrial {
  const load = trial.load;
  const service = trial.service;
  const samples = [...(service?.samples ?? [])].sort((a, b) => a.atMs - b.atMs);
  const resources = samples.slice(1).map((sample, index) => {
    const previous = samples[index] as (typeof samples)[number];
    const elapsedMs = sample.atMs - previous.atMs;
    const cpuCores = elapsedMs > 0 ? (sample.cpuNanos - previous.cpuNanos) / 1e6 / elapsedMs : 0;
    return { atMs: sample.atMs, cpuCores, memoryBytes: sample.memoryBytes };
  });
  const report: ReportTrial = {
    role: trial.role,
    round: trial.round,
    order: trial.order,
    ready: trial.exit.ready,
    requests: load ? { ...load.requests } : { total: 0, ok: 0, errors: 0 },
    errors: load ? { ...load.errors } : null,
    rate: load ? { ...load.rate } : null,
    latency: load ? { ...load.latency } : null,
    cpuSeconds: service?.cpuSeconds ?? null,
    cpuPerRequestMs: service?.cpuPerRequestMs ?? null,
    memoryPeakBytes: service?.memoryPeakBytes ?? null,
    readyMs: service?.readyMs ?? null,
    exit: { ...trial.exit, logTail: trial.exit.logTail.slice(-20) },
    interrupted: load?.interrupted ?? false,
    phases: (load?.phases ?? []).map((phase) => ({
      name: phase.name,
      model: phase.model,
      requests: { ...phase.requests },
      rate: { ...phase.rate },
      latency: { ...phase.latency },
      ...(phase.byName === undefined
        ? {}
        : {
            byName: Object.fromEntries(
              Object.entries(phase.byName).map(([name, kind]) => [
                name,
                { requests: { ...kind.requests }, latency: { ...kind.latency } },
              ]),
            ),
          }),
      ...(phase.schedule === undefined
        ? {}
        : { schedule: { arrivals: phase.schedule.arrivals, lateness: { ...phase.schedule.lateness } } }),
    })),
    series: (load?.series ?? []).map(({ second, phase, requests, errors, p50Ms, p99Ms }) => ({
      second,
      phase,
      requests,
      errors,
      p50Ms,
      p99Ms,
    })),
    resources,
  };
  if (service?.cpuset !== undefined) report.cpuset = service.cpuset;
  if (trial.loadCpuset !== undefined) report.loadCpuset = trial.loadCpuset;
  if (trial.abort !== undefined) report.abort = { ...trial.abort };
  if (trial.dependencies !== undefined) report.dependencies = trial.dependencies.map((d) => ({ ...d }));
  if (load?.sharding !== undefined)
    report.loadShards = {
      workersPerShard: load.sharding.workersPerShard,
      startSkewMs: load.sharding.startSkewMs,
      shards: load.sharding.shards.map((shard) => ({ ...shard })),
    };
  return report;
}

/** Per request name and phase: each side's trials merged (counts summed, histograms added). */
function requestKinds(trials: readonly TrialResult[]): ReportRequestKind[] {
  const keys: Array<{ name: string; phase: string }> = [];
  const seen = new Set<string>();
  for (const trial of trials) {
    for (const phase of trial.load?.phases ?? []) {
      for (const name of Object.keys(phase.byName ?? {})) {
        const key = JSON.stringify([phase.name, name]);
        if (seen.has(key)) continue;
        seen.add(key);
        keys.push({ name, phase: phase.name });
      }
    }
  }
  const side = (role: Role, name: string, phase: string): ReportKindFigures | null => {
    const parts = trials.flatMap((trial) => {
      if (trial.role !== role) return [];
      const kind = trial.load?.phases.find((p) => p.name === phase)?.byName?.[name];
      return kind ? [kind] : [];
    });
    if (parts.length === 0) return null;
    const merged = mergeEncodedHistograms(parts.map((part) => part.histogram));
    const figures: ReportKindFigures = {
      requests: parts.reduce((sum, part) => sum + part.requests.total, 0),
      errors: parts.reduce((sum, part) => sum + part.requests.errors, 0),
      p50Ms: merged.totalCount > 0 ? merged.getValueAtPercentile(50) / 1000 : 0,
      p99Ms: merged.totalCount > 0 ? merged.getValueAtPercentile(99) / 1000 : 0,
    };
    merged.destroy();
    return figures;
  };
  return keys.map(({ name, phase }) => {
    const kind: ReportRequestKind = {
      name,
      phase,
      baseline: side('baseline', name, phase),
      candidate: side('candidate', name, phase),
    };
    const warnings = kindWarnings(kind);
    if (warnings.length > 0) kind.warnings = warnings;
    return kind;
  });
}

/**
 * The per-name table shows p50 and p99 of each side: a note for each side whose p99 rests on too few
 * requests (a p50 too thin to show implies its p99 is too, so one note says it).
 */
function kindWarnings(kind: ReportRequestKind): string[] {
  const notes: string[] = [];
  for (const role of ['baseline', 'candidate'] as const) {
    const figures = kind[role];
    if (figures === null || figures.requests === 0) continue;
    const note = fewSamplesNote(99, figures.requests, role);
    if (note !== undefined) notes.push(note);
  }
  return notes;
}

/**
 * A judged latency percentile reads the merged histograms of a side's trials: the requests of its
 * phase (and request name) over all trials are its samples. A note per side with too few.
 */
function metricWarnings(metric: MetricJudgement, trials: readonly TrialResult[]): string[] {
  const percentile = percentileOfMetric(metric.name);
  if (percentile === undefined) return [];
  const notes: string[] = [];
  for (const role of ['baseline', 'candidate'] as const) {
    let samples = 0;
    for (const trial of trials) {
      if (trial.role !== role || trial.load === null) continue;
      const phases =
        metric.phase === undefined ? trial.load.phases : trial.load.phases.filter((p) => p.name === metric.phase);
      for (const phase of phases)
        samples +=
          metric.request === undefined ? phase.requests.total : (phase.byName?.[metric.request]?.requests.total ?? 0);
    }
    if (samples === 0) continue;
    const note = fewSamplesNote(percentile, samples, role);
    if (note !== undefined) notes.push(note);
  }
  return notes;
}

function reportMetric(metric: MetricJudgement, trials: readonly TrialResult[]): ReportMetric {
  const row: ReportMetric = { ...metric, slo: metric.slo ?? null };
  const warnings = metricWarnings(metric, trials);
  if (warnings.length > 0) row.warnings = warnings;
  return row;
}

function latencyOrigin(trials: readonly TrialResult[]): Report['latencyOrigin'] {
  const origins = new Set(trials.flatMap((trial) => (trial.load ? [trial.load.latencyOrigin] : [])));
  if (origins.size === 0) return 'none';
  if (origins.size > 1) return 'mixed';
  return [...origins][0] as LoadResult['latencyOrigin'];
}

function scenarioReport(scenario: Scenario): ReportScenario {
  const report: ReportScenario = {
    name: scenario.name,
    phases: scenario.load.phases.map((phase) =>
      phase.load.model === 'open'
        ? { name: phase.name, model: 'open', durationMs: phase.durationMs, rate: { ...phase.load.rate } }
        : { name: phase.name, model: 'closed', durationMs: phase.durationMs, connections: phase.load.connections },
    ),
    warmupMs: scenario.load.warmup?.durationMs ?? null,
    compare: scenario.compare,
  };
  if (scenario.description !== undefined) report.description = scenario.description;
  if (scenario.sourcePath !== undefined) report.sourcePath = scenario.sourcePath;
  const baseline = describeBuild(scenario.baseline);
  const candidate = describeBuild(scenario.candidate);
  if (baseline !== undefined) report.baseline = baseline;
  if (candidate !== undefined) report.candidate = candidate;
  return report;
}

function percentileCurves(trials: readonly TrialResult[]): ReportPercentileCurve[] {
  const roles: Role[] = ['baseline', 'candidate'];
  return roles.map((role) => {
    const encoded = trials.flatMap((trial) => (trial.role === role && trial.load ? [trial.load.histogram] : []));
    const merged = mergeEncodedHistograms(encoded);
    try {
      const count = merged.totalCount;
      const points =
        count === 0
          ? []
          : CURVE_PERCENTILES.map((percentile) => ({
              percentile,
              ms: Math.round(merged.getValueAtPercentile(percentile)) / 1000,
            }));
      return { role, count, points };
    } finally {
      merged.destroy();
    }
  });
}

const iso = (value: Date | string): string => (typeof value === 'string' ? value : value.toISOString());

export function buildReport(input: BuildReportInput): Report {
  return assembleReport({ ...input, scenario: scenarioReport(input.scenario) });
}

/** What an interrupted comparison measured: the trials that ran, no judgement. */
export interface BuildAbortedReportInput extends Omit<BuildReportInput, 'judgement'> {
  interruption: ReportInterruption;
}

/**
 * The report of a comparison stopped before its verdict: the trials measured so far (a cut trial
 * keeps its partial figures, marked `interrupted`), `verdict: 'aborted'` and `aborted: true`, and
 * nothing judged: partial figures must never read as a pass or a fail.
 */
export function buildAbortedReport(input: BuildAbortedReportInput): Report {
  const { interruption, ...rest } = input;
  const scenario = scenarioReport(input.scenario);
  const judgement: Judgement = {
    verdict: 'fail', // never shown: the judge was not asked, the report's verdict is 'aborted'
    reasons: [],
    reasonFindings: [],
    warnings: [],
    metrics: [],
    findings: [],
    needsMoreRounds: false,
    // Never shown either: no look was judged, so the aborted report carries no `sequential`.
    sequential: { lookConfidence: scenario.compare.confidence, state: 'undecided', undecided: [] },
    rounds: interruption.roundsCompleted,
    confidence: scenario.compare.confidence,
  };
  const { sequential: _notJudged, ...report } = assembleReport({ ...rest, scenario, judgement });
  const cut = interruption.cut.map(({ role, round }) => `${role} of round ${round}`);
  return {
    ...report,
    verdict: 'aborted',
    warnings: [
      `aborted (${interruption.reason}) after ${interruption.roundsCompleted} complete of ${roundsText(scenario.compare.rounds)}: partial figures, no verdict${cut.length > 0 ? `; cut: ${cut.join(', ')}` : ''}`,
    ],
    aborted: true,
    interruption: { ...interruption, cut: interruption.cut.map((trial) => ({ ...trial })) },
  };
}

/**
 * What `peakgate report` needs: a report from saved trials, the scenario as an earlier report.json
 * recorded it (the scenario file itself may be gone or changed), and a judgement made now.
 */
export interface RebuildReportInput extends Omit<BuildReportInput, 'scenario'> {
  scenario: ReportScenario;
}

export function rebuildReport(input: RebuildReportInput): Report {
  return assembleReport(input);
}

function assembleReport(input: RebuildReportInput): Report {
  const { judgement, scenario } = input;
  const startedAt = iso(input.startedAt);
  const finishedAt = iso(input.finishedAt);
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    verdict: judgement.verdict,
    reasons: [...judgement.reasons],
    reasonFindings: [...judgement.reasonFindings],
    warnings: [...judgement.warnings],
    metrics: judgement.metrics.map((metric) => reportMetric(metric, input.trials)),
    findings: judgement.findings.map((finding) => ({ ...finding, message: describeReason(finding) })),
    trials: [...input.trials].sort((a, b) => a.order - b.order).map(trialReport),
    requestKinds: requestKinds(input.trials),
    rounds: {
      completed: judgement.rounds,
      planned: scenario.compare.rounds,
      max: scenario.compare.maxRounds,
      ...(input.stop === undefined
        ? {}
        : {
            stoppedBy: input.stop.reason,
            ...(input.stop.budgetMs === undefined ? {} : { budgetMs: input.stop.budgetMs }),
            looks: input.stop.looks,
          }),
    },
    confidence: judgement.confidence,
    needsMoreRounds: judgement.needsMoreRounds,
    sequential: judgement.sequential,
    scenario,
    environment: input.environment,
    latencyOrigin: latencyOrigin(input.trials),
    latencyPercentiles: percentileCurves(input.trials),
    startedAt,
    finishedAt,
    durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)),
  };
  if (judgement.infrastructureError !== undefined) report.infrastructureError = judgement.infrastructureError;
  return report;
}

/** Display name of a metric row: "p99 latency (peak)", or "p99 latency of checkout (peak)" for one request name. */
/** Where one side ran, in words: `docker on tcp://…, load to 10.0.0.5, CPU from the engine's stats API`. */
export function describeSide(side: ReportSide): string {
  const where = side.driver === 'url' ? `deployed at ${side.at}` : `${side.driver} on ${side.at}, load to ${side.host}`;
  return `${where}, ${side.cpuSource === null ? 'CPU not measured (not judged)' : `CPU from ${side.cpuSource}`}`;
}

export function metricDisplayName(metric: Pick<ReportMetric, 'label' | 'phase' | 'request'>): string {
  const label = metric.request === undefined ? metric.label : `${metric.label} of ${metric.request}`;
  return metric.phase === undefined ? label : `${label} (${metric.phase})`;
}

/**
 * The per-name table's rows, as text (name, phase, then requests, errors, p50 and p99 of each side),
 * shared by summary.md, report.html and junit.xml. Empty for a one-name mix: its row is the mix's.
 */
export function requestKindRows(report: Pick<Report, 'requestKinds'>): string[][] {
  if (new Set(report.requestKinds.map((kind) => kind.name)).size < 2) return [];
  const side = (figures: ReportKindFigures | null): string[] =>
    figures === null
      ? ['-', '-', '-', '-']
      : [
          figures.requests.toLocaleString('en-US'),
          figures.errors.toLocaleString('en-US'),
          formatValue(figures.p50Ms, 'ms'),
          formatValue(figures.p99Ms, 'ms'),
        ];
  return report.requestKinds.map((kind) => [kind.name, kind.phase, ...side(kind.baseline), ...side(kind.candidate)]);
}

/** One row per trial and timeline phase: the schedule error table of summary.md and report.html (none without a timeline). */
export function scheduleRows(report: Pick<Report, 'trials'>): string[][] {
  return report.trials.flatMap((trial) =>
    trial.phases.flatMap((phase) =>
      phase.schedule === undefined
        ? []
        : [
            [
              String(trial.order),
              trial.role,
              String(trial.round),
              phase.name,
              phase.schedule.arrivals.toLocaleString('en-US'),
              formatValue(phase.schedule.lateness.p50, 'ms'),
              formatValue(phase.schedule.lateness.p99, 'ms'),
              formatValue(phase.schedule.lateness.max, 'ms'),
            ],
          ],
    ),
  );
}

/** One row per trial and load shard (`--shards`): none for a single-host load. */
export function loadShardRows(report: Pick<Report, 'trials'>): string[][] {
  return report.trials.flatMap((trial) =>
    (trial.loadShards?.shards ?? []).map((shard) => [
      `${trial.role} ${trial.round}`,
      String(shard.index),
      shard.node,
      shard.requests.toLocaleString('en-US'),
      shard.errors.toLocaleString('en-US'),
      shard.achievedRate.toLocaleString('en-US'),
      formatValue(shard.startLagMs, 'ms'),
      formatValue(trial.loadShards?.startSkewMs ?? 0, 'ms'),
    ]),
  );
}

export const LOAD_SHARD_HEADER = [
  'Trial',
  'Shard',
  'Node',
  'Requests',
  'Errors',
  'Achieved req/s',
  'Start lag',
  'Start skew',
] as const;

export const SCHEDULE_HEADER = ['Order', 'Role', 'Round', 'Phase', 'Arrivals', 'Lateness p50', 'p99', 'max'] as const;

export const REQUEST_KIND_HEADER = [
  'Request',
  'Phase',
  'Baseline requests',
  'errors',
  'p50',
  'p99',
  'Candidate requests',
  'errors',
  'p50',
  'p99',
] as const;
