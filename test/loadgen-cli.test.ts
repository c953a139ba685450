/** End to end: the built CLI as a real process against a real fastify target. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPeakgate } from './cli-support.js';
import { startFastify, type TestServer } from './fixtures/servers.js';

const peakgate = (args: string[]) => runPeakgate(args, 60_000);

describe('peakgate run --target', () => {
  let server: TestServer & { hits: Map<string, number> };
  let dir: string;
  let scenario: string;
  beforeAll(async () => {
    server = await startFastify();
    dir = await mkdtemp(join(tmpdir(), 'peakgate-run-'));
    scenario = join(dir, 'scenario.yaml');
    await writeFile(
      scenario,
      [
        'name: cli-e2e',
        'load:',
        '  phases:',
        '    - { name: hold, duration: 1s, rate: 100 }',
        '  requests:',
        '    - { path: "/status/200?n={{int 1 9}}" }',
        '  expect: { status: [200] }',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints only the LoadResult JSON with --json and exits 0', async () => {
    const { code, stdout } = await peakgate(['run', scenario, '--target', server.url, '--json', '--workers', '1']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.requests.total).toBe(100);
    expect(result.requests.errors).toBe(0);
    expect(result.rate).toEqual({ asked: 100, achieved: expect.any(Number) });
    expect(Math.abs(result.rate.achieved - 100)).toBeLessThan(2);
    for (const key of ['p50', 'p90', 'p99', 'p999', 'max']) expect(typeof result.latency[key]).toBe('number');
    expect(result.latency.max).toBeGreaterThan(0);
    expect(server.hits.get('GET /status/200')).toBeGreaterThanOrEqual(100);
  });

  it('refuses a non-loopback target with exit 2 and sends nothing', async () => {
    const { code, stdout, stderr } = await peakgate(['run', scenario, '--target', 'http://192.0.2.10:8080', '--json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('PG_ERR_TARGET_REFUSED');
    expect(stderr).toContain('--allow-target 192.0.2.10');
  });
});
