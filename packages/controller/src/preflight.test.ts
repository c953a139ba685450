import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPeakgateError } from '@peakgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBuildDirectories, prepareOutputDirectory } from './preflight.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-preflight-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return isPeakgateError(error) ? `${error.code}: ${error.message}` : String(error);
  }
};

describe('prepareOutputDirectory', () => {
  it('makes missing folders and leaves no write check behind', async () => {
    const out = path.join(dir, 'a', 'b', 'c');
    await prepareOutputDirectory(out);
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses a file, a path through a file and a folder under /proc, at once', async () => {
    const file = path.join(dir, 'file');
    await writeFile(file, 'x');
    expect(await codeOf(prepareOutputDirectory(file))).toMatch(/^PG_ERR_OUTPUT_DIR: .*it is not a folder/);
    expect(await codeOf(prepareOutputDirectory(path.join(file, 'x')))).toMatch(/^PG_ERR_OUTPUT_DIR: .*is a file/);
    expect(await codeOf(prepareOutputDirectory('/proc/peakgate-preflight/x'))).toMatch(/^PG_ERR_OUTPUT_DIR/);
  });
});

describe('checkBuildDirectories', () => {
  it('refuses a command build whose cwd is missing or a file; images and absent cwd pass', async () => {
    const file = path.join(dir, 'cwd-file');
    await writeFile(file, 'x');
    const command = (cwd?: string) => ({ kind: 'command' as const, command: 'true', env: {}, ...(cwd ? { cwd } : {}) });
    expect(await codeOf(checkBuildDirectories([['baseline', command('/nonexistent-peakgate')]]))).toBe(
      "PG_ERR_OPTS_INVALID: the baseline's working directory /nonexistent-peakgate does not exist",
    );
    expect(await codeOf(checkBuildDirectories([['candidate', command(file)]]))).toMatch(/is not a folder$/);
    expect(
      await codeOf(
        checkBuildDirectories([
          ['baseline', command(dir)],
          ['candidate', { kind: 'image', image: 'x' }],
          ['candidate', command()],
        ]),
      ),
    ).toBe('ok');
  });
});
