import { describe, expect, it } from 'vitest';
import { parseCombinedLine, parseLogTime } from './combined-log.js';

describe('parseCombinedLine', () => {
  it('reads nginx and Apache default lines (combined and common)', () => {
    expect(
      parseCombinedLine(
        '192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"',
      ),
    ).toEqual({
      record: {
        timeMs: Date.UTC(2000, 9, 10, 20, 55, 36),
        wholeSeconds: true,
        method: 'GET',
        target: '/apache_pb.gif?x=1',
        status: 200,
      },
    });
    expect(
      parseCombinedLine('192.0.2.1 - - [01/Mar/2026:10:00:00 +0000] "POST /balance HTTP/1.1" 500 -'),
    ).toMatchObject({
      record: { method: 'POST', target: '/balance', status: 500 },
    });
  });

  it.each([
    ['', 'not in the Combined Log Format'],
    ['garbage', 'not in the Combined Log Format'],
    ['192.0.2.9 - - [01/Mar/2026:10:00:00 +0000] "-" 400 0 "-" "-"', 'no request line (method, target and version)'],
    [
      '192.0.2.9 - - [99/Foo/2026:25:61:00 +0000] "GET / HTTP/1.1" 200 1',
      'unreadable time (expected [day/Mon/year:hh:mm:ss +zone])',
    ],
    ['192.0.2.9 - - [01/Mar/2026:10:00:00 +0000] "GET / HTTP/1.1" abc 1', 'not in the Combined Log Format'],
  ])('says why %j is skipped', (line, problem) => {
    expect(parseCombinedLine(line)).toEqual({ problem });
  });

  it('parses time zones and fractions', () => {
    expect(parseLogTime('01/Mar/2026:10:00:00 +0130')).toBe(Date.UTC(2026, 2, 1, 8, 30, 0));
    expect(parseLogTime('01/Mar/2026:10:00:00.250 +0000')).toBe(Date.UTC(2026, 2, 1, 10, 0, 0) + 250);
    expect(parseLogTime('2026-03-01T10:00:00Z')).toBeUndefined();
  });
});
