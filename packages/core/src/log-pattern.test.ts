import { describe, expect, it } from 'vitest';
import { compileLogPattern, LOG_LINE_MATCH_CHARS, LOG_PATTERN_MAX_CHARS, type LogPattern } from './log-pattern.js';

const compiled = (pattern: string): LogPattern => {
  const result = compileLogPattern(pattern);
  if ('problem' in result) throw new Error(result.problem);
  return result;
};

describe('compileLogPattern (RE2)', () => {
  it('matches anywhere in the line, as RegExp.test does, with RE2 classes and flags', () => {
    expect(compiled('listening on \\d+').test('[app] listening on 8080')).toBe(true);
    expect(compiled('^listening').test('[app] listening')).toBe(false);
    expect(compiled('(?i)READY').test('server ready')).toBe(true);
    expect(compiled('(?P<port>\\d+)$').test('port 80')).toBe(true);
  });

  it('takes linear time on ^(a+)+$, which backtracks exponentially in RegExp', () => {
    const pattern = compiled('^(a+)+$');
    const started = performance.now();
    expect(pattern.test(`${'a'.repeat(LOG_LINE_MATCH_CHARS - 1)}!`)).toBe(false);
    expect(pattern.test('a'.repeat(LOG_LINE_MATCH_CHARS))).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('does not match a line longer than the limit (cutting it would let $ match at the cut)', () => {
    expect(compiled('^(a+)+$').test(`${'a'.repeat(LOG_LINE_MATCH_CHARS)}!`)).toBe(false);
    expect(compiled('ready').test(`ready ${'x'.repeat(LOG_LINE_MATCH_CHARS)}`)).toBe(false);
    expect(compiled('ready').test(`ready ${'x'.repeat(LOG_LINE_MATCH_CHARS - 6)}`)).toBe(true);
  });

  it('refuses what RE2 cannot run in linear time, with its reason', () => {
    expect(compileLogPattern('(a)\\1')).toEqual({ problem: 'invalid escape sequence: `\\1`' });
    expect(compileLogPattern('ready(?=!)')).toEqual({ problem: 'invalid or unsupported Perl syntax: `(?=`' });
    expect(compileLogPattern('(?<!x)y')).toHaveProperty('problem');
    expect(compileLogPattern('(')).toEqual({ problem: 'missing closing ): `(`' });
  });

  it('refuses a pattern longer than the limit', () => {
    expect(compileLogPattern('a'.repeat(LOG_PATTERN_MAX_CHARS + 1))).toEqual({
      problem: `a pattern of at most ${LOG_PATTERN_MAX_CHARS} characters, found ${LOG_PATTERN_MAX_CHARS + 1}`,
    });
  });
});
