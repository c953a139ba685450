import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogSink } from './log-sink.js';
import { waitForReady } from './readiness.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-readiness-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('waitForReady over HTTP', () => {
  it('reads only the status of a probe: a build answering 500 with an endless body holds one connection at a time (issue 23 red team)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let open = 0;
    let mostOpen = 0;
    let probes = 0;
    const server = http.createServer((request, response) => {
      probes++;
      response.writeHead(500);
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk)) {
          // Fill the socket until it pushes back, then wait for drain.
        }
      };
      response.on('drain', pump);
      pump();
      request.on('close', () => response.destroy());
    });
    server.on('connection', (socket) => {
      open++;
      mostOpen = Math.max(mostOpen, open);
      socket.on('close', () => open--);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const logs = await LogSink.create(dir, 'endless', 1);
    try {
      const outcome = await waitForReady({
        check: { kind: 'http', path: '/ready', timeoutMs: 1500 },
        port: (server.address() as AddressInfo).port,
        logs,
        ended: new Promise(() => undefined),
        pollMs: 20,
      });
      expect(outcome.ok).toBe(false);
      expect(probes).toBeGreaterThan(10);
      // Before: each probe's response was resumed and kept streaming, one more connection every poll.
      expect(mostOpen).toBeLessThanOrEqual(2);
    } finally {
      await logs.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 10_000);
});
