/**
 * What every metric family's judge works from: the usable trials of each side (paired by round
 * when they can be), the compare spec, the options, one seeded random source, and a list that
 * collects warnings. The random source is shared and consumed in a fixed order of metrics, so
 * the same trials always give the same intervals.
 */
import type { CompareSpec, MetricName } from '../scenario/model.js';
import { createSeededRandom, type RandomSource } from '../statistics/seeded-random.js';
import { sequentialConfidence } from '../statistics/sequential-boundary.js';
import type { TrialResult } from '../trial.js';
import { DEFAULT_METRICS } from './metric-defaults.js';

/**
 * The acceptance boundary's error over all looks: the chance that a build whose change sits exactly
 * at a limit is called within it at some look. It is the β of a group-sequential design's
 * acceptance side, at a usual size; the rejection side keeps the stated confidence, so a false fail
 * stays as rare as before. A looser β stops good builds sooner and gives up power on
 * builds just past a limit, which more rounds would have failed.
 */
export const ACCEPTANCE_ERROR = 0.1;

/** The bootstrap's seed when the caller gives none. */
export const DEFAULT_SEED = 0x5eed;

export interface JudgeOptions {
  /** Metrics to judge; default DEFAULT_METRICS plus every metric named in compare.limits or compare.slo. */
  metrics?: readonly MetricName[];
  /** Window length for latency and throughput samples, seconds. Default 2. */
  windowSeconds?: number;
  /** Window length for CPU-per-request samples, seconds (resource samples come about once a second). Default 5. */
  cpuWindowSeconds?: number;
  /** Bootstrap resamples. Default 2000. */
  resamples?: number;
  /** Bootstrap seed. Default 0x5eed. */
  seed?: number;
  /** Override the noise floors of METRIC_DEFAULTS (in each metric's unit). */
  floors?: Partial<Record<MetricName, number>>;
  /** p99.9 is judged only when every trial of both sides has at least this many requests in the phase. Default 10,000. */
  minRequestsForP999?: number;
  /**
   * A metric on one request name (`latency.p99{name=checkout}`) is judged in a phase only when every
   * trial of both sides holds at least this many of its requests there (else a warning). Default 50.
   */
  minRequestsPerName?: number;
  /** Verdict when metrics are still marginal and no rounds remain. Default 'pass' (with warnings). */
  marginalVerdict?: 'pass' | 'fail';
  /**
   * A metric whose interval could not reach the requested confidence (peak memory: what the trial
   * counts allow) may fail only when it reaches this one, or the requested one if that is lower.
   * Default 0.9.
   */
  minTrialConfidence?: number;
  /**
   * Why a resource metric was not measured at all (builds already deployed with no CPU source
   * given): the metric is not judged and its warning gives this reason instead of "no figures".
   */
  unmeasured?: Partial<Record<'cpu.per_request' | 'memory.peak', string>>;
}

export interface JudgeContext {
  spec: CompareSpec;
  /**
   * Confidence of each look's intervals: `spec.confidence` raised so that looking after every
   * round from `rounds` to `maxRounds` keeps the stated error rate (statistics/sequential-boundary.ts).
   */
  confidence: number;
  /**
   * Level at which a paired windowed metric counts as shown within its limit at a look (the
   * acceptance boundary, judge.ts acceptMetrics): never stricter than `confidence`, and looser, so a good
   * build stops once its metrics are shown within their limits at that level, with the chance of
   * accepting a change exactly at a limit held to ACCEPTANCE_ERROR over all looks.
   */
  acceptanceConfidence: number;
  baseline: TrialResult[];
  candidate: TrialResult[];
  random: RandomSource;
  resamples: number;
  floors: Partial<Record<MetricName, number>>;
  /** Metrics to judge. */
  requested: Set<MetricName>;
  /** Metrics the caller or the scenario named: when one cannot be judged, a warning says so. */
  explicit: Set<MetricName>;
  /** baseline[i] and candidate[i] ran in the same round: intervals come from per-round ratios. */
  paired: boolean;
  /**
   * Judge every named request kind the scenario does not select itself on its median and a tail
   * (judge-request-kinds.ts): whenever latency.p50 is judged (a `metrics` list without it turns it off).
   */
  judgeRequestKinds: boolean;
  warnings: string[];
  options: {
    windowSeconds: number;
    cpuWindowSeconds: number;
    minRequestsForP999: number;
    minRequestsPerName: number;
    minTrialConfidence: number;
  };
  unmeasured: Partial<Record<'cpu.per_request' | 'memory.peak', string>>;
}

function usable(trials: readonly TrialResult[]): TrialResult[] {
  return trials.filter((trial) => trial.load !== null && trial.load.requests.total > 0);
}

/**
 * Baseline and candidate trials aligned by round, when every usable trial has its partner from
 * the same round and there are at least two rounds; otherwise undefined (unpaired analysis).
 */
function roundPairs(
  baseline: readonly TrialResult[],
  candidate: readonly TrialResult[],
): { baseline: TrialResult[]; candidate: TrialResult[] } | undefined {
  if (baseline.length < 2 || baseline.length !== candidate.length) return undefined;
  const byRound = new Map(candidate.map((trial) => [trial.round, trial]));
  if (byRound.size !== candidate.length) return undefined;
  const sorted = [...baseline].sort((a, b) => a.round - b.round);
  const partners = sorted.map((trial) => byRound.get(trial.round));
  if (partners.some((trial) => trial === undefined)) return undefined;
  return { baseline: sorted, candidate: partners as TrialResult[] };
}

/** The context for judging these trials: usable trials of each side, paired by round when they can be. */
export function createJudgeContext(
  trials: readonly TrialResult[],
  spec: CompareSpec,
  options: JudgeOptions,
): JudgeContext {
  const explicit = new Set<MetricName>([
    ...(options.metrics ?? []),
    ...(Object.keys(spec.limits) as MetricName[]),
    ...(Object.keys(spec.slo) as MetricName[]),
  ]);
  const requested = new Set<MetricName>(options.metrics ?? [...DEFAULT_METRICS, ...explicit]);
  const baselineAll = trials.filter((t) => t.role === 'baseline');
  const candidateAll = trials.filter((t) => t.role === 'candidate');
  const pairs = roundPairs(usable(baselineAll), usable(candidateAll));
  return {
    spec,
    confidence: sequentialConfidence(spec.confidence, spec.rounds, spec.maxRounds),
    acceptanceConfidence: Math.min(
      sequentialConfidence(spec.confidence, spec.rounds, spec.maxRounds),
      sequentialConfidence(1 - 2 * ACCEPTANCE_ERROR, spec.rounds, spec.maxRounds),
    ),
    baseline: pairs?.baseline ?? usable(baselineAll),
    candidate: pairs?.candidate ?? usable(candidateAll),
    paired: pairs !== undefined,
    judgeRequestKinds: requested.has('latency.p50'),
    random: createSeededRandom(options.seed ?? DEFAULT_SEED),
    resamples: options.resamples ?? 2000,
    floors: options.floors ?? {},
    requested,
    explicit,
    warnings: [],
    options: {
      windowSeconds: options.windowSeconds ?? 2,
      cpuWindowSeconds: options.cpuWindowSeconds ?? 5,
      minRequestsForP999: options.minRequestsForP999 ?? 10_000,
      minRequestsPerName: options.minRequestsPerName ?? 50,
      minTrialConfidence: options.minTrialConfidence ?? 0.9,
    },
    unmeasured: options.unmeasured ?? {},
  };
}

/** Phases (of one load model, or any) that both sides ran, in the baseline's order. */
export function phasesInBoth(context: JudgeContext, model?: 'open' | 'closed'): string[] {
  const names = (trials: readonly TrialResult[]): Set<string> =>
    new Set(
      trials.flatMap((trial) =>
        (trial.load?.phases ?? []).filter((p) => model === undefined || p.model === model).map((p) => p.name),
      ),
    );
  const candidate = names(context.candidate);
  const ordered: string[] = [];
  for (const trial of context.baseline) {
    for (const phase of trial.load?.phases ?? []) {
      if (
        (model === undefined || phase.model === model) &&
        candidate.has(phase.name) &&
        !ordered.includes(phase.name)
      ) {
        ordered.push(phase.name);
      }
    }
  }
  return ordered;
}
