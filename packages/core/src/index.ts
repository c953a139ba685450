export { CommandLineError, splitCommandLine } from './command-line.js';
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
export type { TemplatePart } from './placeholders.js';
export { PlaceholderError, parsePlaceholders } from './placeholders.js';
export type { FieldPath, ScenarioIssue } from './scenario-errors.js';
export { formatScenarioIssue, ScenarioInvalidError, ScenarioParseError } from './scenario-errors.js';
export type { ParseScenarioOptions } from './scenario-loader.js';
export { loadScenarioFile, parseScenario } from './scenario-loader.js';
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
export { defaultMaxConnections, scenarioDefaults } from './scenario-resolve.js';
export type { ScenarioFile } from './scenario-schema.js';
export { httpMethods, metricNames, ScenarioSchema } from './scenario-schema.js';
export type { ResourceSample, ServiceExit, ServiceFigures, TrialResult } from './trial.js';
export type { Change } from './units.js';
export {
  formatDuration,
  parseChange,
  parseDuration,
  parsePercent,
  parseSize,
  UnitError,
} from './units.js';
