/**
 * Limits on what a scenario may ask for, so that hostile or careless input gets a clear error at
 * validation (exit 2) instead of hanging the loader, exhausting memory, overflowing Node's timers or
 * reaching Docker as "no limit". Each limit is documented in docs/scenario.md ("Limits") and
 * docs/reliability.md. The numbers are far above any real scenario and far below what breaks us.
 */

import { DURATION_PATTERN, formatDuration, parseDuration, parseSize, SIZE_PATTERN } from '../units.js';
import type { FieldPath, UnlocatedIssue } from './issues.js';

const MiB = 1024 * 1024;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const scenarioInputCaps = {
  /** A scenario file (or request body) larger than this is refused before parsing. */
  fileBytes: MiB,
  /**
   * A file the scenario names (`load.timeline`): 20 million arrivals of ~17 bytes fit, and the text
   * stays below V8's longest string (~512 MiB).
   */
  timelineBytes: 400 * MiB,
  /** Lists and maps nested deeper than this (a `json` body included) are refused. */
  nestingDepth: 64,
  /** Aliases (`*name`) a document may resolve; more is an alias bomb. */
  aliases: 100,
  /**
   * Values (lists, maps, scalars) the document may hold once its aliases are expanded: about twice
   * what 1 MiB of text can hold without aliases. 100 aliases of a 320,000-item list made 32 million
   * (14 s and 590 MB to validate, and a 96 MB `json` body on every request).
   */
  expandedValues: 1_000_000,
  phases: 100,
  requests: 1000,
  headers: 100,
  pathChars: 8 * 1024,
  headerValueChars: 8 * 1024,
  bodyChars: MiB,
  /** A phase or the warm-up. */
  phaseDurationMs: 24 * HOUR,
  /** service.ready.timeout: Node's timers overflow past 24.8 days; nobody waits 10 minutes for a start. */
  readyTimeoutMs: 10 * MINUTE,
  /** load.timeout, per request. */
  requestTimeoutMs: 10 * MINUTE,
  /** SLO latencies and CPU per request. */
  sloDurationMs: 24 * HOUR,
  /** Docker refuses less than 6 MiB; 0 would mean "no limit". */
  memoryMinBytes: 6 * MiB,
  memoryMaxBytes: 1024 * 1024 * MiB,
  /** Docker turns cpus into NanoCpus: below 0.01 it rounds to 0, which means "no limit". */
  cpusMin: 0.01,
  cpusMax: 1024,
} as const;

const DURATION = new RegExp(DURATION_PATTERN);
const SIZE = new RegExp(SIZE_PATTERN);

/** Every limit issue of a written document (which may be partly invalid: only well-typed parts are judged). */
export function inputCapIssues(written: unknown): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const root = asRecord(written);
  if (root === undefined) return issues;
  const load = asRecord(root.load);
  if (load !== undefined) {
    issues.push(...listLimit(load.phases, ['load', 'phases'], scenarioInputCaps.phases, 'phases'));
    issues.push(...listLimit(load.requests, ['load', 'requests'], scenarioInputCaps.requests, 'requests'));
    const warmup = asRecord(load.warmup);
    if (warmup !== undefined)
      issues.push(
        ...durationAtMost(warmup.duration, ['load', 'warmup', 'duration'], scenarioInputCaps.phaseDurationMs),
      );
    if (Array.isArray(load.phases))
      load.phases.slice(0, scenarioInputCaps.phases).forEach((phase, index) => {
        const duration = asRecord(phase)?.duration;
        issues.push(
          ...durationAtMost(duration, ['load', 'phases', index, 'duration'], scenarioInputCaps.phaseDurationMs),
        );
      });
    issues.push(...durationAtMost(load.timeout, ['load', 'timeout'], scenarioInputCaps.requestTimeoutMs));
    if (Array.isArray(load.requests))
      load.requests.slice(0, scenarioInputCaps.requests).forEach((request, index) => {
        issues.push(...requestLimits(asRecord(request), ['load', 'requests', index]));
      });
  }
  const service = asRecord(root.service);
  if (service !== undefined) {
    const ready = asRecord(service.ready);
    issues.push(...durationAtMost(ready?.timeout, ['service', 'ready', 'timeout'], scenarioInputCaps.readyTimeoutMs));
    const resources = asRecord(service.resources);
    if (resources !== undefined) issues.push(...resourceLimits(resources, ['service', 'resources']));
  }
  const slo = asRecord(asRecord(root.compare)?.slo);
  if (slo !== undefined) {
    for (const [metric, value] of Object.entries(slo)) {
      const path = ['compare', 'slo', metric];
      if (metric.startsWith('latency.') || metric === 'cpu.per_request')
        issues.push(...durationAtMost(value, path, scenarioInputCaps.sloDurationMs));
      if (
        metric === 'memory.peak' &&
        typeof value === 'string' &&
        SIZE.test(value) &&
        !Number.isFinite(parseSize(value))
      )
        issues.push({
          path,
          message: `expected a size up to ${scenarioInputCaps.memoryMaxBytes / MiB}m, found a number too large`,
        });
    }
  }
  return issues;
}

function listLimit(value: unknown, path: FieldPath, limit: number, what: string): UnlocatedIssue[] {
  return Array.isArray(value) && value.length > limit
    ? [{ path, message: `expected at most ${limit} ${what}, found ${value.length}` }]
    : [];
}

/** A duration that matches the pattern (else the schema reports it) must be finite and at most `limitMs`. */
function durationAtMost(value: unknown, path: FieldPath, limitMs: number): UnlocatedIssue[] {
  if (typeof value !== 'string' || !DURATION.test(value)) return [];
  const ms = parseDuration(value);
  if (Number.isFinite(ms) && ms <= limitMs) return [];
  return [{ path, message: `expected a duration of at most ${formatDuration(limitMs)}, found ${shorten(value)}` }];
}

function requestLimits(request: Record<string, unknown> | undefined, path: FieldPath): UnlocatedIssue[] {
  if (request === undefined) return [];
  const issues: UnlocatedIssue[] = [];
  if (typeof request.path === 'string' && request.path.length > scenarioInputCaps.pathChars)
    issues.push({
      path: [...path, 'path'],
      message: `expected a path of at most ${scenarioInputCaps.pathChars} characters, found ${request.path.length}`,
    });
  const headers = asRecord(request.headers);
  if (headers !== undefined) {
    const entries = Object.entries(headers);
    if (entries.length > scenarioInputCaps.headers)
      issues.push({
        path: [...path, 'headers'],
        message: `expected at most ${scenarioInputCaps.headers} headers, found ${entries.length}`,
      });
    for (const [name, value] of entries.slice(0, scenarioInputCaps.headers))
      if (typeof value === 'string' && value.length > scenarioInputCaps.headerValueChars)
        issues.push({
          path: [...path, 'headers', name],
          message: `expected a header value of at most ${scenarioInputCaps.headerValueChars} characters, found ${value.length}`,
        });
  }
  if (typeof request.body === 'string' && request.body.length > scenarioInputCaps.bodyChars)
    issues.push({
      path: [...path, 'body'],
      message: `expected a body of at most ${scenarioInputCaps.bodyChars} characters, found ${request.body.length}`,
    });
  return issues;
}

function resourceLimits(resources: Record<string, unknown>, path: FieldPath): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const { memory, cpus } = resources;
  if (typeof memory === 'string' && SIZE.test(memory)) {
    const bytes = parseSize(memory);
    if (!Number.isFinite(bytes) || bytes < scenarioInputCaps.memoryMinBytes || bytes > scenarioInputCaps.memoryMaxBytes)
      issues.push({
        path: [...path, 'memory'],
        message: `expected a memory limit from 6m (Docker's minimum) to 1024g, found ${shorten(memory)}`,
      });
  }
  if (typeof cpus === 'number' && cpus > 0 && (cpus < scenarioInputCaps.cpusMin || cpus > scenarioInputCaps.cpusMax))
    issues.push({
      path: [...path, 'cpus'],
      message: `expected a CPU limit from ${scenarioInputCaps.cpusMin} to ${scenarioInputCaps.cpusMax} cores, found ${cpus}`,
    });
  return issues;
}

function shorten(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
