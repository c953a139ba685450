/**
 * JSON lines access logs: one JSON object per line. Field names differ between setups, so each
 * field the importer needs has a list of usual names, tried in order: nginx `log_format ... escape=json`
 * setups (`time_iso8601`, `time_local`, `request_method`, `request_uri`, `status`, `request`), AWS
 * ALB-style names (`time`, `request_verb`, `request_url`, `elb_status_code`) and common logging
 * libraries (`timestamp`, `@timestamp`, `method`, `path`, `url`, `status_code`). `--map field=name`
 * puts a name first (dotted names reach into nested objects: `http.request.method`).
 */
import { parseLogTime } from './combined-log.js';
import type { ParsedLine } from './traffic-record.js';

export type JsonField = 'time' | 'method' | 'path' | 'status' | 'request';
export const jsonFields: readonly JsonField[] = ['time', 'method', 'path', 'status', 'request'];

/** Names tried for each field, in order. */
export type JsonFieldMap = Readonly<Record<JsonField, readonly string[]>>;

export const defaultJsonFieldMap: JsonFieldMap = {
  time: ['time', 'timestamp', '@timestamp', 'time_iso8601', 'time_local', 'ts', 'start_time', 'request_creation_time'],
  method: ['method', 'request_method', 'request_verb', 'http_method', 'verb'],
  path: ['path', 'request_uri', 'uri', 'url', 'request_url', 'request_path'],
  status: ['status', 'status_code', 'elb_status_code', 'response_status', 'target_status_code'],
  request: ['request'],
};

/** The default map with each `--map field=name` tried first. */
export function jsonFieldMap(overrides: Readonly<Partial<Record<JsonField, string>>>): JsonFieldMap {
  const map = { ...defaultJsonFieldMap };
  for (const field of jsonFields) {
    const name = overrides[field];
    if (name !== undefined) map[field] = [name, ...map[field].filter((other) => other !== name)];
  }
  return map;
}

export function parseJsonLine(line: string, map: JsonFieldMap = defaultJsonFieldMap): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: 'not a JSON object' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'not a JSON object' };
  const record = value as Record<string, unknown>;
  const pick = (field: JsonField): unknown => {
    for (const name of map[field]) {
      const found = lookup(record, name);
      if (found !== undefined && found !== null && found !== '') return found;
    }
    return undefined;
  };
  const timeMs = parseAnyTime(pick('time'));
  if (timeMs === undefined) return { problem: `no readable time (tried ${map.time.join(', ')})` };
  let method = pick('method');
  let target = pick('path');
  const request = pick('request');
  if ((method === undefined || target === undefined) && typeof request === 'string') {
    // nginx `$request`: "GET /a?b=1 HTTP/1.1"
    const [requestMethod, requestTarget] = request.split(' ');
    method ??= requestMethod;
    target ??= requestTarget;
  }
  if (typeof method !== 'string' || method === '') return { problem: `no method (tried ${map.method.join(', ')})` };
  if (typeof target !== 'string' || target === '') return { problem: `no path (tried ${map.path.join(', ')})` };
  const statusValue = pick('status');
  const status = typeof statusValue === 'number' ? statusValue : Number(statusValue ?? 0);
  return {
    record: {
      timeMs,
      wholeSeconds: false,
      method,
      target,
      status: Number.isInteger(status) && status >= 100 && status <= 599 ? status : 0,
    },
  };
}

function lookup(record: Record<string, unknown>, name: string): unknown {
  if (name in record) return record[name];
  if (!name.includes('.')) return undefined;
  let node: unknown = record;
  for (const part of name.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** ISO 8601 strings, nginx `time_local`, or epoch numbers (seconds, or ms when large). */
export function parseAnyTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const ms = value > 1e11 ? value : value * 1000;
    return ms <= MAX_TIME_MS ? ms : undefined;
  }
  if (typeof value !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return parseAnyTime(Number(value));
  const local = parseLogTime(value);
  if (local !== undefined) return local;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** The range a Date can hold (±100,000,000 days): a time outside it cannot even be printed. */
export const MAX_TIME_MS = 8.64e15;
