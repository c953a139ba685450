/**
 * `peakgate serve` against hostile clients (issue 23, 11b and 11c), on a real listening server
 * with raw sockets: a JSON body nested 120,000 deep is a 400 naming the problem (never a 500 from a
 * stack overflow) and the next request still works; a client that trickles its headers or its body
 * one byte a second, or connects and sends nothing, is cut off within the request timeout, with or
 * without a token; a request without the token is answered 401 before its body is read. A named
 * scenario in the scenarios folder that is a FIFO, or a link out of the folder, is a 400 at once,
 * quoting nothing of the linked file.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComparisonMetrics } from '../../packages/controller/dist/index.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type StartedServer, serve } from '../../packages/server/dist/index.js';

const TOKEN = 'a-token-of-24-characters';
/** Short, so the test is: the default (15 s) is checked on the server object below. */
const REQUEST_TIMEOUT_MS = 2_000;
/**
 * Node checks its request timers every second and the trickle writes once a second; allow those
 * and a loaded 2-core machine. Without the limits these connections stay open for minutes.
 */
const SLACK_MS = 4_000;

let dataDir: string;
let open: StartedServer;
let guarded: StartedServer;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'peakgate-hostile-requests-'));
  const start = (sub: string, token?: string): Promise<StartedServer> =>
    serve({
      host: '127.0.0.1',
      port: 0,
      dataDir: path.join(dataDir, sub),
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      metrics: new ComparisonMetrics({ processMetrics: false }),
      ...(token !== undefined ? { token } : {}),
    });
  open = await start('open');
  guarded = await start('guarded', TOKEN);
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Trickled {
  /** When the server closed the connection, from the first byte written; null if it never did. */
  closedAfterMs: number | null;
  /** What the server sent back. */
  response: string;
  bytesSent: number;
}

/**
 * Writes `head` at once, then `trickle` one byte a second, until the server closes the socket or
 * `giveUpMs` passes (then the test closes it and reports null).
 */
function trickleTo(url: string, head: string, trickle: string, giveUpMs: number): Promise<Trickled> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const started = Date.now();
    let response = '';
    let bytesSent = 0;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (closedAfterMs: number | null): void => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs, response, bytesSent });
    };
    const giveUp = setTimeout(() => finish(null), giveUpMs);
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
    });
    // A write after the server's close fails with EPIPE/ECONNRESET: that is the close we wait for.
    socket.on('error', () => finish(Date.now() - started));
    socket.on('close', () => finish(Date.now() - started));
    socket.on('connect', () => {
      if (head !== '') {
        socket.write(head);
        bytesSent += head.length;
      }
      let next = 0;
      timer = setInterval(() => {
        if (next >= trickle.length || socket.destroyed) return;
        socket.write(trickle[next] as string);
        next++;
        bytesSent++;
      }, 1_000);
    });
  });
}

const deepBody = (depth: number): string =>
  `{"inline":{"name":"deep","load":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

describe('a deeply nested JSON body', () => {
  it('is a 400 naming the nesting depth, and the server keeps serving', async () => {
    for (const server of [open, guarded]) {
      const response = await fetch(`${server.url}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: deepBody(120_000),
      });
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(body.error.code).toBe('PG_ERR_SERVER_REQUEST_INVALID');
      expect(body.error.message).toMatch(/nesting depth over 64/);
      const next = await fetch(`${server.url}/runs`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(next.status).toBe(200);
      expect(((await next.json()) as { runs: unknown[] }).runs).toEqual([]);
    }
  });

  it('a body nested just within the limit is judged on its content, not refused for depth', async () => {
    const response = await fetch(`${open.url}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"inline":{"name":"ok","load":${'['.repeat(60)}${']'.repeat(60)}}}`,
    });
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(response.status).toBe(400);
    expect(body.error.message).not.toMatch(/nesting depth/);
  });
});

describe('a slow client', () => {
  it('has the bounded timeouts by default: 15 s a request, 10 s for headers, 5 s keep-alive', () => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(15_000);
    // This server was given 2 s; headers get at most that, the check runs every second.
    expect(open.app.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(open.app.server.headersTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(open.app.server.keepAliveTimeout).toBe(5_000);
  });

  it('is cut off within the request timeout: trickled body, trickled headers, nothing sent, with and without a token', async () => {
    const body = '{"inline":"name: x"}'.padEnd(200, ' ');
    const postHead = (auth: string): string =>
      `POST /runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${auth}Content-Length: ${body.length}\r\n\r\n`;
    const giveUp = REQUEST_TIMEOUT_MS + SLACK_MS + 10_000;
    const [openBody, guardedBody, noToken, headers, silent] = await Promise.all([
      trickleTo(open.url, postHead(''), body, giveUp),
      trickleTo(guarded.url, postHead(`Authorization: Bearer ${TOKEN}\r\n`), body, giveUp),
      trickleTo(guarded.url, postHead(''), body, giveUp),
      trickleTo(open.url, '', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`, giveUp),
      trickleTo(open.url, '', '', giveUp),
    ]);
    for (const [what, run] of Object.entries({ openBody, guardedBody, noToken, headers, silent })) {
      expect(run.closedAfterMs, `${what}: ${JSON.stringify(run)}`).not.toBeNull();
      expect(run.closedAfterMs as number, what).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + SLACK_MS);
    }
    // The trickled body was still being sent when the server gave up on it.
    expect(openBody.bytesSent).toBeLessThan(postHead('').length + body.length);
    expect(openBody.response).toMatch(/^HTTP\/1\.1 408/);
    // Without the token: 401 at once, before the body was read.
    expect(noToken.response).toMatch(/^HTTP\/1\.1 401/);
    expect(noToken.response).toContain('PG_ERR_SERVER_UNAUTHORIZED');
    // The server still answers.
    expect((await fetch(`${open.url}/healthz`)).status).toBe(200);
  });
});

describe('a named scenario from the scenarios folder (red team of issue 23)', () => {
  const RUNNER_TOKEN = 'gho_16C7e42F292c6912E7710c838347Ae178B4a';
  let named: StartedServer;
  beforeAll(async () => {
    const scenarios = path.join(dataDir, 'scenarios');
    const victim = path.join(dataDir, 'victim');
    await mkdir(scenarios);
    await mkdir(victim);
    // A runner's file shaped like a scenario: a schema error would quote the token where a port belongs.
    await writeFile(
      path.join(victim, 'hosts.yml'),
      `name: gh\nload: { phases: [{ duration: 1s, rate: 1 }], requests: [{ path: / }] }\nservice: { port: ${RUNNER_TOKEN} }\n`,
    );
    await symlink(path.join(victim, 'hosts.yml'), path.join(scenarios, 'leak.yaml'));
    execFileSync('mkfifo', [path.join(scenarios, 'hang.yaml')]);
    named = await serve({
      host: '127.0.0.1',
      port: 0,
      dataDir: path.join(dataDir, 'named'),
      scenariosDir: scenarios,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      metrics: new ComparisonMetrics({ processMetrics: false }),
    });
  });
  afterAll(async () => {
    await named?.close();
  });

  it.each([
    ['a FIFO', 'hang', 'not a regular file (a FIFO)'],
    ['a link out of the folder', 'leak', 'a link that leads outside the scenarios folder'],
  ])('%s: 400 PG_ERR_SCENARIO_READ at once, nothing of the file quoted', async (_what, name, words) => {
    const started = Date.now();
    const response = await fetch(`${named.url}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario: name, baseline: 'shop:1', candidate: 'shop:2' }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + SLACK_MS),
    });
    const text = await response.text();
    expect(response.status, text).toBe(400);
    expect(text).toContain('PG_ERR_SCENARIO_READ');
    expect(text).toContain(words);
    expect(text).not.toContain(RUNNER_TOKEN);
    // Before: the FIFO held the request (and a thread of libuv's pool) until the client gave up.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
