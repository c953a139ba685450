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
let lastTime = '';
let lastTimeMs: number | undefined;
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

/**
 * Parses one log line. Cut by hand with indexOf (the regular expression LINE says the same thing):
 * this is the per-line cost of a multi-gigabyte import, and the hand cut is about twice as fast.
 */
export function parseCombinedLine(line: string): ParsedLine {
  // `host ident user [time] "request" status …`: the time is the first " [", after two spaces.
  const open = line.indexOf(' [');
  const firstSpace = line.indexOf(' ');
  if (open === -1 || firstSpace === -1 || line.indexOf(' ', firstSpace + 1) >= open)
    return LINE.test(line) ? parseWithPattern(line) : { problem: NOT_CLF };
  const close = line.indexOf('] "', open + 2);
  if (close === -1) return { problem: NOT_CLF };
  const requestEnd = line.indexOf('" ', close + 3);
  if (requestEnd === -1) return { problem: NOT_CLF };
  const status = statusAt(line, requestEnd + 2);
  if (status === undefined) return { problem: NOT_CLF };
  return recordAt(line, open + 2, close, close + 3, requestEnd, status);
}

/**
 * {@link record} on positions in the line, cutting only the method and target: the time text is
 * compared with the previous line's in place (every line of one second carries the same text).
 */
function recordAt(
  line: string,
  timeStart: number,
  timeEnd: number,
  requestStart: number,
  requestEnd: number,
  status: number,
): ParsedLine {
  let timeMs = lastTimeMs;
  if (lastTime.length !== timeEnd - timeStart || !line.startsWith(lastTime, timeStart)) {
    lastTime = line.slice(timeStart, timeEnd);
    timeMs = parseLogTime(lastTime);
    lastTimeMs = timeMs;
  }
  if (timeMs === undefined) return { problem: UNREADABLE_TIME };
  const methodEnd = line.indexOf(' ', requestStart);
  if (methodEnd !== -1 && methodEnd < requestEnd) {
    let targetEnd = line.indexOf(' ', methodEnd + 1);
    if (targetEnd === -1 || targetEnd > requestEnd) targetEnd = requestEnd;
    // "METHOD target" or "METHOD target HTTP/x"; nothing after the version.
    const next = targetEnd < requestEnd ? line.indexOf(' ', targetEnd + 1) : -1;
    const extra = next !== -1 && next < requestEnd;
    if (methodEnd > requestStart && targetEnd > methodEnd + 1 && !extra) {
      const method = line.slice(requestStart, methodEnd);
      const target = line.slice(methodEnd + 1, targetEnd);
      return { record: { timeMs, wholeSeconds: true, method, target, status } };
    }
  }
  return record(line.slice(timeStart, timeEnd), line.slice(requestStart, requestEnd), status);
}

const NOT_CLF = 'not in the Combined Log Format';
// Problems never quote the line: a recorded value may be a credential (docs/replay.md, "Secrets").
const UNREADABLE_TIME = 'unreadable time (expected [day/Mon/year:hh:mm:ss +zone])';

/** The three-digit status at `at`, followed by a space or the end of the line. */
function statusAt(line: string, at: number): number | undefined {
  let status = 0;
  for (let i = 0; i < 3; i++) {
    const digit = line.charCodeAt(at + i) - 48;
    if (!(digit >= 0 && digit <= 9)) return undefined;
    status = status * 10 + digit;
  }
  const after = line.charCodeAt(at + 3);
  return Number.isNaN(after) || after === 32 ? status : undefined;
}

/** Lines the hand cut does not take (a quoted user with spaces): the full pattern. */
function parseWithPattern(line: string): ParsedLine {
  const match = LINE.exec(line);
  if (match === null) return { problem: NOT_CLF };
  const [, time = '', request = '', status = ''] = match;
  return record(time, request, Number(status));
}

function record(time: string, request: string, status: number): ParsedLine {
  // Every line of one second carries the same time text: parse it once.
  const timeMs = time === lastTime ? lastTimeMs : parseLogTime(time);
  lastTime = time;
  lastTimeMs = timeMs;
  if (timeMs === undefined) return { problem: UNREADABLE_TIME };
  const methodEnd = request.indexOf(' ');
  const targetEnd = methodEnd === -1 ? -1 : request.indexOf(' ', methodEnd + 1);
  const method = methodEnd === -1 ? '' : request.slice(0, methodEnd);
  const target = methodEnd === -1 ? '' : request.slice(methodEnd + 1, targetEnd === -1 ? undefined : targetEnd);
  // "METHOD target" or "METHOD target HTTP/x"; nothing after the version.
  const extra = targetEnd !== -1 && request.indexOf(' ', targetEnd + 1) !== -1;
  if (method === '' || target === '' || extra) return { problem: 'no request line (method, target and version)' };
  return { record: { timeMs, wholeSeconds: true, method, target, status } };
}

/** `10/Oct/2000:13:55:36 -0700` → ms since the epoch; also the ISO-like `time_local` of nginx JSON logs. */
export function parseLogTime(text: string): number | undefined {
  const match = TIME.exec(text);
  if (match === null) return undefined;
  const [, day, monthName, year, hour, minute, second, fraction, sign, offsetHours, offsetMinutes] = match;
  const month = MONTHS[(monthName ?? '').toLowerCase()];
  if (month === undefined) return undefined;
  let utc = Date.UTC(Number(year), month, Number(day), Number(hour), Number(minute), Number(second));
  // Date.UTC reads years 0 to 99 as 1900 to 1999: set the year the line wrote.
  if (Number(year) < 100) utc = new Date(utc).setUTCFullYear(Number(year));
  const offsetMs = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 * (sign === '-' ? -1 : 1);
  const ms = fraction === undefined ? 0 : Number(`0.${fraction}`) * 1000;
  return utc - offsetMs + ms;
}
