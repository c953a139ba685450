/**
 * Load shards on a one-node swarm (`--driver swarm --shards N`), end to end through the built CLI:
 * three shards at 3,000 req/s send the asked rate between them and the merged count is exactly
 * the sum of the shards' counts; a shard killed mid-run makes the run exit 3 naming it (never a
 * figure on fewer requests than asked); Ctrl-C removes the shards; `--shards` off the swarm
 * driver is refused. After every test no service or task container with peakgate's labels is left.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDocker, LABEL_ROLE } from '../packages/runtime/dist/index.js';
import { explainRun, runPeakgate } from './cli-support.js';
import { ensureImages, root, until } from './runtime-support.js';
import {
  labelledServices,
  labelledTaskContainers,
  swarmMissingInCi,
  swarmOk,
  swarmSkipReason,
} from './swarm-support.js';

const SCENARIO = join(root, 'test', 'fixtures', 'scenarios', 'shards-3000.yaml');
const LOAD_IMAGE = 'peakgate/load:local';

interface ShardedRun {
  requests: { total: number; ok: number; errors: number };
  rate: { asked: number; achieved: number };
  workers: number;
  sharding: {
    workersPerShard: number;
    startSkewMs: number;
    shards: Array<{
      index: number;
      node: string;
      requests: number;
      errors: number;
      achievedRate: number;
      startLagMs: number;
    }>;
  };
  phases: Array<{ name: string; requests: { total: number } }>;
}

const LONG = join(root, 'test', 'fixtures', 'scenarios', 'shards-long.yaml');

const runSharded = (shards: number, options?: { interruptAfterMs?: number; scenario?: string }) =>
  runPeakgate(
    [
      'run',
      options?.scenario ?? SCENARIO,
      '--service',
      'peakgate/balancer:good',
      '--driver',
      'swarm',
      '--shards',
      String(shards),
      '--json',
    ],
    240_000,
    options,
  );

/** Running task containers of this machine's load shards (label peakgate.role=load-candidate). */
async function shardContainers(): Promise<Array<{ id: string; name: string }>> {
  const list = await createDocker().listContainers({
    filters: { label: [`${LABEL_ROLE}=load-candidate`], status: ['running'] },
  });
  return list.map((c) => ({ id: c.Id, name: c.Names[0] ?? c.Id }));
}

it.runIf(swarmMissingInCi)('has a swarm manager engine in CI', () => {
  expect.fail(`CI=true but ${swarmSkipReason}: .ci/run must run \`docker swarm init\` so the swarm suites run`);
});

describe.skipIf(!swarmOk)(`load shards on swarm (skipped: ${swarmOk ? '-' : swarmSkipReason})`, () => {
  beforeAll(() => {
    ensureImages();
    // `pnpm images` builds the load image with the samples; a checkout without it gets it here.
    try {
      execFileSync('docker', ['image', 'inspect', LOAD_IMAGE], { stdio: 'ignore' });
    } catch {
      execFileSync('bash', [join(root, 'docker/build-images.sh')], { stdio: 'inherit', timeout: 300_000 });
    }
  }, 300_000);
  afterEach(async () => {
    expect(await until(async () => (await labelledServices()).length === 0, 15_000)).toBe(true);
    expect(await until(async () => (await labelledTaskContainers()).length === 0, 20_000)).toBe(true);
  });

  it('three shards send 3,000 req/s between them; the merged count is the sum of the shards', async () => {
    const run = await runSharded(3);
    expect(run.code, explainRun(run)).toBe(0);
    const result = JSON.parse(run.stdout) as ShardedRun;
    expect(result.sharding.shards.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(result.workers).toBe(3 * result.sharding.workersPerShard);
    const sum = result.sharding.shards.reduce((total, shard) => total + shard.requests, 0);
    expect(sum).toBe(result.requests.total);
    // Each shard sent its third (arrival k goes to shard k mod 3): within one arrival of the others.
    const counts = result.sharding.shards.map((s) => s.requests);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    for (const shard of result.sharding.shards) expect(shard.node).not.toBe('unknown');
    expect(result.rate.asked).toBe(3000);
    expect(result.rate.achieved / result.rate.asked, explainRun(run)).toBeGreaterThanOrEqual(0.99);
    // Three generators and the service share two cores here: a stalled second may drop a few arrivals.
    expect(result.requests.errors / result.requests.total, explainRun(run)).toBeLessThan(0.01);
    // Every shard began within a second of the common start the barrier gave it, and of each other
    // (a start reply that reached a shard after the start, or a lag read on the wrong clock, reads
    // as seconds).
    // How startSkewMs is derived from the lags is checked exactly in sharded-load-runner.test.ts.
    for (const shard of result.sharding.shards) expect(shard.startLagMs, explainRun(run)).toBeLessThan(1000);
    expect(result.sharding.startSkewMs, explainRun(run)).toBeLessThan(1000);
  }, 240_000);

  it('a shard killed mid-run makes the run exit 3 naming that shard', async () => {
    const running = runPeakgate(
      ['run', LONG, '--service', 'peakgate/balancer:good', '--driver', 'swarm', '--shards', '3'],
      240_000,
    );
    // Slot 2's container is shard 1 (index = slot − 1); its name is <service>.2.<task id>.
    expect(await until(async () => (await shardContainers()).length === 3, 60_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const victim = (await shardContainers()).find((c) => /\.2\.[a-z0-9]+$/.test(c.name));
    expect(victim).toBeDefined();
    execFileSync('docker', ['kill', (victim as { id: string }).id], { stdio: 'ignore' });
    const run = await running;
    expect(run.code, explainRun(run)).toBe(3);
    expect(run.stderr).toMatch(/load shard 1 \(node [^)]+\)/);
    expect(run.stderr).toContain('PG_ERR_LOAD_SHARD');
  }, 240_000);

  it('Ctrl-C during a sharded run exits 130 and removes the shards', async () => {
    // The 20 s phase is under way 10 s after the start (service and shards take 2-4 s here).
    const run = await runSharded(2, { interruptAfterMs: 10_000, scenario: LONG });
    expect(run.code, explainRun(run)).toBe(130);
  }, 240_000);

  it('refuses --shards off the swarm driver, naming the flag', async () => {
    const run = await runPeakgate(
      ['run', SCENARIO, '--service', 'peakgate/balancer:good', '--driver', 'docker', '--shards', '2'],
      30_000,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--shards');
    expect(run.stderr).toContain('--driver swarm');
  });
});
