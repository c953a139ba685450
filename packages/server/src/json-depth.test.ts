import { describe, expect, it } from 'vitest';
import { jsonDepthOver, MAX_JSON_DEPTH } from './json-depth.js';

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('jsonDepthOver', () => {
  it('passes the limit itself and refuses one more level', () => {
    expect(jsonDepthOver(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthOver(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonDepthOver(`{"a":${'{"b":'.repeat(200)}1${'}'.repeat(200)}}`)).toBe(true);
  });

  it('measures 120,000 levels without recursion, fast', () => {
    const started = performance.now();
    expect(jsonDepthOver(nested(120_000))).toBe(true);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ inline: '['.repeat(1000), quote: `\\"${'{'.repeat(1000)}` });
    expect(jsonDepthOver(text, 2)).toBe(false);
  });

  it('agrees with the real nesting of parsed documents', () => {
    const doc = { a: [1, { b: [[], { c: 'x]]]' }] }], d: '\\' };
    const text = JSON.stringify(doc);
    expect(jsonDepthOver(text, 5)).toBe(false);
    expect(jsonDepthOver(text, 4)).toBe(true);
  });
});
