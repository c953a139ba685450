/**
 * The judge: baseline and candidate trials in, a verdict with reasons out. Pure and
 * deterministic (seeded bootstrap), so the same trials always give the same report.
 * How it decides is documented in docs/judge.md.
 */
import { PeakgateError } from '../errors.js';
import { mergeEncodedHistograms } from '../histograms.js';
import { formatChange, formatInterval, formatLimit, formatValue } from '../report/format.js';
import type { CompareSpec, MetricName } from '../scenario-model.js';
import { bootstrapRatioIntervals, type Clustered, type RatioInterval } from '../statistics/bootstrap.js';
import { hodgesLehmann } from '../statistics/hodges-lehmann.js';
import { LATENCY_BIN_COUNT, type LatencyBins, percentilesOfBins } from '../statistics/latency-bins.js';
import { proportionDifferenceInterval, rateRatioInterval } from '../statistics/proportions.js';
import { createSeededRandom, type RandomSource } from '../statistics/seeded-random.js';
import { pairedInterval, type WelchInterval, welchInterval } from '../statistics/welch.js';
import type { TrialResult } from '../trial.js';
import type { Judgement, MetricJudgement, MetricStatus, OutrightFinding } from './judgement.js';
import { DEFAULT_METRICS, LATENCY_LEVELS, METRIC_DEFAULTS } from './metric-defaults.js';
import { metricStatus, thresholdRatio } from './metric-status.js';
import { DEFAULT_OUTRIGHT_OPTIONS, outrightFindings } from './outright-checks.js';
import { type CpuUnit, cpuWindows, latencyWindows, type ThroughputUnit, throughputWindows } from './trial-windows.js';

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
  /** p99.9 is judged only when each side has at least this many requests in the phase. Default 10,000. */
  minRequestsForP999?: number;
  /** Verdict when metrics are still marginal and no rounds remain. Default 'pass' (with warnings). */
  marginalVerdict?: 'pass' | 'fail';
  /** Memory (judged per trial) may fail only when its interval reaches this confidence. Default 0.9. */
  minTrialConfidence?: number;
}

interface Context {
  spec: CompareSpec;
  baseline: TrialResult[];
  candidate: TrialResult[];
  random: RandomSource;
  resamples: number;
  floors: Partial<Record<MetricName, number>>;
  requested: Set<MetricName>;
  explicit: Set<MetricName>;
  /** baseline[i] and candidate[i] ran in the same round: intervals come from per-round ratios. */
  paired: boolean;
  warnings: string[];
  options: Required<
    Pick<JudgeOptions, 'windowSeconds' | 'cpuWindowSeconds' | 'minRequestsForP999' | 'minTrialConfidence'>
  >;
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

function completeRounds(trials: readonly TrialResult[]): number {
  const baseline = new Set(trials.filter((t) => t.role === 'baseline').map((t) => t.round));
  return new Set(trials.filter((t) => t.role === 'candidate' && baseline.has(t.round)).map((t) => t.round)).size;
}

/**
 * Widens bootstrap intervals by the trial-level interval (Welch on log per-trial values): the
 * bootstrap sees within-trial noise well but, with two or three trials a side, cannot see how
 * much whole trials differ. The wider of the two is used, so between-trial noise makes a metric
 * marginal (and earns rounds) instead of failing it.
 */
function widenByTrials<Unit>(
  intervals: readonly RatioInterval[],
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => readonly number[],
  confidence: number,
  paired: boolean,
): RatioInterval[] {
  const trialInterval = paired
    ? roundLogIntervals(baseline, candidate, statistic, confidence)
    : trialLogIntervals(baseline, candidate, statistic, confidence);
  return intervals.map((interval, k) => {
    const log = trialInterval(k);
    if (!log) return interval;
    return {
      ...interval,
      lower: Math.min(interval.lower, Math.exp(log.lower)),
      upper: Math.max(interval.upper, Math.exp(log.upper)),
    };
  });
}

/** Welch's interval of log(candidate) − log(baseline) over each side's trials, per component k. */
function trialLogIntervals<Unit>(
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => readonly number[],
  confidence: number,
): (k: number) => WelchInterval | undefined {
  const perTrial = (side: Clustered<Unit>): number[][] =>
    side.filter((units) => units.length > 0).map((units) => [...statistic(units)]);
  const base = perTrial(baseline);
  const cand = perTrial(candidate);
  const logs = (rows: number[][], k: number): number[] =>
    rows
      .map((row) => row[k] as number)
      .filter((v) => v > 0)
      .map(Math.log);
  return (k) => welchInterval(logs(cand, k), logs(base, k), confidence);
}

/**
 * The paired counterpart: a t interval of the per-round log ratios (candidate ÷ baseline of the
 * same round). Noise that a round's two trials share (a duet round runs them at the same moment
 * on the same cores) cancels in each ratio instead of counting as spread, which is what lets a
 * few short rounds separate a 20% CPU regression from noise.
 */
function roundLogIntervals<Unit>(
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => readonly number[],
  confidence: number,
): (k: number) => WelchInterval | undefined {
  const rows: Array<{ base: readonly number[]; cand: readonly number[] }> = [];
  baseline.forEach((units, i) => {
    const other = candidate[i] ?? [];
    if (units.length > 0 && other.length > 0) rows.push({ base: statistic(units), cand: statistic(other) });
  });
  return (k) => {
    const pairs = rows.filter((row) => (row.base[k] as number) > 0 && (row.cand[k] as number) > 0);
    return pairedInterval(
      pairs.map((row) => Math.log(row.cand[k] as number)),
      pairs.map((row) => Math.log(row.base[k] as number)),
      confidence,
    );
  };
}

/** Bootstrap ratio interval of a scalar statistic, widened by the trial-level interval. */
function ratioInterval<Unit>(
  context: Context,
  baseline: Clustered<Unit>,
  candidate: Clustered<Unit>,
  statistic: (units: readonly Unit[]) => number,
): RatioInterval {
  const vector = (units: readonly Unit[]): number[] => [statistic(units)];
  const intervals = bootstrapRatioIntervals(baseline, candidate, vector, {
    confidence: context.spec.confidence,
    resamples: context.resamples,
    random: context.random,
    paired: context.paired,
  });
  return widenByTrials(
    intervals,
    baseline,
    candidate,
    vector,
    context.spec.confidence,
    context.paired,
  )[0] as RatioInterval;
}

function makeMetric(
  context: Context,
  name: MetricName,
  values: { baseline: number; candidate: number; change: number; interval: [number, number]; confidence: number },
  extra: Pick<MetricJudgement, 'method' | 'samples'> & Partial<Pick<MetricJudgement, 'phase' | 'difference'>>,
): MetricJudgement {
  const defaults = METRIC_DEFAULTS[name];
  const limit = context.spec.limits[name] ?? defaults.limit;
  const floor = context.floors[name] ?? defaults.floor;
  const slo = context.spec.slo[name];
  const metric: MetricJudgement = {
    name,
    ...(extra.phase === undefined ? {} : { phase: extra.phase }),
    label: defaults.label,
    unit: defaults.unit,
    direction: defaults.direction,
    ...values,
    limit,
    floor,
    ...(slo === undefined ? {} : { slo }),
    status: 'pass',
    method: extra.method,
    samples: extra.samples,
    ...(extra.difference ? { difference: extra.difference } : {}),
  };
  return metric;
}

/** Sets status and reason from the interval rule, the floor and the SLO. */
function decide(metric: MetricJudgement, context: Context, statusOverride?: MetricStatus): MetricJudgement {
  let status =
    statusOverride ??
    metricStatus({
      direction: metric.direction,
      baseline: metric.baseline,
      change: metric.change,
      interval: metric.interval,
      limit: metric.limit,
      floor: metric.floor,
    });
  if (status === 'fail' && metric.confidence < context.options.minTrialConfidence) status = 'marginal';
  const where = metric.phase === undefined ? '' : ` in phase ${metric.phase}`;
  const reasons: string[] = [];
  if (status !== 'pass') {
    const threshold = thresholdRatio(metric.direction, metric.baseline, metric.limit, metric.floor);
    const relativeBound = metric.direction === 'lower-is-better' ? 1 + metric.limit : 1 - metric.limit;
    const floorNote = threshold !== relativeBound ? `, floor ${formatValue(metric.floor, metric.unit)}` : '';
    const confidence = `${Math.round(metric.confidence * 100)}%`;
    const head = `${metric.label} ${formatChange(metric.change)} (CI ${formatInterval(metric.interval)} at ${confidence}, limit ${formatLimit(metric.limit, metric.direction)}${floorNote})${where}`;
    const values = `${formatValue(metric.baseline, metric.unit)} → ${formatValue(metric.candidate, metric.unit)}`;
    reasons.push(
      status === 'fail'
        ? `${head}: ${values}`
        : `${head}: ${values}; past the limit but not with ${confidence} confidence`,
    );
  }
  if (metric.slo !== undefined) {
    const breached =
      metric.direction === 'lower-is-better' ? metric.candidate > metric.slo : metric.candidate < metric.slo;
    if (breached) {
      status = 'fail';
      const also = (
        metric.direction === 'lower-is-better'
          ? metric.baseline > metric.slo
          : metric.baseline < metric.slo
      )
        ? ` (the baseline misses it too: ${formatValue(metric.baseline, metric.unit)})`
        : '';
      const side = metric.direction === 'lower-is-better' ? 'above' : 'below';
      reasons.push(
        `${metric.label} ${formatValue(metric.candidate, metric.unit)}${where} is ${side} the SLO ${formatValue(metric.slo, metric.unit)}${also}`,
      );
    }
  }
  const decided: MetricJudgement = { ...metric, status };
  if (reasons.length > 0) decided.reason = reasons.join('; ');
  return decided;
}

function phasesInBoth(context: Context, model?: 'open' | 'closed'): string[] {
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

function phaseRequests(trials: readonly TrialResult[], phase: string): number {
  let total = 0;
  for (const trial of trials) total += trial.load?.phases.find((p) => p.name === phase)?.requests.total ?? 0;
  return total;
}

function judgeLatency(context: Context): MetricJudgement[] {
  const names = (['latency.p50', 'latency.p90', 'latency.p99', 'latency.p999'] as const).filter((name) =>
    context.requested.has(name),
  );
  if (names.length === 0) return [];
  const metrics: MetricJudgement[] = [];
  const scratch = new Float64Array(LATENCY_BIN_COUNT);
  for (const phase of phasesInBoth(context)) {
    const baseRequests = phaseRequests(context.baseline, phase);
    const candRequests = phaseRequests(context.candidate, phase);
    if (baseRequests === 0 || candRequests === 0) continue;
    const judged = names.filter((name) => {
      if (name !== 'latency.p999') return true;
      const enough = Math.min(baseRequests, candRequests) >= context.options.minRequestsForP999;
      if (!enough && context.explicit.has(name)) {
        context.warnings.push(
          `p99.9 latency not judged in phase ${phase}: fewer than ${context.options.minRequestsForP999.toLocaleString('en-US')} requests per side (baseline ${baseRequests.toLocaleString('en-US')}, candidate ${candRequests.toLocaleString('en-US')})`,
        );
      }
      return enough;
    });
    const levels = judged.map((name) => LATENCY_LEVELS[name] as number);
    const window = context.options.windowSeconds;
    const baseUnits: Clustered<LatencyBins> = context.baseline.map((trial) => latencyWindows(trial, phase, window));
    const candUnits: Clustered<LatencyBins> = context.candidate.map((trial) => latencyWindows(trial, phase, window));
    const statistic = (units: readonly LatencyBins[]): number[] => percentilesOfBins(units, levels, scratch);
    const intervals = widenByTrials(
      bootstrapRatioIntervals(baseUnits, candUnits, statistic, {
        confidence: context.spec.confidence,
        resamples: context.resamples,
        random: context.random,
        paired: context.paired,
      }),
      baseUnits,
      candUnits,
      statistic,
      context.spec.confidence,
      context.paired,
    );
    // Point estimates from the exact merged HDR histograms; intervals from the binned resamples.
    const exact = (trials: readonly TrialResult[]): number[] => {
      const merged = mergeEncodedHistograms(
        trials.flatMap((trial) => trial.load?.phases.filter((p) => p.name === phase).map((p) => p.histogram) ?? []),
      );
      const values = levels.map((level) => merged.getValueAtPercentile(level) / 1000);
      merged.destroy();
      return values;
    };
    const baseExact = exact(context.baseline);
    const candExact = exact(context.candidate);
    judged.forEach((name, k) => {
      const interval = intervals[k];
      if (!interval) return;
      const baseline = baseExact[k] as number;
      const candidate = candExact[k] as number;
      const metric = makeMetric(
        context,
        name,
        {
          baseline,
          candidate,
          change: baseline > 0 ? candidate / baseline : 1,
          interval: [interval.lower, interval.upper],
          confidence: context.spec.confidence,
        },
        {
          phase,
          method: context.paired ? 'paired-bootstrap' : 'hierarchical-bootstrap',
          samples: { baseline: baseUnits.flat().length, candidate: candUnits.flat().length, kind: 'windows' },
        },
      );
      metrics.push(decide(metric, context));
    });
  }
  return metrics;
}

function judgeCpu(context: Context): MetricJudgement[] {
  if (!context.requested.has('cpu.per_request')) return [];
  const window = context.options.cpuWindowSeconds;
  const baseUnits: Clustered<CpuUnit> = context.baseline.map((trial) => cpuWindows(trial, window));
  const candUnits: Clustered<CpuUnit> = context.candidate.map((trial) => cpuWindows(trial, window));
  if (baseUnits.flat().length === 0 || candUnits.flat().length === 0) {
    context.warnings.push('CPU per request not judged: no CPU figures for one side');
    return [];
  }
  const perRequestMs = (units: readonly CpuUnit[]): number => {
    let cpu = 0;
    let requests = 0;
    for (const unit of units) {
      cpu += unit.cpuNanos;
      requests += unit.requests;
    }
    return requests > 0 ? cpu / 1e6 / requests : 0;
  };
  const interval = ratioInterval(context, baseUnits, candUnits, perRequestMs);
  if (interval.baseline <= 0) {
    context.warnings.push('CPU per request not judged: the baseline used no measurable CPU');
    return [];
  }
  const metric = makeMetric(
    context,
    'cpu.per_request',
    {
      baseline: interval.baseline,
      candidate: interval.candidate,
      change: interval.ratio,
      interval: [interval.lower, interval.upper],
      confidence: context.spec.confidence,
    },
    {
      method: context.paired ? 'paired-bootstrap' : 'hierarchical-bootstrap',
      samples: { baseline: baseUnits.flat().length, candidate: candUnits.flat().length, kind: 'windows' },
    },
  );
  return [decide(metric, context)];
}

function judgeMemory(context: Context): MetricJudgement[] {
  if (!context.requested.has('memory.peak')) return [];
  const peaks = (trials: readonly TrialResult[]): number[] =>
    trials.map((trial) => trial.service?.memoryPeakBytes ?? 0).filter((value) => value > 0);
  const base = peaks(context.baseline);
  const cand = peaks(context.candidate);
  if (base.length === 0 || cand.length === 0) {
    context.warnings.push('peak memory not judged: no memory figures for one side');
    return [];
  }
  // Peak memory is one number per trial: a distribution-free interval of the log shift.
  const shift = hodgesLehmann(cand.map(Math.log), base.map(Math.log), context.spec.confidence);
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  const metric = makeMetric(
    context,
    'memory.peak',
    {
      baseline: median(base),
      candidate: median(cand),
      change: Math.exp(shift.estimate),
      interval: [Math.exp(shift.lower), Math.exp(shift.upper)],
      confidence: shift.achievedConfidence,
    },
    { method: 'hodges-lehmann', samples: { baseline: base.length, candidate: cand.length, kind: 'trials' } },
  );
  const decided = decide(metric, context);
  // An SLO on peak memory is about the worst trial, not the median.
  const slo = metric.slo;
  const worst = Math.max(...cand);
  if (slo !== undefined && worst > slo && decided.status !== 'fail') {
    return [
      {
        ...decided,
        status: 'fail',
        reason: `peak memory ${formatValue(worst, 'bytes')} in a candidate trial is above the SLO ${formatValue(slo, 'bytes')}`,
      },
    ];
  }
  return [decided];
}

function judgeErrors(context: Context): MetricJudgement[] {
  if (!context.requested.has('error_rate')) return [];
  const count = (trials: readonly TrialResult[]): { errors: number; total: number } => {
    let errors = 0;
    let total = 0;
    for (const trial of trials) {
      errors += trial.load?.requests.errors ?? 0;
      total += trial.load?.requests.total ?? 0;
    }
    return { errors, total };
  };
  const base = count(context.baseline);
  const cand = count(context.candidate);
  if (base.total === 0 || cand.total === 0) return [];
  const confidence = context.spec.confidence;
  const ratio = rateRatioInterval(cand.errors, cand.total, base.errors, base.total, confidence);
  const difference = proportionDifferenceInterval(cand.errors, cand.total, base.errors, base.total, confidence);
  const metric = makeMetric(
    context,
    'error_rate',
    {
      baseline: base.errors / base.total,
      candidate: cand.errors / cand.total,
      change: ratio.estimate,
      interval: [ratio.lower, ratio.upper],
      confidence,
    },
    {
      method: 'proportion-difference',
      samples: { baseline: base.total, candidate: cand.total, kind: 'requests' },
      difference: { estimate: difference.estimate, lower: difference.lower, upper: difference.upper },
    },
  );
  // Both the smoothed ratio and the difference of rates must be past their bounds: a ratio of
  // near-zero rates alone cries wolf (0 → 3 errors in 100,000), a difference alone ignores scale.
  const pastRatio = (value: number): boolean => value > 1 + metric.limit;
  const pastFloor = (value: number): boolean => value > metric.floor;
  let status: MetricStatus = 'pass';
  if (pastRatio(ratio.lower) && pastFloor(difference.lower)) status = 'fail';
  else if (pastRatio(ratio.estimate) && pastFloor(difference.estimate)) status = 'marginal';
  const decided = decide(metric, context, status);
  if (status === 'pass') return [decided];
  const points = (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(2)} points`;
  const head =
    status === 'fail'
      ? `error rate jumped from ${formatValue(metric.baseline, 'ratio')} to ${formatValue(metric.candidate, 'ratio')} (${cand.errors} of ${cand.total} requests; baseline ${base.errors} of ${base.total})`
      : `error rate rose from ${formatValue(metric.baseline, 'ratio')} to ${formatValue(metric.candidate, 'ratio')}, not with ${Math.round(confidence * 100)}% confidence`;
  const detail = `${points(difference.estimate)}, CI ${points(difference.lower)}..${points(difference.upper)}, floor ${points(metric.floor).slice(1)}`;
  const sloReason = decided.reason?.split('; ').filter((part) => part.includes('SLO')) ?? [];
  return [{ ...decided, reason: [`${head} (${detail})`, ...sloReason].join('; ') }];
}

function judgeThroughput(context: Context): MetricJudgement[] {
  if (!context.requested.has('throughput')) return [];
  const phases = phasesInBoth(context, 'closed');
  if (phases.length === 0) {
    if (context.explicit.has('throughput')) {
      context.warnings.push('throughput not judged: no closed-model (connections) phase; an open model fixes the rate');
    }
    return [];
  }
  const rate = (units: readonly ThroughputUnit[]): number => {
    let ok = 0;
    let seconds = 0;
    for (const unit of units) {
      ok += unit.ok;
      seconds += unit.seconds;
    }
    return seconds > 0 ? ok / seconds : 0;
  };
  const metrics: MetricJudgement[] = [];
  for (const phase of phases) {
    const window = context.options.windowSeconds;
    const baseUnits: Clustered<ThroughputUnit> = context.baseline.map((trial) =>
      throughputWindows(trial, phase, window),
    );
    const candUnits: Clustered<ThroughputUnit> = context.candidate.map((trial) =>
      throughputWindows(trial, phase, window),
    );
    if (baseUnits.flat().length === 0 || candUnits.flat().length === 0) continue;
    const interval = ratioInterval(context, baseUnits, candUnits, rate);
    if (interval.baseline <= 0) continue;
    const metric = makeMetric(
      context,
      'throughput',
      {
        baseline: interval.baseline,
        candidate: interval.candidate,
        change: interval.ratio,
        interval: [interval.lower, interval.upper],
        confidence: context.spec.confidence,
      },
      {
        phase,
        method: context.paired ? 'paired-bootstrap' : 'hierarchical-bootstrap',
        samples: { baseline: baseUnits.flat().length, candidate: candUnits.flat().length, kind: 'windows' },
      },
    );
    metrics.push(decide(metric, context));
  }
  return metrics;
}

function validate(trials: readonly TrialResult[], spec: CompareSpec): void {
  if (!(spec.confidence > 0 && spec.confidence < 1)) {
    throw new PeakgateError(
      'PG_ERR_SCENARIO_INVALID',
      `compare.confidence must be between 0 and 1, got ${spec.confidence}`,
    );
  }
  for (const [name, limit] of Object.entries(spec.limits)) {
    if (!(typeof limit === 'number' && limit >= 0 && Number.isFinite(limit))) {
      throw new PeakgateError(
        'PG_ERR_SCENARIO_INVALID',
        `compare.limits.${name} must be a non-negative ratio, got ${limit}`,
      );
    }
  }
  if (!trials.some((t) => t.role === 'baseline') || !trials.some((t) => t.role === 'candidate')) {
    throw new PeakgateError('PG_ERR_INTERNAL', 'the judge needs at least one baseline and one candidate trial');
  }
}

/** A failing metric's reasons, without an error-rate SLO breach already reported as a finding. */
function metricReasons(metric: MetricJudgement, candidateFindings: readonly OutrightFinding[]): string[] {
  const reason = metric.reason ?? `${metric.label} failed`;
  if (metric.name !== 'error_rate' || !candidateFindings.some((f) => f.kind === 'error-slo')) return [reason];
  return reason.split('; ').filter((part) => !part.includes('SLO'));
}

/** Judges the candidate against the baseline from all trials so far. */
export function judge(trials: readonly TrialResult[], spec: CompareSpec, options: JudgeOptions = {}): Judgement {
  validate(trials, spec);
  const explicit = new Set<MetricName>([
    ...(options.metrics ?? []),
    ...(Object.keys(spec.limits) as MetricName[]),
    ...(Object.keys(spec.slo) as MetricName[]),
  ]);
  const requested = new Set<MetricName>(options.metrics ?? [...DEFAULT_METRICS, ...explicit]);
  const baselineAll = trials.filter((t) => t.role === 'baseline');
  const candidateAll = trials.filter((t) => t.role === 'candidate');
  const pairs = roundPairs(usable(baselineAll), usable(candidateAll));
  const context: Context = {
    spec,
    baseline: pairs?.baseline ?? usable(baselineAll),
    candidate: pairs?.candidate ?? usable(candidateAll),
    paired: pairs !== undefined,
    random: createSeededRandom(options.seed ?? 0x5eed),
    resamples: options.resamples ?? 2000,
    floors: options.floors ?? {},
    requested,
    explicit,
    warnings: [],
    options: {
      windowSeconds: options.windowSeconds ?? 2,
      cpuWindowSeconds: options.cpuWindowSeconds ?? 5,
      minRequestsForP999: options.minRequestsForP999 ?? 10_000,
      minTrialConfidence: options.minTrialConfidence ?? 0.9,
    },
  };
  const rounds = completeRounds(trials);
  const baselineFindings = outrightFindings('baseline', baselineAll, spec, DEFAULT_OUTRIGHT_OPTIONS);
  const candidateFindings = outrightFindings('candidate', candidateAll, spec, DEFAULT_OUTRIGHT_OPTIONS);
  const findings: OutrightFinding[] = [...candidateFindings, ...baselineFindings];

  const canCompare = context.baseline.length > 0 && context.candidate.length > 0;
  const metrics = canCompare
    ? [
        ...judgeLatency(context),
        ...judgeCpu(context),
        ...judgeMemory(context),
        ...judgeErrors(context),
        ...judgeThroughput(context),
      ]
    : [];
  if (!canCompare) context.warnings.push('no metrics judged: one side has no trial with completed requests');
  for (const trial of trials) {
    if (trial.load?.interrupted) {
      context.warnings.push(
        `${trial.role} trial of round ${trial.round} was interrupted; its figures cover what was measured`,
      );
    }
  }
  if (canCompare && (context.baseline.length < 2 || context.candidate.length < 2)) {
    context.warnings.push(
      'fewer than two trials a side: trial-to-trial variation is not measured, intervals may be too narrow',
    );
  }

  const infrastructureError =
    baselineFindings.length > 0
      ? `the baseline is broken, so the candidate cannot be judged: ${baselineFindings.map((f) => f.message).join('; ')}`
      : undefined;
  const failing = metrics.filter((m) => m.status === 'fail');
  const marginal = metrics.filter((m) => m.status === 'marginal');
  const reasons = [
    ...candidateFindings.map((f) => f.message),
    ...failing.flatMap((m) => metricReasons(m, candidateFindings)),
  ];
  if (infrastructureError) reasons.unshift(infrastructureError);
  const needsMoreRounds =
    !infrastructureError && reasons.length === 0 && marginal.length > 0 && rounds < spec.maxRounds;
  const warnings = [...marginal.map((m) => `marginal: ${m.reason ?? m.label}`), ...context.warnings];
  const marginalFails = !needsMoreRounds && marginal.length > 0 && options.marginalVerdict === 'fail';
  if (marginalFails && reasons.length === 0)
    reasons.push(...marginal.map((m) => `still marginal after ${rounds} rounds: ${m.reason}`));
  const judgement: Judgement = {
    verdict: reasons.length > 0 ? 'fail' : 'pass',
    reasons,
    warnings,
    metrics,
    findings,
    needsMoreRounds,
    rounds,
    confidence: spec.confidence,
  };
  if (infrastructureError) judgement.infrastructureError = infrastructureError;
  return judgement;
}
