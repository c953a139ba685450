/** One recorded request, whatever format it came from: what the importers hand the summary. */
export interface TrafficRecord {
  /** When the request arrived, ms since the epoch. */
  timeMs: number;
  /** True when the source records whole seconds only (Combined Log Format), so arrivals in one second are spread over it. */
  wholeSeconds: boolean;
  method: string;
  /** Path and query as recorded (origin form, starting with `/`). */
  target: string;
  /** Response status; 0 when the record has none. */
  status: number;
  /** Request headers (HAR only), names in lower case, pseudo- and hop-by-hop headers already dropped. */
  headers?: Array<[string, string]>;
  /** Request body (HAR only). */
  body?: string;
  /** The body's media type (HAR `postData.mimeType`). */
  mimeType?: string;
}

/** A record, or why the line could not become one. */
export type ParsedLine = { record: TrafficRecord } | { problem: string };

/** The input formats `peakgate replay` reads. */
export type TrafficFormat = 'combined' | 'jsonl' | 'har';
export const trafficFormats: readonly TrafficFormat[] = ['combined', 'jsonl', 'har'];
