/**
 * `peakgate run --target URL --metrics-port P`: the built CLI serves live metrics on loopback
 * while the load runs (scraped here during the run, the way Prometheus would) and stops serving
 * when the command ends; `promtool check metrics` passes the whole scrape.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPeakgate } from './cli-support.js';
import { freePort, promtoolBin, promtoolProblems } from './prometheus-support.js';

let target: Server;
let targetUrl: string;
let dir: string;

beforeAll(async () => {
  target = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const address = target.address();
  targetUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-cli-metrics-'));
});
afterAll(async () => {
  target.close();
  await rm(dir, { recursive: true, force: true });
});

describe('peakgate run --metrics-port', () => {
  it('serves live per-second metrics while the load runs, and nothing after', async () => {
    const file = path.join(dir, 'metrics.yaml');
    await writeFile(
      file,
      'name: cli-metrics\nload:\n  phases:\n    - { name: steady, duration: 4s, rate: 50 }\n  requests:\n    - { method: GET, path: / }\n',
    );
    const port = await freePort();
    const run = runPeakgate(['run', file, '--target', targetUrl, '--metrics-port', String(port), '--json'], 60_000);
    let seen = 0;
    let body = '';
    for (let i = 0; i < 60 && seen === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 250));
      body = await fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      const line = body
        .split('\n')
        .find((l) => l.startsWith('peakgate_requests_total{scenario="cli-metrics",role="target",phase="steady"}'));
      seen = line === undefined ? 0 : Number(line.split(' ').at(-1));
    }
    expect(seen, body).toBeGreaterThan(0);
    expect(body).toContain(
      'peakgate_request_duration_seconds_bucket{scenario="cli-metrics",role="target",le="0.0001"}',
    );
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('peakgate_build_info{version=');
    // The whole scrape lints clean, prom-client's default process metrics included.
    if (promtoolBin !== undefined || process.env.CI === 'true') expect(promtoolProblems(body)).toEqual([]);
    else console.warn('cli-metrics: promtool not installed (apt-get install prometheus): lint skipped');
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).requests.total).toBeGreaterThan(150);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  }, 60_000);
});
