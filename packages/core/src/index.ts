export { CommandLineError, splitCommandLine } from './command-line.js';
export type { ContainedRead } from './contained-file.js';
export { readContainedFile } from './contained-file.js';
export type { ComparisonDriver, DriverName } from './driver-name.js';
export { driverNames, driverRunsImages, isDriverName } from './driver-name.js';
export type { ErrorCode, PeakgateErrorOptions } from './errors.js';
export { errorCodes, isPeakgateError, PeakgateError } from './errors.js';
export type { ExitCodeForError, ExitCodeName, ExitCodeRow, InterruptSignal } from './exit-codes.js';
export { exitCodeForSignal, exitCodes, exitCodesHelp, interruptSignals } from './exit-codes.js';
export { describeFileKind } from './file-kind.js';
export type { BucketCounts } from './histogram-buckets.js';
export { latencyBucketCounts } from './histogram-buckets.js';
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
export type {
  BaselineBrokenFinding,
  ChangeFinding,
  ErrorCount,
  Finding,
  FindingKind,
  OutrightFinding,
  OutrightKind,
  SloFinding,
} from './judge/finding.js';
export type { JudgeOptions } from './judge/judge.js';
export { judge } from './judge/judge.js';
export type {
  ComparisonStop,
  Judgement,
  LookRecord,
  MetricDirection,
  MetricJudgement,
  MetricStatus,
  MetricUnit,
  SequentialLook,
  StopReason,
} from './judge/judgement.js';
export { lookRecord } from './judge/judgement.js';
export type { MetricDefaults } from './judge/metric-defaults.js';
export { DEFAULT_METRICS, METRIC_DEFAULTS } from './judge/metric-defaults.js';
export type { RunServiceFigures, RunSloCheck, RunSloResult, RunSloSpec } from './judge/single-build-slo.js';
export { checkRunSlo } from './judge/single-build-slo.js';
export type {
  ClosedLoad,
  HttpMethod,
  LoadPhase,
  LoadPlan,
  OpenLoad,
  RequestTemplate,
  TimelinePlan,
} from './load-plan.js';
export type {
  ErrorCounts,
  LatencySummaryMs,
  LoadResult,
  LoadShardFigures,
  LoadSharding,
  PhaseResult,
  RequestKindResult,
  ScheduleError,
  SecondKindSample,
  SecondSample,
} from './load-result.js';
export { MAX_LOAD_SHARDS, SHARD_ENV } from './load-shards.js';
export type { LogPattern } from './log-pattern.js';
export { compileLogPattern, LOG_LINE_MATCH_CHARS, LOG_PATTERN_MAX_CHARS } from './log-pattern.js';
export type { SelectableMetric } from './metric-selector.js';
export { metricSelectorKey, parseMetricSelector, selectableMetrics } from './metric-selector.js';
export type { BuildAbortedReportInput, BuildReportInput, RebuildReportInput } from './report/build-report.js';
export { buildAbortedReport, buildReport, rebuildReport, reportScenario } from './report/build-report.js';
export type { JudgeAndRenderInput, RenderedReport, ReportFiles } from './report/judge-and-render.js';
export { judgeAndRender, renderReportFiles } from './report/judge-and-render.js';
export { renderHtml } from './report/render-html.js';
export { escapeXml, renderJUnit } from './report/render-junit.js';
export { escapeMarkdown, renderMarkdown } from './report/render-markdown.js';
export type {
  Report,
  ReportEnvironment,
  ReportFinding,
  ReportInterruption,
  ReportKindFigures,
  ReportMetric,
  ReportPercentileCurve,
  ReportPhase,
  ReportRequestKind,
  ReportScenario,
  ReportSchedule,
  ReportSide,
  ReportTrial,
} from './report/report-types.js';
export { REPORT_SCHEMA_VERSION } from './report/report-types.js';
export type { SavedTrial, SavedTrials } from './report/saved-trials.js';
export { readSavedTrials, savedTrialsJson } from './report/saved-trials.js';
export {
  REQUEST_KIND_HEADER,
  requestKindRows,
  SCHEDULE_HEADER,
  scheduleRows,
} from './report/table-rows.js';
export type { NamedRequest } from './request-name.js';
export { defaultRequestName, requestNames } from './request-name.js';
export { fewSamplesNote, minSamplesForPercentile, percentileLabel, percentileOfMetric } from './sample-size.js';
export { buildReference, describeBuildSpec } from './scenario/build-spec-text.js';
export type { EnvUse } from './scenario/env.js';
export {
  assertEnvAllowed,
  closeEnvDoor,
  envFlagHint,
  envUses,
  handedInEnvNames,
  handedInEnvValues,
  openEnvDoor,
} from './scenario/env.js';
export { scenarioInputCaps } from './scenario/input-caps.js';
export type { FieldPath, ScenarioIssue, UnlocatedIssue } from './scenario/issues.js';
export { formatFieldPath, formatScenarioIssue, ScenarioInvalidError, ScenarioParseError } from './scenario/issues.js';
export type { ParseScenarioOptions } from './scenario/loader.js';
export { loadScenarioFile, parseScenario, readScenarioText } from './scenario/loader.js';
export type {
  AbortMetricName,
  BuildSpec,
  CompareSpec,
  DependencySpec,
  MetricName,
  ReadinessCheck,
  RequestJudgeSpec,
  ResourceLimits,
  Role,
  Scenario,
  ServiceSpec,
} from './scenario/model.js';
export type { TemplatePart } from './scenario/placeholders.js';
export { ENV_PLACEHOLDER_NAME, PlaceholderError, parsePlaceholders } from './scenario/placeholders.js';
export type { WireRequest } from './scenario/request-wire-issues.js';
export { CLIENT_OWNED_HEADERS, readyPathProblem, requestWireIssues } from './scenario/request-wire-issues.js';
export { defaultMaxConnections, scenarioDefaults } from './scenario/resolve.js';
export type { ScenarioFile } from './scenario/schema.js';
export { httpMethods, metricNames, ScenarioSchema } from './scenario/schema.js';
export { unknownFieldMessage } from './scenario/schema-issues.js';
export type { SloFlags } from './scenario/slo-flags.js';
export { parseSloFlags } from './scenario/slo-flags.js';
export type { TimelineArrivals, TimelineFacts } from './scenario/timeline.js';
export { MAX_TIMELINE_ARRIVALS, parseTimeline, readTimelineFile } from './scenario/timeline.js';
export type { SecretMasker, StreamMasker } from './secret-mask.js';
export {
  clearSecretValues,
  createSecretMasker,
  createStreamMasker,
  hasSecretValues,
  MIN_MASKED_LENGTH,
  maskSecrets,
  maskSecretsDeep,
  registerSecretValues,
  SECRET_MASK,
  secretForms,
  tooShortToMask,
} from './secret-mask.js';
export type { BootstrapOptions, Clustered, RatioInterval } from './statistics/bootstrap.js';
export { bootstrapRatioInterval, bootstrapRatioIntervals } from './statistics/bootstrap.js';
export { mean, median, quantile } from './statistics/descriptive.js';
export type { ShiftInterval } from './statistics/hodges-lehmann.js';
export { hodgesLehmann } from './statistics/hodges-lehmann.js';
export { normalCdf, normalQuantile } from './statistics/normal-distribution.js';
export type { ProportionInterval } from './statistics/proportions.js';
export { proportionDifferenceInterval, rateRatioInterval, wilsonInterval } from './statistics/proportions.js';
export type { RandomSource } from './statistics/seeded-random.js';
export { createSeededRandom } from './statistics/seeded-random.js';
export { studentTQuantile } from './statistics/student-t.js';
export type { WelchInterval } from './statistics/welch.js';
export { welchInterval } from './statistics/welch.js';
export type {
  DependencyFigures,
  ResourceSample,
  ServiceExit,
  ServiceFigures,
  TrialAbort,
  TrialResult,
} from './trial.js';
export { cpuPerRequestMs } from './trial.js';
export type { Change } from './units.js';
export {
  formatDuration,
  parseChange,
  parseDuration,
  parsePercent,
  parseSize,
  UnitError,
} from './units.js';
export { peakgateVersion } from './version.js';
export type { DescribeOptions } from './wording/describe-reason.js';
export { describeReason } from './wording/describe-reason.js';
export {
  formatChange,
  formatInterval,
  formatLimit,
  formatMetricChange,
  formatPoints,
  formatValue,
} from './wording/format.js';
export type { VerdictState } from './wording/verdict-wording.js';
export {
  BASELINE_COLOR,
  CANDIDATE_COLOR,
  confidenceText,
  intervalEstimated,
  metricDisplayName,
  metricIntervalEstimated,
  NO_INTERVAL,
  noIntervalText,
  percentText,
  plannedLooks,
  roundsText,
  SIDE_COLORS,
  stopReasonText,
  VERDICT_HEADLINE,
  verdictState,
} from './wording/verdict-wording.js';
