// @peakgate/replay: recorded traffic (access logs, JSON lines, HAR) → a peakgate scenario. Pure:
// parsing, normalisation and scenario text; the CLI's `replay` command writes the files.
export { parseCombinedLine, parseLogTime } from './combined-log.js';
export type { ComposedReplay, ComposeOptions } from './compose-replay.js';
export { composeReplay } from './compose-replay.js';
export { parseHar } from './har-file.js';
export type { ImportOptions, ImportResult, LineProblem } from './import-traffic.js';
export { importTraffic, sniffFormat } from './import-traffic.js';
export type { JsonField, JsonFieldMap } from './json-line.js';
export { defaultJsonFieldMap, jsonFieldMap, jsonFields, parseJsonLine } from './json-line.js';
export type { ParsedLine, TrafficFormat, TrafficRecord } from './traffic-record.js';
export { trafficFormats } from './traffic-record.js';
