import { describe, expect, it } from 'vitest';
import { jsonFieldMap, parseAnyTime, parseJsonLine } from './json-line.js';

describe('parseJsonLine', () => {
  it('reads nginx JSON log names', () => {
    const line = JSON.stringify({
      time_iso8601: '2026-03-01T10:00:00.250Z',
      request_method: 'GET',
      request_uri: '/a?b=1',
      status: '404',
    });
    expect(parseJsonLine(line)).toEqual({
      record: {
        timeMs: Date.UTC(2026, 2, 1, 10, 0, 0) + 250,
        wholeSeconds: false,
        method: 'GET',
        target: '/a?b=1',
        status: 404,
      },
    });
  });

  it('reads ALB-style names with full URLs, and nginx $request', () => {
    expect(
      parseJsonLine(
        JSON.stringify({
          time: '2026-03-01T10:00:00Z',
          request_verb: 'POST',
          request_url: 'http://h:80/cart',
          elb_status_code: 503,
        }),
      ),
    ).toMatchObject({ record: { method: 'POST', target: 'http://h:80/cart', status: 503 } });
    expect(
      parseJsonLine(
        JSON.stringify({ time_local: '01/Mar/2026:10:00:00 +0000', request: 'GET /x HTTP/1.1', status: 200 }),
      ),
    ).toMatchObject({ record: { method: 'GET', target: '/x', timeMs: Date.UTC(2026, 2, 1, 10) } });
  });

  it('takes --map names first, including dotted paths into objects', () => {
    const map = jsonFieldMap({ time: 'when', method: 'http.verb', path: 'route', status: 'code' });
    expect(
      parseJsonLine(JSON.stringify({ when: 1_772_359_200, http: { verb: 'GET' }, route: '/things/1', code: 200 }), map),
    ).toMatchObject({ record: { timeMs: 1_772_359_200_000, method: 'GET', target: '/things/1', status: 200 } });
  });

  it('says why a line is skipped', () => {
    expect(parseJsonLine('{"time": 1')).toEqual({ problem: 'not a JSON object' });
    expect(parseJsonLine('[1]')).toEqual({ problem: 'not a JSON object' });
    expect(parseJsonLine('{"method": "GET", "path": "/"}')).toMatchObject({
      problem: expect.stringContaining('no readable time'),
    });
    expect(parseJsonLine('{"time": 1700000000, "path": "/"}')).toMatchObject({
      problem: expect.stringContaining('no method'),
    });
  });

  it('reads epoch seconds, epoch ms and ISO strings', () => {
    expect(parseAnyTime(1_700_000_000)).toBe(1_700_000_000_000);
    expect(parseAnyTime(1_700_000_000_123)).toBe(1_700_000_000_123);
    expect(parseAnyTime('1700000000.5')).toBe(1_700_000_000_500);
    expect(parseAnyTime('nope')).toBeUndefined();
  });
});
