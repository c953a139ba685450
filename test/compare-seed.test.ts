/**
 * `peakgate compare --seed N` (common random numbers, end to end on the process driver): both sides
 * of a round are sent the same requests, report.json and trials.json record the seed, and a second
 * run with the same seed sends the same requests again. The builds are a recording server
 * (fixtures/crn-recorder.mjs) that writes down every request it receives.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundSeed } from '../packages/loadgen/dist/index.js';
import { explainRun, root, runPeakgate } from './cli-support.js';

const RECORDER = path.join(root, 'test', 'fixtures', 'crn-recorder.mjs');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-seed-'));
  await writeFile(
    path.join(dir, 'seeded.yaml'),
    `name: seeded
service:
  ready: { http: /healthz, timeout: 10s }
load:
  warmup: { duration: 500ms, rate: 80 }
  phases:
    - { name: hold, duration: 1500ms, rate: 80 }
  requests:
    - { weight: 3, method: GET, path: "/a/{{int 1 1000000}}" }
    - { weight: 1, method: POST, path: "/b/{{uuid}}", json: { key: "{{uuid}}", zone: "{{pick eu us ap}}" } }
  expect: { status: [200] }
compare:
  rounds: 1
  max_rounds: 1
`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const recorder = (file: string): string => `RECORD_FILE=${JSON.stringify(file)} node ${JSON.stringify(RECORDER)}`;

/** One comparison with `--seed`; what each side received, and the report files. */
async function compareWithSeed(name: string, seed: string) {
  const out = path.join(dir, name);
  const sent = { baseline: path.join(dir, `${name}-baseline.txt`), candidate: path.join(dir, `${name}-candidate.txt`) };
  const run = await runPeakgate(
    [
      ...['compare', path.join(dir, 'seeded.yaml'), '--driver', 'process', '--seed', seed, '--out', out, '--quiet'],
      ...['--baseline-cmd', recorder(sent.baseline), '--candidate-cmd', recorder(sent.candidate)],
    ],
    60_000,
  );
  // A verdict either way (the two builds are the same program): the point is what was sent.
  expect([0, 1], explainRun(run)).toContain(run.code);
  const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  return {
    baseline: await lines(sent.baseline),
    candidate: await lines(sent.candidate),
    report: JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as {
      seed?: number;
      trials: { role: string; round: number; seed?: number }[];
    },
    trials: JSON.parse(await readFile(path.join(out, 'trials.json'), 'utf8')) as { role: string; seed?: number }[],
  };
}

const sorted = (lines: readonly string[]): string[] => [...lines].sort();

describe('compare --seed', () => {
  it('sends both sides the same requests, records the seed, and replays them with the same seed', async () => {
    const first = await compareWithSeed('first', '3141592653');
    // 80 req/s for 2 s (warm-up included): both sides got the same requests, each the same number of times.
    expect(first.baseline.length).toBeGreaterThan(120);
    expect(sorted(first.candidate)).toEqual(sorted(first.baseline));
    expect(first.baseline.some((line) => line.startsWith('POST /b/'))).toBe(true);
    expect(first.baseline.every((line) => !line.includes('{{'))).toBe(true);

    expect(first.report.seed).toBe(3141592653);
    const round1 = roundSeed(3141592653, 1);
    expect(first.report.trials.map((trial) => [trial.role, trial.seed]).sort()).toEqual([
      ['baseline', round1],
      ['candidate', round1],
    ]);
    expect(first.trials.map((trial) => trial.seed)).toEqual([round1, round1]);

    const again = await compareWithSeed('again', '3141592653');
    expect(again.report.seed).toBe(3141592653);
    expect(sorted(again.baseline)).toEqual(sorted(first.baseline));
    expect(sorted(again.candidate)).toEqual(sorted(first.candidate));
  }, 150_000);

  it('a bad --seed is refused before anything starts (exit 2, naming the flag)', async () => {
    const bad = await runPeakgate(
      ['compare', path.join(dir, 'seeded.yaml'), '--driver', 'process', '--seed', '-3'],
      30_000,
    );
    expect(bad.code, explainRun(bad)).toBe(2);
    expect(bad.stderr).toContain('--seed');
    const tooBig = await runPeakgate(
      ['compare', path.join(dir, 'seeded.yaml'), '--driver', 'process', '--seed', '4294967296'],
      30_000,
    );
    expect(tooBig.code, explainRun(tooBig)).toBe(2);
    expect(tooBig.stderr).toContain('--seed: expected a whole number from 0 to 4294967295, got "4294967296"');
  }, 60_000);
});
