/**
 * Units of the written scenario format, parsed once at the edge so inner code never sees strings:
 * durations → milliseconds, sizes → bytes, percentages → ratios. Each kind has a regex (reused as the
 * JSON Schema `pattern`, so editors flag the same mistakes), an "expected …" phrase (reused in every
 * error message) and a parser that throws {@link UnitError} with the phrase and what was found.
 *
 * Bare numbers are not durations, sizes or percentages: `duration: 10` could mean 10 ms or 10 s, and
 * guessing wrong silently changes a test by 1000×, so it is an error with a hint to add a unit.
 */

export class UnitError extends Error {
  override name = 'UnitError';
}

/** How a value that is not what we expected is shown in messages: strings quoted, the rest by kind. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function unitError(expected: string, value: unknown): UnitError {
  const hint = typeof value === 'number' ? ' (a bare number; add a unit)' : '';
  return new UnitError(`expected ${expected}, found ${describeFound(value)}${hint}`);
}

// ---------------------------------------------------------------------------------------------
// Durations: 250ms, 10s, 2m, 1h, decimals (1.5s) and k6-style compounds (1m30s), largest unit first.

export const DURATION_EXPECTED = 'a duration like 250ms, 10s or 2m';
const NUM = '\\d+(?:\\.\\d+)?';
export const DURATION_PATTERN = `^(?=\\d)(?:${NUM}h)?(?:${NUM}m(?!s))?(?:${NUM}s)?(?:${NUM}ms)?$`;
const DURATION_REGEX = new RegExp(DURATION_PATTERN);
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const MS_PER_UNIT: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Parses a duration to milliseconds (may be fractional: `0.5ms` is 0.5). */
export function parseDuration(value: unknown): number {
  if (typeof value !== 'string' || !DURATION_REGEX.test(value)) throw unitError(DURATION_EXPECTED, value);
  let ms = 0;
  for (const match of value.matchAll(DURATION_PART)) ms += Number(match[1]) * (MS_PER_UNIT[match[2] ?? ''] ?? 0);
  return ms;
}

/**
 * Formats milliseconds for people: 250ms, 15s, 1m30s, 1.5s. Not recursive and total: a value no
 * scenario can hold (Infinity, NaN, negative) is shown as it is instead of looping or throwing.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms}ms`;
  if (ms < 1000) return `${round(ms, 3)}ms`;
  if (ms < 60_000) return `${round(ms / 1000, 3)}s`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms - hours * 3_600_000) / 60_000);
  const rest = ms - hours * 3_600_000 - minutes * 60_000;
  const seconds = rest === 0 ? '' : rest < 1000 ? `${round(rest, 3)}ms` : `${round(rest / 1000, 3)}s`;
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 || hours === 0 ? `${minutes}m` : ''}${seconds}`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

// ---------------------------------------------------------------------------------------------
// Sizes: as Docker reads `--memory 512m`, k/m/g are powers of 1024; KiB/MiB/GiB and kb/mb/gb
// spellings are accepted too (all binary), case-insensitive. `b` is bytes.

export const SIZE_EXPECTED = 'a size like 64k, 512m or 1g';
export const SIZE_PATTERN = '^\\d+(?:\\.\\d+)?(?:[bB]|[kKmMgG](?:i?[bB])?)$';
const SIZE_REGEX = new RegExp(SIZE_PATTERN);
const BYTES_PER_UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses a size to whole bytes. */
export function parseSize(value: unknown): number {
  if (typeof value !== 'string' || !SIZE_REGEX.test(value)) throw unitError(SIZE_EXPECTED, value);
  const match = /^(\d+(?:\.\d+)?)([a-zA-Z])/.exec(value);
  const unit = (match?.[2] ?? 'b').toLowerCase();
  return Math.round(Number(match?.[1]) * (BYTES_PER_UNIT[unit] ?? 1));
}

// ---------------------------------------------------------------------------------------------
// Percentages: `0.1%` → 0.001. Limits may carry a sign (`+10%` allowed increase, `-5%` allowed
// decrease); plain percentages (SLOs such as error_rate) may not.

export const PERCENT_EXPECTED = 'a percentage like 0.1% or 5%';
export const PERCENT_PATTERN = '^\\d+(?:\\.\\d+)?%$';
const PERCENT_REGEX = new RegExp(PERCENT_PATTERN);

export const CHANGE_EXPECTED = 'a change like +10% or -5%';
export const CHANGE_PATTERN = '^[+-]?\\d+(?:\\.\\d+)?%$';
const CHANGE_REGEX = new RegExp(CHANGE_PATTERN);

/** Parses an unsigned percentage to a ratio: `0.1%` → 0.001. */
export function parsePercent(value: unknown): number {
  if (typeof value !== 'string' || !PERCENT_REGEX.test(value)) throw unitError(PERCENT_EXPECTED, value);
  return Number(value.slice(0, -1)) / 100;
}

export interface Change {
  /** The sign as written: '+' (increase), '-' (decrease) or '' (none written). */
  sign: '+' | '-' | '';
  /** Magnitude as a ratio: `+10%` → 0.1. */
  ratio: number;
}

/** Parses a signed change: `+10%` → { sign: '+', ratio: 0.1 }. */
export function parseChange(value: unknown): Change {
  if (typeof value !== 'string' || !CHANGE_REGEX.test(value)) throw unitError(CHANGE_EXPECTED, value);
  const first = value[0];
  const sign = first === '+' || first === '-' ? first : '';
  return { sign, ratio: Number(value.slice(sign === '' ? 0 : 1, -1)) / 100 };
}
