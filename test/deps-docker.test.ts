/**
 * service.dependencies end to end on the docker driver: a service (peakgate/kv-api) that needs a
 * key-value store (peakgate/kv-store, its own image, ready by its HEALTHCHECK) compared good vs
 * regressed; each side gets its own store on its own private network; a dependency that dies
 * while starting fails at once with its log tail; nothing (containers, networks) is left behind.
 * The same scenario on the process driver runs the store as a process on its own port.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocker } from '../packages/runtime/dist/index.js';
import { explainRun, printFailedAttempts, runPeakgate, VERDICT_TESTS } from './cli-support.js';
import { dockerMissingInCi, dockerOk, dockerSkipReason, ensureImages, root } from './runtime-support.js';

printFailedAttempts();

const SCENARIO = join(root, 'test', 'fixtures', 'scenarios', 'deps-kv.yaml');
const KV_DIR = join(root, 'docker', 'services', 'kv');

interface TrialShape {
  role: string;
  round: number;
  requests: { total: number; errors: number };
  dependencies?: Array<{ name: string; cpuSeconds: number | null; address: string; readyMs: number }>;
}
interface ReportShape {
  verdict: string;
  reasons: string[];
  metrics: Array<{ name: string; dependency?: string; label: string; limit: number; status: string; change: number }>;
  trials: TrialShape[];
}

/** The run id from the first container named in a log of the run: `peakgate-<run>-<role>-…`. */
async function runIdOf(outDir: string): Promise<string> {
  const log = (await readdir(outDir)).find((name) => name.endsWith('.log'));
  const text = log === undefined ? '' : await readFile(join(outDir, log), 'utf8');
  const match = /container peakgate-([a-z0-9]+)-/.exec(text);
  if (!match?.[1]) throw new Error(`no run id in the logs of ${outDir}`);
  return match[1];
}

async function leftovers(runId: string): Promise<string[]> {
  const docker = createDocker();
  const filters = { label: [`peakgate.run=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return [...containers.map((c) => `container ${c.Names[0]}`), ...networks.map((n) => `network ${n.Name}`)];
}

it.runIf(dockerMissingInCi)('has a Docker engine in CI', () => {
  expect.fail(`CI=true but ${dockerSkipReason}: the dependency comparisons must run in CI`);
});

describe.skipIf(!dockerOk)(
  `service.dependencies, docker driver (skipped: ${dockerOk ? '-' : dockerSkipReason})`,
  () => {
    beforeAll(() => {
      ensureImages();
      execFileSync('bash', [join(KV_DIR, 'build.sh')], { stdio: 'inherit', timeout: 180_000 });
    }, 300_000);

    it('compares a service with its own key-value store per side: the regressed build fails on CPU', {
      ...VERDICT_TESTS,
      timeout: 300_000,
    }, async () => {
      const out = await mkdtemp(join(tmpdir(), 'peakgate-deps-'));
      const run = await runPeakgate(
        [
          'compare',
          SCENARIO,
          '--driver',
          'docker',
          '--baseline',
          'peakgate/kv-api:good',
          '--candidate',
          'peakgate/kv-api:regressed',
          '--out',
          out,
          '--json',
        ],
        240_000,
      );
      expect(run.code, explainRun(run)).toBe(1);
      const report = JSON.parse(run.stdout) as ReportShape;
      // The rounds stop at the first failing look: the build's CPU per request fails there, or the
      // latency its redundant work raises fails first while CPU is still marginal. Either way CPU
      // shows the cause.
      expect(report.reasons.join('\n')).toMatch(/(CPU per request|p50 latency|p99 latency) \+\d/);
      const cpu = report.metrics.find((m) => m.name === 'cpu.per_request' && m.dependency === undefined);
      expect(['fail', 'marginal'], explainRun(run)).toContain(cpu?.status);
      expect(cpu?.change).toBeGreaterThan(1.25);
      for (const trial of report.trials) {
        // Every request went through the store; its CPU is reported beside the build's.
        expect(trial.dependencies).toHaveLength(1);
        expect(trial.dependencies?.[0]).toMatchObject({ name: 'kv', address: 'kv:7000' });
        expect(trial.dependencies?.[0]?.cpuSeconds).toBeGreaterThan(0);
      }
      // Asked for in compare.limits (cpu.per_request{dependency=kv}), so judged and in the report.
      expect(report.metrics.find((m) => m.dependency === 'kv')).toMatchObject({
        name: 'cpu.per_request',
        label: 'CPU per request of dependency kv',
        limit: 0.5,
      });
      // One store per side and trial, each with its own log; never shared.
      const logs = (await readdir(out)).filter((name) => name.includes('-kv-'));
      expect(logs.length).toBe(report.trials.length);
      const kvLog = await readFile(join(out, logs[0] as string), 'utf8');
      expect(kvLog).toContain('kv-store listening on 7000');
      const apiLog = await readFile(join(out, 'candidate-1.log'), 'utf8');
      expect(apiLog).toContain('store=http://kv:7000');
      expect(await leftovers(await runIdOf(out))).toEqual([]);
    });

    it('fails at once, naming the dependency and showing its log tail, when it dies while starting', async () => {
      const out = await mkdtemp(join(tmpdir(), 'peakgate-deps-dead-'));
      const scenario = join(out, 'dead-dependency.yaml');
      const text = (await readFile(SCENARIO, 'utf8')).replace(
        'port: 7000\n',
        'port: 7000\n      env: { KV_CRASH: 1 }\n',
      );
      await writeFile(scenario, text);
      const started = performance.now();
      const run = await runPeakgate(
        [
          'compare',
          scenario,
          '--driver',
          'docker',
          '--baseline',
          'peakgate/kv-api:good',
          '--candidate',
          'peakgate/kv-api:good',
          // A folder of its own: `out` holds the scenario (an --out with other files is refused).
          '--out',
          join(out, 'run'),
        ],
        120_000,
      );
      const elapsedMs = performance.now() - started;
      // Both sides' stores die, and the baseline's failure is the sandbox's: exit 3.
      expect(run.code, explainRun(run)).toBe(3);
      expect(run.stderr).toMatch(/dependency "kv"/);
      expect(run.stderr).toContain('kv-store: refusing to start (KV_CRASH is set)');
      // Not the 30 s readiness timeout: the exit ends the HEALTHCHECK wait.
      expect(elapsedMs).toBeLessThan(25_000);
      expect(await leftovers(await runIdOf(join(out, 'run')))).toEqual([]);
    }, 180_000);
  },
);

describe('service.dependencies, process driver', () => {
  it('runs the store as a process on its own port and tells the build where', async () => {
    const out = await mkdtemp(join(tmpdir(), 'peakgate-deps-process-'));
    const scenario = join(out, 'process.yaml');
    const text = (await readFile(SCENARIO, 'utf8')).replace(
      /dependencies:\n {4}kv:\n(?: {6}.*\n)+/,
      `dependencies:\n    kv:\n      command: "exec node ${join(KV_DIR, 'store.cjs')}"\n`,
    );
    await writeFile(scenario, text);
    const api = `exec node ${join(KV_DIR, 'api.cjs')}`;
    const run = await runPeakgate(
      [
        'compare',
        scenario,
        '--driver',
        'process',
        '--baseline-cmd',
        `MODE=good ${api}`,
        '--candidate-cmd',
        `MODE=good ${api}`,
        // One round: this checks where the store runs, not a verdict.
        '--rounds',
        '1',
        '--max-rounds',
        '1',
        '--out',
        join(out, 'run'),
        '--json',
      ],
      120_000,
    );
    expect([0, 1], explainRun(run)).toContain(run.code);
    const report = JSON.parse(run.stdout) as ReportShape;
    const addresses = report.trials.map((trial) => trial.dependencies?.[0]?.address);
    expect(addresses.every((a) => /^127\.0\.0\.1:\d+$/.test(a ?? ''))).toBe(true);
    // Baseline and candidate each had their own store.
    expect(new Set(addresses).size).toBe(report.trials.length);
    for (const trial of report.trials) expect(trial.requests.errors).toBe(0);
  }, 180_000);
});
