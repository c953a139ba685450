/**
 * What the judge returns. Plain data: the report embeds it, the controller reads
 * `needsMoreRounds` and `infrastructureError`, the CLI maps the verdict to an exit code.
 */
import type { MetricName } from '../scenario/model.js';
import type { Finding, OutrightFinding } from './finding.js';
import type { MetricDirection, MetricEstimate, MetricStatus, MetricUnit } from './metric-estimate.js';

export type { MetricDirection, MetricEstimate, MetricStatus, MetricUnit } from './metric-estimate.js';

export interface MetricJudgement extends MetricEstimate {
  name: MetricName;
  /** Phase the metric was judged in (latency and throughput are judged per phase). */
  phase?: string;
  /**
   * The request name the metric was judged on (`latency.p99{name=checkout}`); absent for the whole
   * mix. Limits and SLOs then come from `compare.byRequest[request]`.
   */
  request?: string;
  /**
   * The dependency whose CPU per request was judged (`cpu.per_request{dependency=db}`); absent for
   * the build itself. Its limit comes from `compare.dependencyCpuLimits`.
   */
  dependency?: string;
  /** Human name, e.g. "p99 latency". */
  label: string;
  unit: MetricUnit;
  direction: MetricDirection;
  /** Changes smaller than this, in the metric's unit, never fail (noise floor). */
  floor: number;
  /** Absolute SLO on the candidate, in the metric's unit, when set. */
  slo?: number;
  status: MetricStatus;
  /**
   * The interval lies wholly past the threshold (fail) or wholly within it: decided. A windowed
   * metric (latency, CPU per request, throughput) that is not settled earns another round while
   * rounds and the budget remain; when they run out it passes as inconclusive (docs/judge.md).
   */
  settled: boolean;
  /**
   * A paired windowed metric shown within its limit by the acceptance boundary rather than by its
   * interval (judge.ts, acceptMetrics): the within-limit end of its interval computed again at the
   * acceptance level (SequentialLook.acceptanceConfidence). Absent when the interval settled it.
   */
  acceptedAt?: number;
  /** Why the status is not pass, as text (`reasonFindings` rendered, joined with '; '); absent for pass. */
  reason?: string;
  /** Why the status is not pass, as data; absent for pass. */
  reasonFindings?: Finding[];
  /** How the interval was obtained. */
  method:
    | 'hierarchical-bootstrap'
    | 'paired-bootstrap'
    | 'paired-exceedance'
    | 'hodges-lehmann'
    | 'proportion-difference';
  /** Samples behind the interval on each side (windows, trials or requests). */
  samples: { baseline: number; candidate: number; kind: 'windows' | 'trials' | 'requests' };
  /** Error rate only: interval of the difference of rates (candidate − baseline). */
  difference?: { estimate: number; lower: number; upper: number };
  /**
   * A request kind judged by default (judge-request-kinds.ts): the one-sided p-value of its change
   * being past the threshold, Holm's first-step level over the `tests` default tests of this look,
   * and whether Holm's step-down rejected it. A kind fails only when it did (docs/judge.md).
   */
  holm?: { pValue: number; level: number; tests: number; rejected: boolean };
  /**
   * Set when the metric could not settle within max_rounds at this load (settle-projection.ts):
   * why. The comparison no longer waits for it; it neither fails nor holds the run.
   */
  notJudged?: string;
}

export interface Judgement {
  verdict: 'pass' | 'fail';
  /**
   * Why the verdict is fail (a broken baseline first, then the candidate's outright findings, then
   * failing metrics); empty on pass. `reasons[i]` is `describeReason(reasonFindings[i])`.
   */
  reasons: string[];
  /** The same reasons as data: kind, metric or side, phase or round, and the numbers. */
  reasonFindings: Finding[];
  /** Marginal metrics, metrics that could not be judged, and other things worth a look. */
  warnings: string[];
  metrics: MetricJudgement[];
  /** Crashes, OOM kills, readiness failures and error checks, on either side (candidate first). */
  findings: OutrightFinding[];
  /** Set when the baseline itself is broken: the sandbox cannot judge (CLI exit 3). */
  infrastructureError?: string;
  /**
   * True when nothing failed, a metric is marginal or a windowed metric is not settled, and rounds
   * remain (rounds < maxRounds). The controller also stops on its time budget.
   */
  needsMoreRounds: boolean;
  /** The sequential decision at this look (docs/judge.md). */
  sequential: SequentialLook;
  /** Complete rounds judged. */
  rounds: number;
  confidence: number;
}

/** Where the sequential decision stands after a look (one look per round from `rounds` on). */
export interface SequentialLook {
  /** Confidence of this look's intervals: the stated confidence corrected for repeated looks. */
  lookConfidence: number;
  /**
   * The level at which a paired windowed metric counts as shown within its limit (the acceptance
   * boundary): a build whose change sits exactly at a limit is accepted at some look in at most
   * 10% of comparisons, corrected for repeated looks like lookConfidence (docs/judge.md).
   */
  acceptanceConfidence?: number;
  /**
   * 'fail': a metric or outright check failed; 'pass': every windowed metric is settled within its
   * limit; 'undecided': some are not (another round may decide them).
   */
  state: 'fail' | 'pass' | 'undecided';
  /**
   * Metrics not settled at this look ("CPU per request", "p99 latency (peak)"); with state 'fail'
   * they no longer matter (a fail decides the comparison) and are listed for the record.
   */
  undecided: string[];
  /** Metrics not judged at this load: they could not settle by max_rounds (MetricJudgement.notJudged). */
  notJudged?: string[];
}

/** Why a comparison ran no further round (the controller decides; the report records it). */
export type StopReason =
  /** The judge had nothing undecided: every windowed metric settled, or something failed. */
  | 'decided'
  /** A crash, OOM kill, failed start or mid-trial abort: more rounds would only repeat it. */
  | 'outright'
  /** `compare.max_rounds` rounds ran with a metric still undecided. */
  | 'max-rounds'
  /** Another round would have ended past `compare.budget`, with a metric still undecided. */
  | 'budget';

/** One look of the sequential decision, as report.json records it (`rounds.looks`). */
export interface LookRecord {
  round: number;
  /** Since the comparison started, when the look was made. */
  atMs: number;
  state: SequentialLook['state'];
  undecided: string[];
  /** The windowed metrics at this look: enough to replay the decision under a shorter budget. */
  metrics: Array<
    Pick<MetricJudgement, 'name' | 'phase' | 'request' | 'status' | 'settled' | 'change' | 'interval' | 'limit'>
  >;
}

/** How the rounds of a comparison ended. */
export interface ComparisonStop {
  reason: StopReason;
  /** Budget in force (compare.budget), when any. */
  budgetMs?: number;
  looks: LookRecord[];
}

/** A look's record: the windowed metrics only, in a few fields each. */
export function lookRecord(judgement: Judgement, atMs: number): LookRecord {
  return {
    round: judgement.rounds,
    atMs: Math.round(atMs),
    state: judgement.sequential.state,
    undecided: [...judgement.sequential.undecided],
    metrics: judgement.metrics
      .filter(
        (m) =>
          m.method === 'paired-bootstrap' || m.method === 'paired-exceedance' || m.method === 'hierarchical-bootstrap',
      )
      .map((m) => ({
        name: m.name,
        ...(m.phase === undefined ? {} : { phase: m.phase }),
        ...(m.request === undefined ? {} : { request: m.request }),
        status: m.status,
        settled: m.settled,
        change: m.change,
        interval: m.interval,
        limit: m.limit,
      })),
  };
}
