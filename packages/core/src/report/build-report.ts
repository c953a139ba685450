/**
 * Builds the report document (report-types.ts) from a comparison's trials and its judgement: each
 * trial's figures without histograms, the per-name table, sample-size warnings, the latency curve.
 * `buildReport` for a run made now, `rebuildReport` for saved trials re-judged (`peakgate report`),
 * `buildAbortedReport` for a run stopped before its verdict.
 */

import { mergeEncodedHistograms } from '../histograms.js';
import type { ComparisonStop, Judgement, MetricJudgement } from '../judge/judgement.js';
import type { LoadResult } from '../load-result.js';
import { fewSamplesNote, percentileOfMetric } from '../sample-size.js';
import { buildReference } from '../scenario/build-spec-text.js';
import type { BuildSpec, Role, Scenario } from '../scenario/model.js';
import type { TrialResult } from '../trial.js';
import { describeReason } from '../wording/describe-reason.js';
import { roundsText } from '../wording/verdict-wording.js';
import {
  CURVE_PERCENTILES,
  REPORT_SCHEMA_VERSION,
  type Report,
  type ReportEnvironment,
  type ReportInterruption,
  type ReportKindFigures,
  type ReportMetric,
  type ReportPercentileCurve,
  type ReportRequestKind,
  type ReportScenario,
  type ReportTrial,
} from './report-types.js';

export interface BuildReportInput {
  scenario: Scenario;
  trials: readonly TrialResult[];
  judgement: Judgement;
  environment: ReportEnvironment;
  startedAt: Date | string;
  finishedAt: Date | string;
  /** How the rounds ended (comparisons record it; a report re-derived from saved trials has none). */
  stop?: ComparisonStop;
  /** The run's seed (common random numbers; `compare --seed` replays the run); absent when not recorded. */
  seed?: number;
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
  if (trial.seed !== undefined) report.seed = trial.seed;
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

/** The scenario as report.json records it: phases, warm-up, the builds compared and `compare`. */
export function reportScenario(scenario: Scenario): ReportScenario {
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
  return assembleReport({ ...input, scenario: reportScenario(input.scenario) });
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
  const scenario = reportScenario(input.scenario);
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
  if (input.seed !== undefined) report.seed = input.seed;
  return report;
}
