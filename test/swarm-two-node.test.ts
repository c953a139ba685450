/**
 * A real two-node swarm on one machine: a second Docker engine (its own data root, exec root, pid
 * file, unix socket and bridge, no iptables: test/faults/second-dockerd.ts) joins the main
 * engine's swarm as a worker on 127.0.0.2, with the images loaded into it (`docker save | docker
 * load`) and its socket named in the node label `peakgate.engine`. Both nodes have this machine's
 * host name, so everything is told apart by node id. Then, through the built CLI:
 * 1. four load shards spread over both nodes: each shard's node id in report.json, the merged
 *    count equal to the sum of the shards, the asked rate reached, the start skew reported;
 * 2. builds pinned to the worker (PEAKGATE_SWARM_CONSTRAINT=node.id==…) are read through the
 *    worker's engine: CPU per request agrees with the same builds on the manager within the A/A
 *    intervals, and a candidate with about +50% CPU per request is caught there;
 * 3. the worker's engine stopped mid-phase: exit 3 naming the lost node and its shards, nothing of
 *    the run left on either engine, `peakgate reap` on each engine finds nothing of the run; the
 *    same with a build pinned to the worker: exit 3 (PG_ERR_RUNTIME_UNREACHABLE), never a crash.
 * afterAll (on failure too): the worker leaves the swarm, is removed from the manager's node list,
 * and its engine, bridge and data go.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocker, LABEL_MANAGED, LABEL_NODE_ENGINE, LABEL_ROLE } from '../packages/runtime/dist/index.js';
import { explainRun, printFailedAttempts, runPeakgate, VERDICT_TESTS } from './cli-support.js';
import { hasDocker0, SecondDockerd, secondDockerdUnavailable } from './faults/second-dockerd.js';
import { ensureImages, root, until } from './runtime-support.js';
import { ensureLoadImage, labelledServices, swarmSkipReason } from './swarm-support.js';

printFailedAttempts();

const scenario = (name: string) => join(root, 'test', 'fixtures', 'scenarios', `${name}.yaml`);
const IMAGES = ['peakgate/balancer:good', 'peakgate/balancer:regressed', 'peakgate/load:local'];
const skipReason = swarmSkipReason ?? secondDockerdUnavailable();
const missingInCi = skipReason !== undefined && process.env.CI === 'true' && process.env.PEAKGATE_SKIP_DOCKER !== '1';
if (skipReason !== undefined) console.warn(`two-node swarm: skipping (${skipReason})`);

interface Shard {
  index: number;
  node: string;
  nodeId?: string;
  requests: number;
  errors: number;
  achievedRate: number;
  startLagMs: number;
}
interface Report {
  verdict: 'pass' | 'fail';
  reasons: string[];
  metrics: Array<{ name: string; status: string; change: number; interval: [number, number] }>;
  trials: Array<{
    role: string;
    round: number;
    requests: { total: number; errors: number };
    rate: { asked: number | null; achieved: number } | null;
    cpuSeconds: number | null;
    cpuPerRequestMs: number | null;
    loadShards?: { shards: Shard[]; startSkewMs: number; workersPerShard: number };
  }>;
}

it.runIf(missingInCi)('can start a two-node swarm in CI', () => {
  expect.fail(`CI=true but ${skipReason}: .ci/run runs as root with dockerd, ip and a swarm manager`);
});

const suiteTitle = skipReason === undefined ? 'a two-node swarm' : `a two-node swarm (skipped: ${skipReason})`;
describe.skipIf(skipReason !== undefined)(suiteTitle, () => {
  let worker: SecondDockerd | undefined;
  let workerId = '';
  let managerId = '';
  let out = '';
  const docker0Before = hasDocker0();
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    const began = performance.now();
    ensureImages();
    ensureLoadImage();
    out = await mkdtemp(join(tmpdir(), 'peakgate-two-node-'));
    managerId = execFileSync('docker', ['info', '--format', '{{.Swarm.NodeID}}']).toString().trim();
    worker = await SecondDockerd.create('swarm2');
    worker.loadImage(IMAGES.join(' '));
    const token = execFileSync('docker', ['swarm', 'join-token', '-q', 'worker']).toString().trim();
    // A worker listens on nothing of its own; 127.0.0.2 keeps its address apart from the manager's.
    worker.docker([
      'swarm',
      'join',
      '--advertise-addr',
      '127.0.0.2',
      '--listen-addr',
      '127.0.0.2:2377',
      '--token',
      token,
      '127.0.0.1:2377',
    ]);
    workerId = worker.docker(['info', '--format', '{{.Swarm.NodeID}}']).trim();
    const ready = await until(
      () =>
        execFileSync('docker', ['node', 'inspect', workerId, '--format', '{{.Status.State}}']).toString().trim() ===
        'ready',
      30_000,
    );
    expect(ready, `worker node ${workerId} not ready`).toBe(true);
    // How peakgate reaches the engine of a task on this node (runtime/src/swarm/node-engine.ts).
    execFileSync('docker', ['node', 'update', '--label-add', `${LABEL_NODE_ENGINE}=${worker.host}`, workerId], {
      stdio: 'ignore',
    });
    timings.setupMs = performance.now() - began;
  }, 300_000);

  afterAll(async () => {
    const began = performance.now();
    if (worker !== undefined) {
      try {
        worker.docker(['swarm', 'leave', '--force']);
      } catch {
        // stopped engine, or never joined: the manager's side below still removes the node
      }
    }
    if (workerId !== '') {
      try {
        execFileSync('docker', ['node', 'rm', '--force', workerId], { stdio: 'ignore', timeout: 15_000 });
      } catch {
        // never joined
      }
    }
    await worker?.dispose();
    if (out !== '') await rm(out, { recursive: true, force: true });
    timings.teardownMs = performance.now() - began;
    console.info(
      `two-node swarm timings (ms): ${JSON.stringify(timings, (_k, v) => (typeof v === 'number' ? Math.round(v) : v))}`,
    );
    if (workerId !== '') {
      const nodes = execFileSync('docker', ['node', 'ls', '--format', '{{.ID}}']).toString();
      expect(nodes).not.toContain(workerId);
    }
    if (worker !== undefined) {
      expect(() => execFileSync('ip', ['link', 'show', worker?.bridge ?? ''], { stdio: 'ignore' })).toThrow();
    }
    expect(hasDocker0()).toBe(docker0Before);
  }, 120_000);

  /** Task containers of peakgate's on an engine (any state). */
  const labelledOn = (host: string | undefined) =>
    execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABEL_MANAGED}=true`], {
      env: { ...process.env, ...(host !== undefined ? { DOCKER_HOST: host } : {}) },
    })
      .toString()
      .split('\n')
      .filter(Boolean);

  it('spreads four load shards over both nodes: node ids, merged count = sum, rate reached, skew', {
    ...VERDICT_TESTS,
    timeout: 400_000,
  }, async () => {
    const began = performance.now();
    const dir = join(out, 'shards');
    const run = await runPeakgate(
      [
        'compare',
        scenario('two-node-shards'),
        '--driver',
        'swarm',
        '--shards',
        '4',
        '--baseline',
        'peakgate/balancer:good',
        '--candidate',
        'peakgate/balancer:good',
        '--out',
        dir,
      ],
      180_000,
    );
    timings.shardsCompareMs = performance.now() - began;
    // One round of A/A: a pass, or undecided after one look; never a usage or infrastructure error.
    expect([0, 1], explainRun(run)).toContain(run.code);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report;
    expect(report.trials.length).toBe(2);
    const nodesSeen = new Set<string>();
    for (const trial of report.trials) {
      const sharding = trial.loadShards;
      expect(sharding, `${trial.role} has no loadShards`).toBeDefined();
      const shards = (sharding as NonNullable<typeof sharding>).shards;
      expect(shards.map((s) => s.index)).toEqual([0, 1, 2, 3]);
      for (const shard of shards) nodesSeen.add(shard.nodeId ?? 'none');
      // Both nodes are "the same" host name: the id is what tells the report's rows apart.
      expect(new Set(shards.map((s) => s.node)).size).toBe(1);
      expect(shards.reduce((sum, s) => sum + s.requests, 0)).toBe(trial.requests.total);
      const rate = trial.rate as { asked: number; achieved: number };
      console.info(
        `two-node shards, ${trial.role}: ${shards.map((s) => `shard ${s.index} on ${s.nodeId?.slice(0, 12)} ${s.requests} req (lag ${s.startLagMs} ms)`).join('; ')}; achieved ${rate.achieved}/${rate.asked} req/s, skew ${sharding?.startSkewMs} ms`,
      );
      expect(rate.asked).toBe(500);
      expect(rate.achieved / rate.asked, explainRun(run)).toBeGreaterThanOrEqual(0.99);
      expect(sharding?.startSkewMs).toBeGreaterThanOrEqual(0);
      expect(sharding?.startSkewMs, explainRun(run)).toBeLessThan(1000);
    }
    expect([...nodesSeen].sort()).toEqual([managerId, workerId].sort());
    const summary = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(summary).toContain(workerId.slice(0, 12));
    expect(summary).toContain(managerId.slice(0, 12));
  });

  it('measures builds pinned to the worker through its engine: CPU per request as on the manager, +50% caught', {
    ...VERDICT_TESTS,
    timeout: 400_000,
  }, async () => {
    const compare = async (name: string, candidate: string, where: string, extra: string[] = []) => {
      const began = performance.now();
      const dir = join(out, name);
      const run = await runPeakgate(
        [
          'compare',
          scenario('two-node-compare'),
          '--driver',
          'swarm',
          '--baseline',
          'peakgate/balancer:good',
          '--candidate',
          `peakgate/balancer:${candidate}`,
          '--out',
          dir,
          ...extra,
        ],
        180_000,
        { env: { PEAKGATE_SWARM_CONSTRAINT: `node.id==${where}` } },
      );
      timings[`${name}Ms`] = performance.now() - began;
      expect(run.code === 0 || run.code === 1, explainRun(run)).toBe(true);
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report;
      // Every trial's CPU came from the engine of the node its task ran on.
      const logs = execFileSync('sh', ['-c', `cat ${JSON.stringify(dir)}/*.log`]).toString();
      expect(logs).toContain(`id ${where.slice(0, 12)}`);
      for (const trial of report.trials) expect(trial.cpuSeconds).toBeGreaterThan(0.1);
      return { run, report, logs };
    };
    // The good build's trials only: in the regressed run that is the baseline side.
    const perRequest = (report: Report, role?: string) => {
      const values = report.trials
        .filter((t) => role === undefined || t.role === role)
        .map((t) => t.cpuPerRequestMs ?? Number.NaN);
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    // Two compares, not three: the worker's good build is measured as the baseline of the
    // regressed run (each round runs both sides on the same node), so no A/A of its own is needed.
    const onManager = await compare('aa-manager', 'good', managerId, ['--max-rounds', '3']);
    expect(onManager.run.code, explainRun(onManager.run)).toBe(0);
    const regressed = await compare('regressed-worker', 'regressed', workerId, ['--max-rounds', '5']);
    expect(regressed.logs).toContain(`engine ${(worker as SecondDockerd).host}`);
    // Good build on the worker against on the manager: inside the manager A/A's own interval (or ±10%).
    const manager = perRequest(onManager.report);
    const workerGood = perRequest(regressed.report, 'baseline');
    const ratio = workerGood / manager;
    const interval = onManager.report.metrics.find((m) => m.name === 'cpu.per_request')?.interval as [number, number];
    console.info(
      `two-node CPU per request (good build): manager ${manager.toFixed(4)} ms, worker ${workerGood.toFixed(4)} ms, ratio ${ratio.toFixed(3)}; manager A/A interval ${JSON.stringify(interval)}`,
    );
    expect(ratio).toBeGreaterThanOrEqual(Math.min(interval[0], 0.9));
    expect(ratio).toBeLessThanOrEqual(Math.max(interval[1], 1.1));
    expect(regressed.run.code, explainRun(regressed.run)).toBe(1);
    const cpu = regressed.report.metrics.find((m) => m.name === 'cpu.per_request');
    console.info(`two-node regressed on the worker: cpu.per_request ${cpu?.status}, change ${cpu?.change}`);
    expect(cpu?.status).toBe('fail');
    expect(cpu?.change).toBeGreaterThan(1.25);
  });

  it('a worker engine stopped mid-phase: exit 3 naming the node and its shards, nothing left, nothing to reap', async () => {
    const engine = worker as SecondDockerd;
    const running = runPeakgate(
      ['run', scenario('two-node-lost'), '--service', 'peakgate/balancer:good', '--driver', 'swarm', '--shards', '4'],
      180_000,
    );
    // The shards on the worker, by slot (index = slot - 1), once all four run and the phase is under way.
    const onWorker = () =>
      engine
        .docker(['ps', '--filter', `label=${LABEL_ROLE}=load-candidate`, '--format', '{{.Names}}'])
        .split('\n')
        .filter(Boolean)
        .map((name) => Number(/\.(\d+)\.[a-z0-9]+$/.exec(name)?.[1]) - 1);
    const onManager = async () =>
      (await createDocker().listContainers({ filters: { label: [`${LABEL_ROLE}=load-candidate`] } })).length;
    expect(await until(async () => onWorker().length + (await onManager()) === 4, 90_000)).toBe(true);
    const lost = onWorker().sort();
    expect(lost.length).toBeGreaterThan(0);
    // Warm-up 1 s, then 3 s into the 10 s phase.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const stoppedAt = performance.now();
    await engine.stop('SIGTERM');
    const run = await running;
    const detectedMs = performance.now() - stoppedAt;
    timings.lostNodeDetectedMs = detectedMs;
    console.info(
      `two-node lost worker: exit ${run.code} ${Math.round(detectedMs)} ms after the stop; ${run.stderr.trim().split('\n').at(-1)}`,
    );
    expect(run.code, explainRun(run)).toBe(3);
    expect(run.stderr).toContain('PG_ERR_LOAD_SHARD');
    expect(run.stderr).toContain(`id ${workerId.slice(0, 12)}`);
    expect(run.stderr).not.toContain(`id ${managerId.slice(0, 12)}`);
    expect(run.stderr).toMatch(new RegExp(`load shards? ${lost[0]}\\b`));
    // Within the phase's report timeout: the rest of the phase + request timeout 5 s + 15 s grace.
    expect(detectedMs).toBeLessThan(7000 + 5000 + 15_000 + 5000);
    const runId = /\(run ([0-9a-f]+)\)/.exec(run.stderr)?.[1] ?? 'unknown';
    // Manager side: the shards' service and the build are gone, and no labelled container of the run.
    expect(await until(async () => (await labelledServices(runId)).length === 0, 20_000)).toBe(true);
    expect(
      await until(
        async () =>
          (await createDocker().listContainers({ all: true, filters: { label: [`peakgate.run=${runId}`] } })).length ===
          0,
        20_000,
      ),
    ).toBe(true);
    // The worker's side: back up, its agent learns the service is gone and removes the stopped tasks.
    const restart = performance.now();
    await engine.start();
    expect(await until(() => labelledOn(engine.host).length === 0, 60_000), labelledOn(engine.host).join(' ')).toBe(
      true,
    );
    timings.workerCleanAfterRestartMs = performance.now() - restart;
    // reap on each engine: nothing of this run (the worker engine had nothing else to begin with).
    for (const host of [undefined, engine.host]) {
      const reaped = await runPeakgate(['reap', '--json'], 60_000, { env: { DOCKER_HOST: host } });
      expect(reaped.code, explainRun(reaped)).toBe(0);
      const result = JSON.parse(reaped.stdout) as {
        services: Array<{ runId: string }>;
        containers: Array<{ runId?: string; name?: string }>;
      };
      expect(result.services.filter((s) => s.runId === runId)).toEqual([]);
      expect(JSON.stringify(result.containers)).not.toContain(runId);
      if (host !== undefined) expect(result.containers).toEqual([]);
    }
  }, 240_000);

  it('a worker engine stopped under a build pinned to it: exit 3 naming the node and the service, not a crash', async () => {
    const engine = worker as SecondDockerd;
    const nodeState = () =>
      execFileSync('docker', ['node', 'inspect', workerId, '--format', '{{.Status.State}}']).toString().trim();
    expect(await until(() => nodeState() === 'ready', 60_000), `worker node ${nodeState()}`).toBe(true);
    const running = runPeakgate(
      ['run', scenario('two-node-lost'), '--service', 'peakgate/balancer:good', '--driver', 'swarm'],
      180_000,
      { env: { PEAKGATE_SWARM_CONSTRAINT: `node.id==${workerId}` } },
    );
    const buildOnWorker = () =>
      engine
        .docker(['ps', '-q', '--filter', `label=${LABEL_ROLE}=candidate`])
        .split('\n')
        .filter(Boolean).length;
    expect(await until(() => buildOnWorker() === 1, 60_000)).toBe(true);
    // Ready within ~2 s of its container running, then 1 s of warm-up: about 3 s into the phase.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const stoppedAt = performance.now();
    await engine.stop('SIGTERM');
    const run = await running;
    const detectedMs = performance.now() - stoppedAt;
    timings.lostBuildNodeDetectedMs = detectedMs;
    console.info(
      `two-node lost build node: exit ${run.code} ${Math.round(detectedMs)} ms after the stop; ${run.stderr.trim().split('\n').at(-1)}`,
    );
    expect(run.code, explainRun(run)).toBe(3);
    expect(run.stderr).toContain('PG_ERR_RUNTIME_UNREACHABLE');
    expect(run.stderr).toContain(`id ${workerId.slice(0, 12)}`);
    expect(run.stderr).toMatch(/swarm service peakgate-[a-z0-9]+-candidate/);
    expect(run.stderr).not.toMatch(/crashed/i);
    // Two failed pings 2 s apart, well inside the phase's own timeout (its end + request timeout).
    expect(detectedMs).toBeLessThan(10_000 + 5000);
    const runId = /\(run ([0-9a-f]+)\)/.exec(run.stderr)?.[1] ?? 'unknown';
    expect(await until(async () => (await labelledServices(runId)).length === 0, 20_000)).toBe(true);
    expect(
      (await createDocker().listContainers({ all: true, filters: { label: [`peakgate.run=${runId}`] } })).length,
    ).toBe(0);
    await engine.start();
    expect(await until(() => labelledOn(engine.host).length === 0, 60_000), labelledOn(engine.host).join(' ')).toBe(
      true,
    );
    const reaped = await runPeakgate(['reap', '--json'], 60_000, { env: { DOCKER_HOST: engine.host } });
    expect(reaped.code, explainRun(reaped)).toBe(0);
    expect((JSON.parse(reaped.stdout) as { containers: unknown[] }).containers).toEqual([]);
  }, 240_000);
});
