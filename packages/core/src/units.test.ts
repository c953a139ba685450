import { describe, expect, it } from 'vitest';
import {
  describeFound,
  formatDuration,
  parseChange,
  parseDuration,
  parsePercent,
  parseSize,
  UnitError,
} from './units.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['0.5ms', 0.5],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['10 sec', '10', '', 's', '1.s', '-1s', '30s1m', '1m1m', '5 ms', '1d', '1e3ms'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(UnitError);
  });

  it('says what it expected and what it found', () => {
    expect(() => parseDuration('10 sec')).toThrow('expected a duration like 250ms, 10s or 2m, found "10 sec"');
  });

  it('rejects bare numbers with a hint instead of guessing a unit', () => {
    expect(() => parseDuration(10)).toThrow(
      'expected a duration like 250ms, 10s or 2m, found 10 (a bare number; add a unit)',
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [0.5, '0.5ms'],
    [1500, '1.5s'],
    [15_000, '15s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_430_000, '1h30m30s'],
    [86_400_000, '24h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1000, 12_345, 61_000, 600_000, 3_600_500, 90_061_000])
      expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('shows values no scenario can hold instead of recursing forever (400 nines parse to Infinity)', () => {
    expect(formatDuration(parseDuration(`${'9'.repeat(400)}h`))).toBe('Infinityms');
    expect(formatDuration(Number.NaN)).toBe('NaNms');
    expect(formatDuration(-5)).toBe('-5ms');
  });
});

describe('parseSize', () => {
  it.each([
    ['64k', 64 * 1024],
    ['512m', 512 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5g', 1.5 * 1024 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['512MB', 512 * 1024 ** 2],
    ['2G', 2 * 1024 ** 3],
    ['100b', 100],
  ])('%s → %d bytes (binary units, as Docker)', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['512', '512x', 'm', '1 g', '1tb', '-1m'])('rejects %j', (text) => {
    expect(() => parseSize(text)).toThrow(`expected a size like 64k, 512m or 1g, found ${JSON.stringify(text)}`);
  });
});

describe('percentages', () => {
  it('parses unsigned percentages to ratios', () => {
    expect(parsePercent('0.1%')).toBeCloseTo(0.001, 12);
    expect(parsePercent('5%')).toBe(0.05);
    expect(parsePercent('100%')).toBe(1);
  });

  it('rejects signs, missing % and numbers in parsePercent', () => {
    for (const bad of ['+1%', '1', '%', '1 %']) expect(() => parsePercent(bad)).toThrow(UnitError);
    expect(() => parsePercent(0.01)).toThrow('expected a percentage like 0.1% or 5%, found 0.01');
  });

  it('parses signed changes', () => {
    expect(parseChange('+10%')).toEqual({ sign: '+', ratio: 0.1 });
    expect(parseChange('-5%')).toEqual({ sign: '-', ratio: 0.05 });
    expect(parseChange('15%')).toEqual({ sign: '', ratio: 0.15 });
    expect(() => parseChange('+10')).toThrow('expected a change like +10% or -5%, found "+10"');
  });
});

describe('describeFound', () => {
  it('names what was found by kind', () => {
    expect(describeFound('x')).toBe('"x"');
    expect(describeFound(3)).toBe('3');
    expect(describeFound(null)).toBe('an empty value');
    expect(describeFound([1])).toBe('a list');
    expect(describeFound({})).toBe('a mapping');
    expect(describeFound(undefined)).toBe('nothing');
  });
});
