export type { ErrorCode, PeakgateErrorOptions } from './errors.js';
export { errorCodes, isPeakgateError, PeakgateError } from './errors.js';
export type { Histogram } from './histograms.js';
export {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  LATENCY_HISTOGRAM,
  mergeEncodedHistograms,
  recordLatencyMs,
  summarizeLatency,
} from './histograms.js';
export type { ClosedLoad, HttpMethod, LoadPhase, LoadPlan, OpenLoad, RequestTemplate } from './load-plan.js';
export type { ErrorCounts, LatencySummaryMs, LoadResult, PhaseResult, SecondSample } from './load-result.js';
export type {
  BuildSpec,
  CompareSpec,
  MetricName,
  ReadinessCheck,
  ResourceLimits,
  Role,
  Scenario,
  ServiceSpec,
} from './scenario-model.js';
export type { ResourceSample, ServiceExit, ServiceFigures, TrialResult } from './trial.js';
