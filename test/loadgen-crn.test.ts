/**
 * Common random numbers in the load engine: two runLoad calls with the same seed send the same
 * requests (kind, path, headers, body), arrival by arrival in the open model and connection by
 * connection in the closed model, against a real HTTP server that records what it received;
 * another seed sends others.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestTemplate } from '../packages/core/dist/index.js';
import { runLoad } from '../packages/loadgen/dist/index.js';
import { closedPhase, openPhase, plan } from './fixtures/servers-plans.js';

const MIX: RequestTemplate[] = [
  { weight: 3, method: 'GET', path: '/a/{{int 1 1000000}}', headers: {} },
  {
    weight: 1,
    method: 'POST',
    path: '/b/{{uuid}}',
    headers: { 'x-zone': '{{pick eu us ap}}' },
    json: { key: '{{uuid}}', size: '{{int 1 9}}' },
  },
];

interface Received {
  line: string;
  /** Which connection brought it (numbered in accept order). */
  socket: number;
}

/** Records every request as "METHOD URL x-zone BODY", in the order the requests complete arriving. */
class Recorder {
  readonly received: Received[] = [];
  private server: Server | undefined;
  private sockets = new WeakMap<Socket, number>();
  private accepted = 0;
  url = '';

  async start(): Promise<void> {
    const server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        const zone = request.headers['x-zone'] ?? '-';
        this.received.push({
          line: `${request.method} ${request.url} ${zone} ${body}`,
          socket: this.sockets.get(request.socket) ?? -1,
        });
        response.end('ok');
      });
    });
    server.on('connection', (socket: Socket) => this.sockets.set(socket, this.accepted++));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  take(): Received[] {
    return this.received.splice(0, this.received.length);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

/**
 * How far apart two recordings are when each request is placed where the other recording has it:
 * the largest displacement. Arrivals leave in order; only thread scheduling can swap neighbours.
 */
function largestDisplacement(a: readonly string[], b: readonly string[]): number {
  // A line may repeat (two arrivals can draw the same integer): its n-th copy matches the n-th copy.
  const numbered = (lines: readonly string[]): string[] => {
    const seen = new Map<string, number>();
    return lines.map((line) => {
      const n = (seen.get(line) ?? 0) + 1;
      seen.set(line, n);
      return `${line}#${n}`;
    });
  };
  const where = new Map<string, number>();
  for (const [index, line] of numbered(b).entries()) where.set(line, index);
  return Math.max(
    0,
    ...numbered(a).map((line, index) => Math.abs((where.get(line) ?? Number.POSITIVE_INFINITY) - index)),
  );
}

const sorted = (lines: readonly string[]): string[] => [...lines].sort();

describe('the same seed sends the same requests', () => {
  const recorder = new Recorder();
  beforeAll(() => recorder.start());
  afterAll(() => recorder.close());

  it('open model: arrival k is the same request with the same values, across workers, with a warm-up', async () => {
    const runWith = async (seed: number): Promise<string[]> => {
      recorder.take();
      const result = await runLoad({
        target: recorder.url,
        workers: 2,
        seed,
        // 100 req/s: arrivals 10 ms apart, so the server sees them in arrival order.
        plan: plan([openPhase(100, 1500)], { requests: MIX, warmup: openPhase(100, 300) }),
      });
      // A dropped arrival is not sent, and the two recordings could not be compared request by request.
      expect(result.errors.dropped, `seed ${seed}: arrivals dropped on a starved machine`).toBe(0);
      return recorder.take().map((request) => request.line);
    };
    const first = await runWith(41);
    const second = await runWith(41);
    const other = await runWith(42);
    expect(first.length).toBeGreaterThanOrEqual(170);
    // The same requests, the same number of times each…
    expect(sorted(second)).toEqual(sorted(first));
    // …in the same order, up to near neighbours the two worker threads swapped (10 places: 100 ms
    // of scheduling lag on a loaded machine).
    expect(largestDisplacement(first, second), 'largest displacement between the two runs').toBeLessThanOrEqual(10);
    // Both kinds were sent, with placeholders filled in.
    expect(first.some((line) => line.startsWith('POST /b/'))).toBe(true);
    expect(first.every((line) => !line.includes('{{'))).toBe(true);
    // Another seed: other draws (a uuid or a 1-in-a-million integer almost never repeats).
    const shared = new Set(first);
    expect(other.filter((line) => shared.has(line)).length).toBeLessThan(5);
  }, 30_000);

  it('closed model: each connection sends the same sequence (one a prefix of the other)', async () => {
    const runWith = async (seed: number): Promise<Map<number, string[]>> => {
      recorder.take();
      await runLoad({ target: recorder.url, workers: 2, seed, plan: plan([closedPhase(4, 800)], { requests: MIX }) });
      const bySocket = new Map<number, string[]>();
      for (const request of recorder.take()) {
        const lines = bySocket.get(request.socket) ?? [];
        lines.push(request.line);
        bySocket.set(request.socket, lines);
      }
      return bySocket;
    };
    const first = [...(await runWith(7)).values()];
    const second = [...(await runWith(7)).values()];
    const other = [...(await runWith(8)).values()];
    expect(first).toHaveLength(4);
    expect(second).toHaveLength(4);
    // Connections open in any order: match each by its first request.
    for (const sequence of first) {
      const twin = second.find((candidate) => candidate[0] === sequence[0]);
      expect(twin, `no connection of the second run began with ${sequence[0]}`).toBeDefined();
      const n = Math.min(sequence.length, twin?.length ?? 0);
      expect(n, 'requests on the shorter of the two connections').toBeGreaterThan(5);
      expect(twin?.slice(0, n)).toEqual(sequence.slice(0, n));
      // The connection's first request is a drawn one, never autocannon's placeholder.
      expect(sequence[0]).toMatch(/^(GET \/a\/|POST \/b\/)/);
    }
    const firsts = new Set(first.map((sequence) => sequence[0]));
    expect(other.filter((sequence) => firsts.has(sequence[0]))).toHaveLength(0);
  }, 30_000);
});
