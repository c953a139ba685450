import { describe, expect, it } from 'vitest';
import { inCi, progressMode } from './comparison/progress-printer.js';
import { colorEnabled } from './output.js';

const tty = { isTTY: true };
const pipe = {};

describe('colorEnabled', () => {
  it.each([
    { env: {}, stream: tty, colour: true },
    { env: {}, stream: pipe, colour: false },
    { env: { TERM: 'dumb' }, stream: tty, colour: false },
    { env: { NO_COLOR: '1' }, stream: tty, colour: false },
    { env: { NO_COLOR: '' }, stream: tty, colour: true },
    { env: { FORCE_COLOR: '1' }, stream: pipe, colour: true },
    { env: { FORCE_COLOR: '0' }, stream: tty, colour: false },
    { env: { NO_COLOR: '1', FORCE_COLOR: '1' }, stream: pipe, colour: false },
  ])('$env on a $stream.isTTY terminal: $colour', ({ env, stream, colour }) => {
    expect(colorEnabled(stream, env)).toBe(colour);
  });
});

describe('progressMode', () => {
  it('is live on a terminal outside CI, lines elsewhere, quiet with --quiet', () => {
    expect(progressMode({ quiet: false, stream: tty, env: {} })).toBe('live');
    expect(progressMode({ quiet: false, stream: tty, env: { CI: 'true' } })).toBe('lines');
    expect(progressMode({ quiet: false, stream: tty, env: { CI: 'false' } })).toBe('live');
    expect(progressMode({ quiet: false, stream: pipe, env: {} })).toBe('lines');
    expect(progressMode({ quiet: true, stream: tty, env: {} })).toBe('quiet');
    expect(inCi({ CI: '1' })).toBe(true);
    expect(inCi({ CI: '0' })).toBe(false);
  });
});
