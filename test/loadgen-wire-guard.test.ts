/**
 * A hostile request handed to the load engine directly (not through the scenario loader) must not
 * reach the wire: a raw TCP server on 127.0.0.1 records every byte it receives. Before the guard,
 * the closed model (autocannon) wrote a path or header holding CR LF as it was, so a smuggled second
 * request and an injected `Host:` header arrived at the server; the open model failed every request
 * as `other` and the run still succeeded. Now runLoad refuses the plan before it opens a connection.
 * The same holds for framing headers a request may not set (content-length, transfer-encoding, host,
 * connection, upgrade, …: issue 23): the closed model sent `content-length: 0` with
 * `transfer-encoding: chunked` and a body holding `GET /SMUGGLED` as written.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPeakgateError, type RequestTemplate } from '../packages/core/dist/index.js';
import { runLoad } from '../packages/loadgen/dist/index.js';
import { closedPhase, openPhase, plan } from './fixtures/servers-plans.js';

/** A listening TCP server that keeps what it receives and answers each request head with an empty 200. */
interface RawServer {
  url: string;
  connections: number;
  received(): string;
  reset(): void;
  close(): Promise<void>;
}

async function startRawServer(): Promise<RawServer> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const heads = chunk.toString('latin1').split('\r\n\r\n').length - 1;
      for (let i = 0; i < heads; i++) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get connections() {
      return state.connections;
    },
    received: () => Buffer.concat(chunks).toString('latin1'),
    reset: () => {
      chunks.length = 0;
      state.connections = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const hostile: Array<[string, RequestTemplate]> = [
  [
    'a path smuggling a second request',
    { weight: 1, method: 'GET', path: '/a HTTP/1.1\r\nHost: x\r\n\r\nGET /smuggled', headers: {} },
  ],
  ['a header value injecting Host', { weight: 1, method: 'GET', path: '/', headers: { 'x-a': 'v\r\nHost: evil' } }],
  ['a header name injecting Host', { weight: 1, method: 'GET', path: '/', headers: { 'x-a: v\r\nHost': 'evil' } }],
  ['a {{pick}} option holding CR', { weight: 1, method: 'GET', path: '/{{pick a\rb}}', headers: {} }],
  [
    'a method with a space',
    { weight: 1, method: 'GET /smuggled' as RequestTemplate['method'], path: '/', headers: {} },
  ],
  // Issue 23: the closed model sent these as written (808 smuggled requests in a second); the open
  // model's undici refused them per request. Both now refuse the plan: the client owns framing.
  [
    'content-length: 0 with transfer-encoding: chunked and a request in the body',
    {
      weight: 1,
      method: 'POST',
      path: '/',
      headers: { 'Content-Length': '0', 'Transfer-Encoding': 'chunked' },
      body: '0\r\n\r\nGET /SMUGGLED HTTP/1.1\r\nhost: x\r\n\r\n',
    },
  ],
  ['a second host', { weight: 1, method: 'GET', path: '/', headers: { HOST: 'evil.example' } }],
  ['connection: upgrade', { weight: 1, method: 'GET', path: '/', headers: { connection: 'Upgrade', upgrade: 'h2c' } }],
];

describe('the load engine refuses requests that would not reach the wire as written', () => {
  let server: RawServer;
  beforeAll(async () => {
    server = await startRawServer();
  });
  afterAll(() => server.close());

  it('the raw server records what a normal run sends (so an empty record below means nothing was sent)', async () => {
    server.reset();
    await runLoad({
      target: server.url,
      workers: 1,
      plan: plan([closedPhase(1, 300)], {
        requests: [{ weight: 1, method: 'GET', path: '/ok', headers: { 'x-a': 'v' } }],
      }),
    });
    expect(server.connections).toBeGreaterThan(0);
    expect(server.received()).toMatch(/^GET \/ok HTTP\/1\.1\r\n/);
    expect(server.received()).toContain('x-a: v\r\n');
  });

  it('the closed model frames a body itself: one request, content-length of the body, no transfer-encoding', async () => {
    server.reset();
    const body = 'GET /not-a-request HTTP/1.1';
    await runLoad({
      target: server.url,
      workers: 1,
      plan: plan([closedPhase(1, 300)], { requests: [{ weight: 1, method: 'POST', path: '/in', headers: {}, body }] }),
    });
    const received = server.received();
    const heads = received.split(body).filter((part) => part.length > 0);
    expect(heads.length).toBeGreaterThan(0);
    for (const head of heads) {
      expect(head).toMatch(/^POST \/in HTTP\/1\.1\r\n/);
      expect(head.toLowerCase()).toContain(`content-length: ${body.length}\r\n`);
      expect(head.toLowerCase()).not.toContain('transfer-encoding');
    }
  });

  for (const model of ['closed', 'open'] as const) {
    it.each(hostile)(
      `${model} model: %s is refused with PG_ERR_SCENARIO_INVALID and no byte is sent`,
      async (_, request) => {
        server.reset();
        const phase = model === 'closed' ? closedPhase(2, 500) : openPhase(100, 500);
        const run = runLoad({ target: server.url, workers: 1, plan: plan([phase], { requests: [request] }) });
        const error = await run.then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(isPeakgateError(error) && error.code).toBe('PG_ERR_SCENARIO_INVALID');
        expect((error as Error).message).toMatch(/^load\.requests\[0\]\.(path|method|headers)/);
        // Give anything that might have been sent time to arrive.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(server.connections).toBe(0);
        expect(server.received()).toBe('');
      },
    );
  }
});
