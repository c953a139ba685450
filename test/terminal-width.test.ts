/**
 * Everything peakgate draws fits the terminal it draws on (issue 27): on a real pseudo-terminal
 * (util-linux `script`, its size set inside it with `stty cols N`) of 80 and of 120 columns, the
 * live bars, the verdict table and the per-request table of a replayed scenario (compare), and
 * run's per-request table: no line wider than the terminal, every table box whole (each line of a
 * table opens and closes with a border and is as wide as its top). COLUMNS is set to 140 all along:
 * the terminal's own size wins over it.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleWidth as stringWidth } from '../packages/cli/dist/terminal-width.js';
import { explainRun, root, runPeakgate, runPeakgateInPty, scriptAvailable } from './cli-support.js';
import { drawnLines, screenLines } from './terminal-screen.js';

const BALANCER = path.join(root, 'docker/services/balancer/dist/server.js');
const pty = scriptAvailable();
let dir: string;
let scenario: string;

/** Every line within `columns`; every table (a run of lines starting with a box corner or side) whole. */
function expectFits(output: string, columns: number): void {
  for (const line of drawnLines(output)) {
    // A path is printed whole, to be copied; the terminal wraps it (its line wrapping is on again
    // once the bars are gone).
    if (line.startsWith('reports: ')) continue;
    expect(stringWidth(line), JSON.stringify(line)).toBeLessThanOrEqual(columns);
  }
  let box = -1;
  let tables = 0;
  for (const line of screenLines(output).map((l) => l.trimEnd())) {
    if (line.startsWith('┌')) {
      box = stringWidth(line);
      tables += 1;
    }
    if (!/^[┌│├└]/.test(line)) continue;
    expect(/[┐│┤┘]$/.test(line), line).toBe(true);
    expect(stringWidth(line), line).toBe(box);
  }
  expect(tables).toBeGreaterThan(0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-width-'));
  scenario = path.join(dir, 'replayed.yaml');
  // Three seconds of a recorded access log: three request names, about 40 requests a second.
  const replay = await runPeakgate(
    [
      ...['replay', path.join(root, 'test/fixtures/replay/balancer.log'), '--out', scenario],
      ...['--window', '2026-03-01T10:00:00Z..2026-03-01T10:00:03Z', '--warmup', '1s'],
    ],
    60_000,
  );
  expect(replay.code, explainRun(replay)).toBe(0);
  // replay writes no service or compare section: one short round, ready on /healthz.
  await appendFile(
    scenario,
    'service:\n  ready: { http: /healthz, timeout: 20s }\ncompare:\n  rounds: 1\n  max_rounds: 1\n',
  );
}, 90_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!pty)(`fitting the terminal${pty ? '' : ' (skipped: util-linux script is missing)'}`, () => {
  it.each([80, 120])(
    'compare of a replayed scenario at %i columns: live bars, verdict and per-request tables fit',
    async (columns) => {
      const command = `MODE=good node ${JSON.stringify(BALANCER)}`;
      const run = await runPeakgateInPty(
        [
          ...['compare', scenario, '--driver', 'process', '--out', path.join(dir, `out-${columns}`)],
          ...['--baseline-cmd', command, '--candidate-cmd', command],
        ],
        { NO_COLOR: undefined, FORCE_COLOR: undefined },
        150_000,
        { columns },
      );
      expect([0, 1], run.output).toContain(run.code);
      const drawn = drawnLines(run.output);
      // The live bar was drawn, whole: its p99 figure ends the line, not the terminal's edge.
      expect(drawn.some((line) => /^baseline +\S.* req\/s {2}p99 [\d.]+ ms( \d+ err)?$/.test(line.trimEnd()))).toBe(
        true,
      );
      expect(drawn.some((line) => /^round 1 of 1$/.test(line.trim()))).toBe(true);
      expect(run.output).toMatch(/(PASS|FAIL): the candidate/);
      expect(run.output).toContain('Request');
      expect(run.output).toContain('GET /backends');
      expectFits(run.output, columns);
    },
    160_000,
  );

  it('run of a replayed scenario at 80 columns: its per-request table fits', async () => {
    const port = await freePort();
    const env = { ...process.env, PORT: String(port), MODE: 'good' };
    const balancer = spawn(process.execPath, [BALANCER], { env, stdio: 'ignore' });
    try {
      // Ready when /healthz answers (bounded: 10 s).
      for (let tries = 0; tries < 100; tries++) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ok) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const run = await runPeakgateInPty(['run', scenario, '--target', `http://127.0.0.1:${port}`], {}, 60_000, {
        columns: 80,
      });
      expect(run.code, run.output).toBe(0);
      expect(run.output).toContain('GET /route?key=');
      expectFits(run.output, 80);
    } finally {
      balancer.kill('SIGTERM');
    }
  }, 90_000);
});
