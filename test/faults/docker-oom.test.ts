/**
 * Fault matrix, docker driver: a build OOM-killed under its memory limit during a comparison. The
 * leaky sample image keeps 256 KiB per request; under a 64 MiB limit at 100 req/s it is killed in
 * a few seconds. As the candidate: a fail verdict (exit 1) naming the OOM kill; as the baseline:
 * exit 3 (the sandbox cannot judge). Nothing of the run is left running.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from '../cli-support.js';
import { dockerMissingInCi, dockerOk, ensureImages, labelledContainers } from '../runtime-support.js';

let dir: string;
let scenario: string;

beforeAll(async () => {
  if (dockerOk) ensureImages();
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-oom-'));
  scenario = path.join(dir, 'oom.yaml');
  await writeFile(
    scenario,
    `name: oom
service:
  port: 8080
  ready: { http: /healthz, timeout: 20s }
  resources: { memory: 64m }
load:
  timeout: 2s
  phases: [{ name: peak, duration: 5s, rate: 100 }]
  requests: [{ path: "/route?key=1" }]
compare: { rounds: 1, max_rounds: 1 }
`,
  );
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('docker: OOM kill under the memory limit during a comparison', () => {
  it('has a Docker engine in CI', () => {
    expect(dockerMissingInCi).toBe(false);
  });

  const compare = (baseline: string, candidate: string) =>
    runPeakgate(
      [
        'compare',
        scenario,
        '--driver',
        'docker',
        '--baseline',
        baseline,
        '--candidate',
        candidate,
        '--out',
        path.join(dir, 'out'),
      ],
      120_000,
    );

  it.skipIf(!dockerOk)(
    'the candidate: exit 1 naming the OOM kill',
    async () => {
      const run = await compare('peakgate/balancer:good', 'peakgate/balancer:leaky');
      expect(run.code, explainRun(run)).toBe(1);
      expect(`${run.stdout}${run.stderr}`).toMatch(/OOM|out of memory/i);
    },
    120_000,
  );

  it.skipIf(!dockerOk)(
    'the baseline: exit 3, PG_ERR_INFRA_BASELINE',
    async () => {
      const run = await compare('peakgate/balancer:leaky', 'peakgate/balancer:good');
      expect(run.code, explainRun(run)).toBe(3);
      expect(run.stderr).toContain('[PG_ERR_INFRA_BASELINE]');
      const runId = /\(run ([0-9a-f]{8})\)/.exec(run.stderr)?.[1];
      expect(runId, run.stderr).toBeDefined();
      expect(await labelledContainers(runId)).toEqual([]);
    },
    120_000,
  );
});
