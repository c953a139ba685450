/**
 * Fault matrix, item 8: connections against a refused port. 65,535 connections in one load
 * worker drowned its event loop (a 2 s phase took 12-27 s and 900 MB and reported 0 requests,
 * 0 errors, exit 0); now more than 4096 per worker is refused at once, and the errors of a large
 * but allowed count are all counted.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from '../cli-support.js';

let dir: string;
const scenario = (connections: number) => path.join(dir, `c${connections}.yaml`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-scale-'));
  for (const connections of [65_535, 2000])
    await writeFile(
      scenario(connections),
      `name: refused\nload:\n  timeout: 1s\n  phases: [{ duration: 2s, connections: ${connections} }]\n  requests: [{ path: / }]\n`,
    );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Port 1 on loopback: nothing listens there, every connect is refused.
describe('connections against a refused port', () => {
  it('65,535 connections in one worker: exit 2 at once, naming the per-worker cap', async () => {
    const started = Date.now();
    const run = await runPeakgate(
      ['run', scenario(65_535), '--target', 'http://127.0.0.1:1/', '--workers', '1'],
      30_000,
    );
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain('more than 4096 per worker');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('2000 connections: the phase ends on time and every failure is counted as refused', async () => {
    const started = Date.now();
    const run = await runPeakgate(
      ['run', scenario(2000), '--target', 'http://127.0.0.1:1/', '--workers', '1', '--json'],
      60_000,
    );
    expect(run.code, explainRun(run)).toBe(0);
    const result = JSON.parse(run.stdout) as {
      requests: { total: number; errors: number };
      errors: { refused: number };
    };
    expect(result.errors.refused).toBeGreaterThan(0);
    expect(result.requests.errors).toBe(result.requests.total);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
