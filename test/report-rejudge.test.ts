/**
 * `peakgate report` re-judges a saved run the way the run was judged (issue 25): a real
 * `compare --baseline-url --candidate-url` (two builds already deployed, no CPU or memory source)
 * saves its judge options in trials.json; `peakgate report` on its folder keeps the "not measured"
 * reasons and writes the same verdict, reasons, warnings and rows as the run's own report.json.
 * A trials.json written before the field is judged with the defaults; out-of-bounds options
 * (a hostile folder, issue 23) are a usage error naming the trial and field, with nothing written.
 * The two builds are tiny HTTP servers in this process; the load is 2 s at 40 req/s, one round.
 */
import { access, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../packages/core/dist/index.js';
import { explainRun, runPeakgate } from './cli-support.js';

const SCENARIO = `name: rejudge-deployed
service:
  port: 8080
  ready: { http: /healthz, timeout: 5s }
load:
  phases:
    - { name: peak, duration: 2s, rate: 40 }
  requests:
    - { path: / }
compare:
  rounds: 1
  max_rounds: 1
`;

let dir: string;
let runDir: string;
let servers: Server[] = [];
let run: Report;
let runCode: number | null;

async function deploy(): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const readReport = async (folder: string): Promise<Report> =>
  JSON.parse(await readFile(path.join(folder, 'report.json'), 'utf8')) as Report;

/** A copy of the run's folder (report.json and trials.json) with its trials changed by `edit`. */
async function savedCopy(name: string, edit: (trials: Array<Record<string, unknown>>) => void): Promise<string> {
  const copy = path.join(dir, name);
  await mkdir(copy);
  await copyFile(path.join(runDir, 'report.json'), path.join(copy, 'report.json'));
  const trials = JSON.parse(await readFile(path.join(runDir, 'trials.json'), 'utf8')) as Array<Record<string, unknown>>;
  edit(trials);
  await writeFile(path.join(copy, 'trials.json'), JSON.stringify(trials));
  return copy;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-rejudge-'));
  runDir = path.join(dir, 'run');
  await writeFile(path.join(dir, 'scenario.yaml'), SCENARIO);
  const [baseline, candidate] = await Promise.all([deploy(), deploy()]);
  servers = [baseline.server, candidate.server];
  const args = ['compare', path.join(dir, 'scenario.yaml'), '--baseline-url', baseline.url];
  const compare = await runPeakgate([...args, '--candidate-url', candidate.url, '--out', runDir], 60_000);
  expect([0, 1], explainRun(compare)).toContain(compare.code);
  runCode = compare.code;
  run = await readReport(runDir);
}, 90_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(dir, { recursive: true, force: true });
});

describe('peakgate report on a deployed run', () => {
  it('the run saved its judge options with its trials and said why CPU and memory were not judged', async () => {
    const trials = JSON.parse(await readFile(path.join(runDir, 'trials.json'), 'utf8')) as Array<{
      judgeOptions?: { unmeasured?: Record<string, string> };
    }>;
    expect(trials).toHaveLength(2);
    for (const trial of trials) expect(trial.judgeOptions?.unmeasured?.['cpu.per_request']).toMatch(/no CPU source/);
    expect(run.warnings).toContainEqual(expect.stringMatching(/^CPU per request not judged: no CPU source for/));
    expect(run.warnings).toContainEqual(expect.stringMatching(/^peak memory not judged: no memory source for/));
  });

  it('re-judged, it keeps the "not measured" reasons and equals the run’s verdict and rows', async () => {
    const out = path.join(dir, 'again');
    const report = await runPeakgate(['report', runDir, '--out', out], 30_000);
    expect(report.code, explainRun(report)).toBe(runCode);
    const again = await readReport(out);
    for (const field of [
      'verdict',
      'reasons',
      'reasonFindings',
      'warnings',
      'metrics',
      'findings',
      'trials',
      'requestKinds',
      'confidence',
      'needsMoreRounds',
      'sequential',
      'scenario',
      'environment',
      'latencyOrigin',
      'latencyPercentiles',
      'startedAt',
      'finishedAt',
    ] as const) {
      expect(again[field], field).toEqual(run[field]);
    }
    expect(report.stdout).toMatch(/CPU per request not judged: no CPU source/);
    expect(await readFile(path.join(out, 'summary.md'), 'utf8')).toMatch(/CPU per request not judged: no CPU source/);
    expect(await readFile(path.join(out, 'trials.json'), 'utf8')).toBe(
      await readFile(path.join(runDir, 'trials.json'), 'utf8'),
    );
  });

  it('a trials.json from before the field is judged with the defaults', async () => {
    const old = await savedCopy('old', (trials) => {
      for (const trial of trials) delete trial.judgeOptions;
    });
    const report = await runPeakgate(['report', old, '--out', path.join(dir, 'old-out')], 30_000);
    expect(report.code, explainRun(report)).toBe(runCode);
    const again = await readReport(path.join(dir, 'old-out'));
    expect(again.verdict).toBe(run.verdict);
    expect(again.metrics).toEqual(run.metrics);
    expect(again.warnings).toContain('CPU per request not judged: no CPU figures for one side');
  });

  it('refuses judge options out of bounds (exit 2), naming the trial and field, and writes nothing', async () => {
    const hostile = await savedCopy('hostile', (trials) => {
      for (const trial of trials) trial.judgeOptions = { resamples: 1e12 };
    });
    const out = path.join(dir, 'hostile-out');
    const report = await runPeakgate(['report', hostile, '--out', out], 30_000);
    expect(report.code, explainRun(report)).toBe(2);
    expect(report.stderr).toMatch(/trials\.json: trials\[0\]\.judgeOptions\.resamples: /);
    expect(report.stderr).not.toMatch(/\n\s+at /);
    await expect(access(path.join(out, 'report.json'))).rejects.toThrow();
  });
});
