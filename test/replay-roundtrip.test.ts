/**
 * The round trip: a fixture log → `peakgate replay` → `peakgate run --target` against a real HTTP
 * server on 127.0.0.1 that counts requests per template and when they arrived. The log's own mix and
 * rate are counted here straight from its lines (not through the importer), so the test checks the
 * importer and the load engine together.
 *
 * Two scenarios from the same 20 s of log (5 s at 60 req/s, 10 s at 100 req/s... see make-fixtures.mjs),
 * replayed 4x faster (5 s, 240 then 400 req/s):
 * - the timeline replays the exact request sequence: its mix must be within 2 points of the log's
 *   (it is the same sequence) and each second's arrivals within 5% of the scaled log's;
 * - the rate steps draw each request from the weights at random: each phase's rate must be within 5%
 *   of the scaled log's, and the mix within the binomial noise of that draw (4 standard errors).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from './cli-support.js';
import { startHttpServer, type TestServer } from './fixtures/servers.js';

const LOG = path.join('test', 'fixtures', 'replay', 'access.log');
const WINDOW_START = Date.UTC(2026, 2, 1, 10, 0, 0);
const WINDOW_SECONDS = 20;
const SPEED = 4;

/** The template a request belongs to, by its path (what the importer should have found). */
function templateOf(method: string, target: string): string {
  const pathOnly = target.split('?')[0] ?? '';
  if (pathOnly === '/route') return `${method} /route`;
  if (/^\/api\/products\/\d+$/.test(pathOnly)) return `${method} /api/products/:id`;
  if (/^\/api\/users\/[0-9a-f-]{36}\/orders$/.test(pathOnly)) return `${method} /api/users/:uuid/orders`;
  return `${method} ${pathOnly}`;
}

interface Counted {
  byTemplate: Map<string, number>;
  total: number;
}

const share = (counted: Counted, template: string): number => (counted.byTemplate.get(template) ?? 0) / counted.total;

/** The log's requests in the window, per template and per (scaled) second, read from the lines directly. */
async function countLog(): Promise<Counted & { perScaledSecond: number[] }> {
  const text = await readFile(LOG, 'utf8');
  const byTemplate = new Map<string, number>();
  const perScaledSecond = Array.from({ length: WINDOW_SECONDS / SPEED }, () => 0);
  let total = 0;
  const line = /\[(\d+)\/Mar\/2026:10:00:(\d+) \+0000\] "(GET|POST) (\S+) HTTP\/1\.1"/;
  for (const row of text.split('\n')) {
    const match = line.exec(row);
    if (match === null || match[1] !== '01') continue;
    const second = Number(match[2]);
    if (second >= WINDOW_SECONDS) continue;
    const template = templateOf(match[3] ?? '', match[4] ?? '');
    byTemplate.set(template, (byTemplate.get(template) ?? 0) + 1);
    perScaledSecond[Math.floor(second / SPEED)] = (perScaledSecond[Math.floor(second / SPEED)] ?? 0) + 1;
    total++;
  }
  return { byTemplate, total, perScaledSecond };
}

describe('replay round trip: log → scenario → run against a real server', () => {
  let server: TestServer;
  let dir: string;
  const served: Array<{ template: string; atMs: number }> = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-roundtrip-'));
    server = await startHttpServer((request, response) => {
      served.push({ template: templateOf(request.method ?? '', request.url ?? ''), atMs: performance.now() });
      request.resume();
      request.on('end', () => response.end('ok'));
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function importAndRun(
    name: string,
    extra: string[],
  ): Promise<{
    result: {
      phases: Array<{
        name: string;
        rate: { asked: number; achieved: number };
        requests: { total: number; errors: number };
      }>;
      schedule?: { lateness: { p99: number } };
    };
    counted: Counted;
    perSecond: number[];
  }> {
    const out = path.join(dir, `${name}.yaml`);
    const window = `${new Date(WINDOW_START).toISOString()}..${new Date(WINDOW_START + WINDOW_SECONDS * 1000).toISOString()}`;
    const imported = await runPeakgate(
      ['replay', LOG, '--out', out, '--window', window, '--speed', `${SPEED}x`, '--warmup', '0s', ...extra],
      60_000,
    );
    expect(imported.code, explainRun(imported)).toBe(0);
    served.length = 0;
    const run = await runPeakgate(['run', out, '--target', server.url, '--json', '--workers', '1'], 60_000);
    expect(run.code, explainRun(run)).toBe(0);
    const byTemplate = new Map<string, number>();
    for (const { template } of served) byTemplate.set(template, (byTemplate.get(template) ?? 0) + 1);
    const first = served[0]?.atMs ?? 0;
    const perSecond = Array.from({ length: WINDOW_SECONDS / SPEED }, () => 0);
    for (const { atMs } of served) {
      const second = Math.floor((atMs - first) / 1000);
      if (second < perSecond.length) perSecond[second] = (perSecond[second] ?? 0) + 1;
    }
    return { result: JSON.parse(run.stdout), counted: { byTemplate, total: served.length }, perSecond };
  }

  it('the timeline replays the log: mix within 2 points, every second within 5% of the scaled log', async () => {
    const log = await countLog();
    expect(log.total).toBe(1600);
    const { result, counted, perSecond } = await importAndRun('timeline', ['--timeline']);
    expect(result.phases[0]?.requests).toMatchObject({ total: 1600, errors: 0 });
    expect(counted.total).toBe(1600);
    for (const template of log.byTemplate.keys())
      expect(Math.abs(share(counted, template) - share(log, template)) * 100, template).toBeLessThanOrEqual(2);
    // Seconds measured at the server from its first request: 240, 240, 320, 400, 400 req/s expected.
    perSecond.forEach((count, second) => {
      const expected = log.perScaledSecond[second] ?? 0;
      expect(Math.abs(count - expected) / expected, `second ${second}: ${count} vs ${expected}`).toBeLessThanOrEqual(
        0.05,
      );
    });
    expect(result.schedule?.lateness.p99).toBeGreaterThan(0);
  });

  it('the rate steps replay the curve within 5% and the mix within the noise of a weighted draw', async () => {
    const log = await countLog();
    const { result, counted } = await importAndRun('steps', []);
    // Two steps: 5 s at 60 req/s and 10 s at 100 req/s of log, 4x faster.
    expect(result.phases.map((phase) => phase.rate.asked)).toEqual([240, 400]);
    for (const phase of result.phases) {
      expect(phase.requests.errors).toBe(0);
      expect(Math.abs(phase.rate.achieved - (phase.rate.asked ?? 0)) / (phase.rate.asked ?? 1)).toBeLessThanOrEqual(
        0.05,
      );
    }
    expect(Math.abs(counted.total - log.total) / log.total).toBeLessThanOrEqual(0.05);
    for (const template of log.byTemplate.keys()) {
      const p = share(log, template);
      const noise = 4 * Math.sqrt((p * (1 - p)) / counted.total);
      expect(Math.abs(share(counted, template) - p), template).toBeLessThanOrEqual(noise);
    }
  });
});
