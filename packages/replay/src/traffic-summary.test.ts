import { describe, expect, it } from 'vitest';
import { TrafficSummary } from './traffic-summary.js';

const at = (timeMs: number, target: string, method = 'GET') => ({
  timeMs,
  wholeSeconds: false,
  method,
  target,
  status: 200,
});

describe('TrafficSummary', () => {
  it('sorts a timeline recorded out of order (a HAR of parallel requests)', () => {
    const summary = new TrafficSummary({ timeline: true });
    for (const record of [at(1_000, '/a'), at(400, '/b'), at(700, '/a'), at(400, '/c')]) summary.add(record);
    const { offsetsMs, templateIds } = summary.arrivals(0);
    expect([...offsetsMs]).toEqual([400, 400, 700, 1000]);
    // Ties keep their recorded order: /b before /c.
    expect([...templateIds]).toEqual([1, 2, 0, 0]);
  });

  it('refuses methods peakgate does not send and targets that are not paths, and counts the window', () => {
    const summary = new TrafficSummary({ startMs: 500, endMs: 1_000 });
    expect(summary.add(at(600, '/a', 'CONNECT'))).toEqual({ problem: 'the method is not one peakgate sends' });
    expect(summary.add(at(600, '*'))).toEqual({ problem: 'the request target is not a path' });
    expect(summary.add(at(600, '/a', 'get'))).toBe('used');
    expect(summary.add(at(1_000, '/a'))).toBe('outside');
    expect(summary.templateSummaries()).toEqual([{ id: 0, method: 'GET', path: '/a', count: 1 }]);
  });

  it('refuses a recorded {{env NAME}} so a log cannot make a run send the environment', () => {
    const summary = new TrafficSummary();
    const record = { ...at(0, '/a', 'POST'), body: '{"x": "{{env HOME}}"}', mimeType: 'application/json' };
    expect(summary.add(record)).toEqual({
      problem: 'the JSON body holds "{{" or "}}" in a string, which a scenario reads as a placeholder',
    });
    const header = { ...at(0, '/b'), headers: [['x-note', '{{env HOME}}']] as Array<[string, string]> };
    expect(summary.add(header)).toMatchObject({ problem: expect.stringContaining('a header value holds "{{"') });
    // In a path the braces are percent-encoded and stay text.
    expect(summary.add(at(0, '/c/{{env HOME}}'))).toBe('used');
    expect(summary.templateSummaries()[0]?.path).toBe('/c/%7B%7Benv%20HOME%7D%7D');
  });
});

describe('TrafficSummary on records past the scenario limits', () => {
  it('skips them as bad lines instead of writing a scenario validate refuses', () => {
    const summary = new TrafficSummary();
    const record = (target: string, headers?: Array<[string, string]>) => ({
      timeMs: 0,
      wholeSeconds: false,
      method: 'GET',
      target,
      status: 200,
      ...(headers === undefined ? {} : { headers }),
    });
    expect(summary.add(record(`/${'a'.repeat(9000)}`))).toEqual({
      problem: 'the request target is over 8192 characters',
    });
    expect(summary.add(record('/h', [['x-big', 'v'.repeat(9000)]]))).toEqual({
      problem: 'a header value is over 8192 characters',
    });
    const many = Array.from({ length: 101 }, (_, i): [string, string] => [`x-h${i}`, 'v']);
    expect(summary.add(record('/m', many))).toEqual({ problem: 'more than 100 headers' });
    expect(summary.used).toBe(0);
  });

  it('writes a JSON body whose text ends in "}}" as data, and scrubs it', () => {
    const summary = new TrafficSummary();
    const body = '{"order":{"id":7},"auth":{"password":"hunter2"}}';
    expect(
      summary.add({
        timeMs: 0,
        wholeSeconds: false,
        method: 'POST',
        target: '/o',
        status: 200,
        body,
        mimeType: 'application/json',
      }),
    ).toBe('used');
    expect(summary.templateSummaries()[0]?.json).toEqual({
      order: { id: 7 },
      auth: { password: '{{env REPLAY_BODY_AUTH_PASSWORD}}' },
    });
  });
});
