/**
 * Fault matrix, the load engine's bounds: a phase that overruns its end is told to stop after its
 * duration + the request timeout + 5 s, and measured phases that recorded nothing at all are
 * PG_ERR_LOAD_FAILED (exit 3), never a clean run. Both are forced with a real server that answers
 * with headers and then trickles its body one byte every 200 ms, forever: the request timeout
 * (undici's, an idle timeout between chunks) never fires, so the requests in flight at the
 * phase's end never finish, and only the overrun bound ends the phase.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from '../cli-support.js';

let dir = '';
let scenario = '';
let server: Server;
let base = '';
/** Answers the first `fastFirst` requests at once, then trickles (see the file comment). */
let fastFirst = 0;
let served = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-overrun-'));
  scenario = path.join(dir, 'trickle.yaml');
  // 1 s phase, 1 s request timeout: the bound is 1 + 1 + 5 = 7 s.
  await writeFile(
    scenario,
    'name: trickle\nload:\n  timeout: 1s\n  phases: [{ name: peak, duration: 1s, rate: 10 }]\n  requests: [{ path: / }]\n',
  );
  server = createServer((request, response) => {
    served += 1;
    if (served <= fastFirst) {
      response.end('ok');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    const drip = setInterval(() => response.write('.'), 200);
    request.socket.on('close', () => clearInterval(drip));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('a phase that overruns its end', () => {
  it('every request trickles forever: the phase is stopped at its bound and, with nothing recorded, exit 3 PG_ERR_LOAD_FAILED', async () => {
    served = 0;
    fastFirst = 0;
    const started = Date.now();
    const run = await runPeakgate(['run', scenario, '--target', base, '--workers', '1', '--json'], 60_000);
    const tookMs = Date.now() - started;
    expect(run.code, explainRun(run)).toBe(3);
    expect(run.stderr).toContain('[PG_ERR_LOAD_FAILED]');
    expect(run.stderr).toContain('recorded no request, response or error in the measured phases');
    expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
    expect(served).toBeGreaterThan(5); // load was sent: the server saw it
    // Not ended by the request timeout (2 s) but by the bound (7 s), and not later than it allows.
    expect(tookMs).toBeGreaterThan(6500);
    expect(tookMs).toBeLessThan(15_000);
    console.info(`trickle, nothing answered: exit ${run.code} after ${tookMs} ms, ${served} requests served`);
  }, 60_000);

  it('answered requests, then trickling ones: stopped at the bound, exit 0 with what was measured', async () => {
    served = 0;
    fastFirst = 4;
    const started = Date.now();
    const run = await runPeakgate(['run', scenario, '--target', base, '--workers', '1', '--json'], 60_000);
    const tookMs = Date.now() - started;
    expect(run.code, explainRun(run)).toBe(0);
    const result = JSON.parse(run.stdout) as { requests: { total: number; ok: number } };
    expect(result.requests.ok).toBe(4);
    expect(served).toBeGreaterThan(5);
    expect(tookMs).toBeGreaterThan(6500);
    expect(tookMs).toBeLessThan(15_000);
    console.info(`trickle after 4 answers: exit ${run.code} after ${tookMs} ms, ${JSON.stringify(result.requests)}`);
  }, 60_000);
});
