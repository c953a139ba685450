/**
 * The Combined Log Format (nginx's and Apache's default access log; the Common Log Format without
 * referer and user agent is accepted too):
 *
 *     127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/4.08"
 *
 * One anchored regular expression per line; the timestamp is parsed by hand (Date.parse does not
 * know the format and is slow). The format records whole seconds only.
 */
import type { ParsedLine } from './traffic-record.js';

const LINE = /^\S+ \S+ (?:\S+|"[^"]*") \[([^\]]+)\] "([^"]*)" (\d{3})(?: |$)/;
const TIME = /^(\d{1,2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-])(\d{2}):?(\d{2})$/;
const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

let lastTime = '';
let lastTimeMs: number | undefined;

/** Parses one log line. */
export function parseCombinedLine(line: string): ParsedLine {
  const match = LINE.exec(line);
  if (match === null) return { problem: 'not in the Combined Log Format' };
  const [, time = '', request = '', status = ''] = match;
  // Every line of one second carries the same time text: parse it once.
  const timeMs = time === lastTime ? lastTimeMs : parseLogTime(time);
  lastTime = time;
  lastTimeMs = timeMs;
  if (timeMs === undefined) return { problem: `unreadable time [${time}]` };
  const parts = request.split(' ');
  if (parts.length < 2 || parts.length > 3 || parts[0] === '' || parts[1] === '')
    return { problem: `no request line ("${request.slice(0, 40)}")` };
  return {
    record: {
      timeMs,
      wholeSeconds: true,
      method: parts[0] ?? '',
      target: parts[1] ?? '',
      status: Number(status),
    },
  };
}

/** `10/Oct/2000:13:55:36 -0700` → ms since the epoch; also the ISO-like `time_local` of nginx JSON logs. */
export function parseLogTime(text: string): number | undefined {
  const match = TIME.exec(text);
  if (match === null) return undefined;
  const [, day, monthName, year, hour, minute, second, fraction, sign, offsetHours, offsetMinutes] = match;
  const month = MONTHS[(monthName ?? '').toLowerCase()];
  if (month === undefined) return undefined;
  const utc = Date.UTC(Number(year), month, Number(day), Number(hour), Number(minute), Number(second));
  const offsetMs = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 * (sign === '-' ? -1 : 1);
  const ms = fraction === undefined ? 0 : Number(`0.${fraction}`) * 1000;
  return utc - offsetMs + ms;
}
