/**
 * Fault matrix, item 4: files that are not scenarios. A FIFO (reading it would wait for a writer
 * forever), /dev/zero and /dev/urandom (endless), a folder and a 50 MB file are refused by
 * `peakgate validate` with exit 2 before anything is parsed: at once and in little memory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from '../cli-support.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-files-'));
  execFileSync('mkfifo', [path.join(dir, 'fifo.yaml')]);
  // 50 MB: a description holding one huge scalar, as the probe wrote it.
  const big = await open(path.join(dir, 'big.yaml'), 'w');
  await big.write('name: big\ndescription: ');
  const chunk = 'a'.repeat(1024 * 1024);
  for (let i = 0; i < 50; i++) await big.write(chunk);
  await big.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validate refuses what is not a scenario file, at once', () => {
  it.each([
    ['a FIFO', 'fifo.yaml', 'it is not a regular file (a FIFO)'],
    ['/dev/zero', '/dev/zero', 'it is not a regular file (a character device)'],
    ['/dev/urandom', '/dev/urandom', 'it is not a regular file (a character device)'],
    ['a folder', '.', 'it is a directory'],
    ['a 50 MB file', 'big.yaml', 'the limit is 1 MiB'],
  ])('%s', async (_what, name, words) => {
    const file = name.startsWith('/') ? name : path.join(dir, name);
    const started = Date.now();
    const run = await runPeakgate(['validate', file], 15_000);
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain('[PG_ERR_SCENARIO_READ]');
    expect(run.stderr).toContain(words);
    expect(run.stderr.length).toBeLessThan(2000); // nothing echoed whole
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
