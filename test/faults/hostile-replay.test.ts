/**
 * Issue 23, items 9 and 10: `peakgate replay` on hostile input, through the real CLI.
 *
 * 9. Input that used to spin or hang: a 2-line log whose times are years 0001 and 9999 (the rate
 *    steps walked every second of the span), a 20 MB gzip of zeros and a small file of zeros named
 *    .har (the sniffer decompressed everything looking for a line end), a FIFO, /dev/zero and
 *    /dev/urandom (read forever). Each now ends in bounded time with a clear exit-2 error.
 * 10. Secrets that were written verbatim: every form of the issue, in an access log, JSON lines and
 *    a HAR, is absent from the written scenario and from stdout and stderr, while the parts that are
 *    not secrets survive; a JSON body ending in `}}` replays as a request; a skipped line's message
 *    does not quote the line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type CliRun, explainRun, runPeakgate } from '../cli-support.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-hostile-replay-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const replay = (args: string[]): Promise<CliRun> => runPeakgate(['replay', ...args], 30_000);

/** Runs replay and returns the run with its wall-clock time. */
async function timed(args: string[]): Promise<CliRun & { ms: number }> {
  const started = Date.now();
  const run = await replay(args);
  return { ...run, ms: Date.now() - started };
}

describe('replay ends in bounded time on input that used to spin or hang (item 9)', () => {
  it('a 2-line log spanning years 0001 to 9999: refused at once, naming --window and --speed; --peak-rate makes it a short run', async () => {
    const log = path.join(dir, 'span.log');
    await writeFile(
      log,
      [
        '192.0.2.1 - - [01/Jan/0001:00:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "-"',
        '192.0.2.1 - - [31/Dec/9999:23:59:59 +0000] "GET /b HTTP/1.1" 200 1 "-" "-"',
        '',
      ].join('\n'),
    );
    const out = path.join(dir, 'span.yaml');
    const run = await timed([log, '--out', out]);
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.ms).toBeLessThan(5_000);
    expect(run.stderr).toContain('[PG_ERR_REPLAY_SPAN]');
    expect(run.stderr).toContain('the recorded times run from 0001-01-01T00:00:00.000Z');
    expect(run.stderr).toContain('--window START..END');
    expect(run.stderr).toContain('--speed');
    expect(run.stderr).not.toContain('    at ');
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
    // Sped up to a peak rate, the same span is a valid, short scenario: still computed in O(lines).
    const fast = await timed([log, '--out', out, '--peak-rate', '100']);
    expect(fast.code, explainRun(fast)).toBe(0);
    expect(fast.ms).toBeLessThan(5_000);
    const validate = await runPeakgate(['validate', out], 30_000);
    expect(validate.code, explainRun(validate)).toBe(0);
    // A timeline cannot go faster than 10000x: refused before anything is written.
    const timelineOut = path.join(dir, 'span-timeline.yaml');
    const timeline = await timed([log, '--out', timelineOut, '--peak-rate', '100', '--timeline']);
    expect(timeline.code, explainRun(timeline)).toBe(2);
    expect(timeline.stderr).toContain('a timeline replays at most 10000x');
    await expect(readFile(timelineOut)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(path.join(dir, 'span-timeline.timeline'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a 20 MB gzip of zeros is refused as a decompression bomb in bounded time, whatever its name', async () => {
    // 1,225 gzip members of 16 MiB of zeros each: 20 MB on disk, 20 GB decompressed.
    const member = gzipSync(Buffer.alloc(16 << 20));
    const bomb = path.join(dir, 'zeros.log.gz');
    const handle = await open(bomb, 'w');
    for (let written = 0; written < 20e6; written += member.length) await handle.write(member);
    await handle.close();
    await writeFile(path.join(dir, 'zeros.har'), await readFile(bomb));
    for (const name of ['zeros.log.gz', 'zeros.har']) {
      const run = await timed([path.join(dir, name), '--out', path.join(dir, 'bomb.yaml')]);
      expect(run.code, explainRun(run)).toBe(2);
      expect(run.ms).toBeLessThan(5_000);
      expect(run.stderr).toContain('[PG_ERR_REPLAY_READ]');
      expect(run.stderr).toContain('expands more than 200 times');
      expect(run.stderr).toContain('decompression bomb');
    }
  });

  it('a small file of zeros named .har is refused as not JSON, without quoting it', async () => {
    const zeros = path.join(dir, 'small-zeros.har');
    await writeFile(zeros, Buffer.alloc(1 << 20));
    const run = await timed([zeros, '--out', path.join(dir, 'small.yaml')]);
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.ms).toBeLessThan(5_000);
    expect(run.stderr).toContain('small-zeros.har: not JSON');
    expect(run.stderr).not.toContain('\u0000');
  });

  it.each([
    ['a FIFO', 'fifo.log', 'it is not a regular file (a FIFO)'],
    ['/dev/zero', '/dev/zero', 'it is not a regular file (a character device)'],
    ['/dev/urandom', '/dev/urandom', 'it is not a regular file (a character device)'],
    ['a folder', '.', 'it is a directory'],
  ])('%s is refused at once', async (_what, name, words) => {
    if (name === 'fifo.log') execFileSync('mkfifo', [path.join(dir, name)]);
    const file = name.startsWith('/') ? name : path.join(dir, name);
    const run = await timed([file, '--out', path.join(dir, 'dev.yaml')]);
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.ms).toBeLessThan(5_000);
    expect(run.stderr).toContain(words);
    expect(run.stderr).toContain('[PG_ERR_REPLAY_READ]');
  });
});

/**
 * Every secret form of item 10, each with its own made-up value so a leak names itself. The values
 * look like what they stand for (a key is long and random-looking, a JWT is a JWT).
 */
const SECRETS = {
  queryKey: 'AIzaSyFakeQueryKey0001xQ7vL2mN8pR4tW',
  queryAccessKey: 'AKIAFAKEACCESSKEY002',
  queryAuthorization: 'fakeQueryAuthorization003',
  phpSessionId: 'fakephpsessid004aa',
  sessionId: 'fakesessionid005aa',
  jsessionId: 'FAKEJSESSIONID006AA',
  ocpApimKey: 'fakeocpapimsubscription007',
  functionsKey: 'fakefunctionskey008',
  ddApplicationKey: 'fakeddapplicationkey009',
  clientCert: 'fakeforwardedclientcert010',
  jsonAuthorization: 'fakejsonauthorization011',
  jsonKey: 'sk-fakejsonkey-00000012',
  jsonOtp: 'fakeotp013',
  jsonApiKeyA: 'fakeapikeysA014',
  jsonApiKeyB: 'fakeapikeysB015',
  multipartPassword: 'fakemultipartpassword016',
  formPin: 'fakeformpin017',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYWtlMDE4In0.fakeJwtSignature018Xy',
  botToken: '123456789:AAFakeBotToken019abcdefghijklmnopqrs',
  skippedToken: 'fakeskippedtoken020',
} as const;

/** A number an OTP may be: JSON numbers under a credential's name are scrubbed too. */
const OTP_NUMBER = 914_273;

const TIME = '10/Mar/2026:10:00:0';
const clf = (second: number, request: string): string =>
  `192.0.2.7 - - [${TIME}${second} +0000] "${request}" 200 12 "-" "curl/8.0"`;

/** The request targets every format carries (query and path secrets), with parts that must survive. */
const TARGETS = [
  `/api/orders/41?page=2&key=${SECRETS.queryKey}`,
  `/api/orders/42?page=3&access_key=${SECRETS.queryAccessKey}`,
  `/api/search?q=shoes&authorization=${SECRETS.queryAuthorization}`,
  `/api/cart?PHPSESSID=${SECRETS.phpSessionId}&session_id=${SECRETS.sessionId}`,
  `/shop/cart;jsessionid=${SECRETS.jsessionId}/items`,
  `/api/tokens/${SECRETS.jwt}/info`,
  `/bot${SECRETS.botToken}/sendMessage`,
];

function accessLog(): string {
  const lines = TARGETS.map((target, index) => clf(index, `GET ${target} HTTP/1.1`));
  // A line replay cannot read, holding a token: skipped, and its message must not quote it.
  lines.push(clf(8, `GET /x?token=${SECRETS.skippedToken} HTTP/1.1 extra`));
  return `${lines.join('\n')}\n`;
}

function jsonLines(): string {
  const lines = TARGETS.map((target, index) =>
    JSON.stringify({
      time: `2026-03-10T10:00:0${index}Z`,
      method: 'GET',
      path: target,
      status: 200,
      // Fields replay does not write; their values must not show up anywhere either.
      authorization: `Bearer ${SECRETS.jsonAuthorization}`,
      api_keys: [SECRETS.jsonApiKeyA],
    }),
  );
  lines.push(JSON.stringify({ time: 'never', path: `/x?token=${SECRETS.skippedToken}` }));
  return `${lines.join('\n')}\n`;
}

function har(): string {
  const boundary = '----peakgateBoundary7MA4YWxkTrZu0gW';
  const entry = (
    second: number,
    method: string,
    target: string,
    headers: Array<[string, string]>,
    postData?: { mimeType: string; text: string },
  ) => ({
    startedDateTime: `2026-03-10T10:00:${String(second).padStart(2, '0')}.000Z`,
    request: {
      method,
      url: `http://127.0.0.1:8080${target}`,
      headers: headers.map(([name, value]) => ({ name, value })),
      ...(postData === undefined ? {} : { postData }),
    },
    response: { status: 200 },
  });
  const entries = [
    ...TARGETS.map((target, index) => entry(index, 'GET', target, [['accept', 'application/json']])),
    entry(10, 'GET', '/api/azure', [
      ['accept', 'application/json'],
      ['Ocp-Apim-Subscription-Key', SECRETS.ocpApimKey],
      ['X-Functions-Key', SECRETS.functionsKey],
      ['DD-Application-Key', SECRETS.ddApplicationKey],
      ['X-Forwarded-Client-Cert', `By=spiffe://cluster.local/ns/x;Hash=${SECRETS.clientCert}`],
    ]),
    entry(11, 'POST', '/api/login', [['content-type', 'application/json']], {
      mimeType: 'application/json',
      text: JSON.stringify({
        user: 'alice',
        authorization: `Basic ${SECRETS.jsonAuthorization}`,
        key: SECRETS.jsonKey,
        otp: SECRETS.jsonOtp,
        second_factor: { otp: OTP_NUMBER },
        api_keys: [SECRETS.jsonApiKeyA, SECRETS.jsonApiKeyB],
        note: 'keep me',
      }),
    }),
    entry(12, 'POST', '/api/upload', [['content-type', `multipart/form-data; boundary=${boundary}`]], {
      mimeType: `multipart/form-data; boundary=${boundary}`,
      text: [
        `--${boundary}`,
        'Content-Disposition: form-data; name="username"',
        '',
        'alice',
        `--${boundary}`,
        'Content-Disposition: form-data; name="password"',
        '',
        SECRETS.multipartPassword,
        `--${boundary}--`,
        '',
      ].join('\r\n'),
    }),
    entry(13, 'POST', '/api/pin', [['content-type', 'application/x-www-form-urlencoded']], {
      mimeType: 'application/x-www-form-urlencoded',
      text: `user=alice&pin=${SECRETS.formPin}`,
    }),
    // A JSON body ending in `}}`: it used to collide with the placeholder syntax.
    entry(14, 'POST', '/api/orders', [['content-type', 'application/json']], {
      mimeType: 'application/json',
      text: '{"order":{"id":7,"lines":[{"sku":"A-1","qty":2}]}}',
    }),
    // An entry replay cannot read (no time), holding a token in its URL.
    { request: { method: 'GET', url: `http://127.0.0.1:8080/x?token=${SECRETS.skippedToken}` } },
  ];
  return JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } }, null, 2);
}

/** What must not leak: each secret value, and the OTP number as written. */
function leaks(text: string): string[] {
  const found: string[] = Object.entries(SECRETS)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
  if (text.includes(String(OTP_NUMBER))) found.push('otpNumber');
  return found;
}

describe('replay keeps every secret form out of the scenario and the output (item 10)', () => {
  it.each([
    ['an access log', 'corpus.log', accessLog, 'combined'],
    ['JSON lines', 'corpus.jsonl', jsonLines, 'jsonl'],
    ['a HAR', 'corpus.har', har, 'har'],
  ])('%s', async (_what, name, make, format) => {
    const input = path.join(dir, name);
    await writeFile(input, make());
    const out = path.join(dir, `${name}.yaml`);
    const run = await replay([input, '--out', out]);
    expect(run.code, explainRun(run)).toBe(0);
    const scenario = await readFile(out, 'utf8');
    const json = await replay([input, '--out', path.join(dir, `${name}-2.yaml`), '--json']);
    expect(json.code, explainRun(json)).toBe(0);
    for (const text of [scenario, run.stdout, run.stderr, json.stdout, json.stderr])
      expect(leaks(text), `${format}:\n${text}`).toEqual([]);
    expect(run.stdout).toContain(`(${format}): `);
    expect(run.stdout).toMatch(/1 skipped/);
    // What is not a secret survives.
    for (const part of [
      '/api/orders/41?page=2&key={{env REPLAY_QUERY_KEY}}',
      '/api/orders/42?page=3&access_key={{env REPLAY_QUERY_ACCESS_KEY}}',
      '/api/search?q=shoes&authorization={{env REPLAY_QUERY_AUTHORIZATION}}',
      '/api/cart?PHPSESSID={{env REPLAY_QUERY_PHPSESSID}}&session_id={{env REPLAY_QUERY_SESSION_ID}}',
      '/shop/cart;jsessionid={{env REPLAY_PATH_JSESSIONID}}/items',
      '/api/tokens/{{env REPLAY_PATH_TOKENS}}/info',
      '/{{env REPLAY_PATH_1}}/sendMessage',
    ])
      expect(scenario).toContain(part);
    if (format === 'har') {
      for (const part of [
        'ocp-apim-subscription-key: "{{env REPLAY_OCP_APIM_SUBSCRIPTION_KEY}}"',
        'x-functions-key: "{{env REPLAY_X_FUNCTIONS_KEY}}"',
        'dd-application-key: "{{env REPLAY_DD_APPLICATION_KEY}}"',
        'x-forwarded-client-cert: "{{env REPLAY_X_FORWARDED_CLIENT_CERT}}"',
        'accept: application/json',
        'user: alice',
        'note: keep me',
        'authorization: "{{env REPLAY_BODY_AUTHORIZATION}}"',
        'key: "{{env REPLAY_BODY_KEY}}"',
        'otp: "{{env REPLAY_BODY_OTP}}"',
        '- "{{env REPLAY_BODY_API_KEYS_1}}"',
        '- "{{env REPLAY_BODY_API_KEYS_2}}"',
        'body: user=alice&pin={{env REPLAY_BODY_PIN}}',
      ])
        expect(scenario).toContain(part);
      const requests = (
        parse(scenario) as { load: { requests: Array<{ path: string; body?: string; json?: unknown }> } }
      ).load.requests;
      const upload = requests.find((request) => request.path === '/api/upload')?.body ?? '';
      expect(upload).toContain('name="username"\r\n\r\nalice\r\n');
      expect(upload).toContain('name="password"\r\n\r\n{{env REPLAY_BODY_PASSWORD}}\r\n');
      expect(requests.find((request) => request.path === '/api/login')?.json).toMatchObject({
        user: 'alice',
        note: 'keep me',
        second_factor: { otp: '{{env REPLAY_BODY_OTP}}' },
      });
    }
    // Placeholders to set are listed, and the scenario is valid as written (given those variables).
    const { secrets } = JSON.parse(json.stdout) as { secrets: string[] };
    expect(secrets).toContain('REPLAY_QUERY_KEY');
    for (const secret of secrets) expect(run.stdout).toContain(secret);
    const validate = await runPeakgate(['validate', out, ...secrets.flatMap((name) => ['--env', name])], 30_000);
    expect(validate.code, explainRun(validate)).toBe(0);
  });

  it('a JSON body ending in "}}" replays as a request, not a skipped entry', async () => {
    const input = path.join(dir, 'corpus.har');
    await writeFile(input, har());
    const run = await replay([input, '--out', path.join(dir, 'braces.yaml'), '--json']);
    expect(run.code, explainRun(run)).toBe(0);
    const report = JSON.parse(run.stdout) as { used: number; skipped: number; problems: unknown[] };
    // 7 targets, the headers entry and 4 POSTs are used; only the entry without a time is skipped.
    expect(report).toMatchObject({ used: 12, skipped: 1 });
    expect(report.problems).toEqual([{ line: 13, message: 'entry without a readable startedDateTime' }]);
    const scenario = parse(await readFile(path.join(dir, 'braces.yaml'), 'utf8')) as {
      load: { requests: Array<{ path: string; json?: unknown }> };
    };
    expect(scenario.load.requests.find((request) => request.path === '/api/orders')?.json).toEqual({
      order: { id: 7, lines: [{ sku: 'A-1', qty: 2 }] },
    });
  });

  it('a skipped line is reported by its number and reason, never its text', async () => {
    const input = path.join(dir, 'skip.log');
    await writeFile(input, accessLog());
    const run = await replay([input, '--out', path.join(dir, 'skip.yaml')]);
    expect(run.code, explainRun(run)).toBe(0);
    expect(run.stdout).toContain('skipped line 8: no request line (method, target and version)');
    expect(run.stdout).not.toContain('token=');
  });
});
