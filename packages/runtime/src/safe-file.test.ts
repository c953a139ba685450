import { closeSync, writeSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogSink } from './log-sink.js';
import { createExclusiveSync, openFreshSync, replaceFile, writeExclusive } from './safe-file.js';

// Issue 23: a pull request commits `out/candidate-1.log -> ~/.bashrc`; nothing peakgate writes may
// follow it. Each case plants a link to a victim file and proves the victim is untouched.
let dir: string;
let victim: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-safe-file-'));
  victim = path.join(dir, 'victim');
  await writeFile(victim, 'victim\n');
  await mkdir(path.join(dir, 'out'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const planted = async (name: string): Promise<string> => {
  const file = path.join(dir, 'out', name);
  await symlink(victim, file);
  return file;
};
const leftovers = async (): Promise<string[]> =>
  (await readdir(path.join(dir, 'out'))).filter((name) => name.includes('.tmp-'));

describe('safe-file', () => {
  it('createExclusiveSync and writeExclusive refuse a name that exists, a link above all', async () => {
    const file = await planted('a.log');
    expect(() => createExclusiveSync(file)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    await expect(writeExclusive(file, 'x')).rejects.toMatchObject({ code: 'EEXIST' });
    const dangling = path.join(dir, 'out', 'dangling');
    await symlink(path.join(dir, 'not-yet'), dangling);
    await expect(writeExclusive(dangling, 'x')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(lstat(path.join(dir, 'not-yet'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(victim, 'utf8')).toBe('victim\n');
  });

  it('openFreshSync replaces a link at the name with a fresh file, never writing through it', async () => {
    const file = await planted('candidate-1.log');
    const fd = openFreshSync(file);
    writeSync(fd, 'service output\n');
    closeSync(fd);
    expect((await lstat(file)).isFile()).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('service output\n');
    expect(await readFile(victim, 'utf8')).toBe('victim\n');
    expect(await leftovers()).toEqual([]);
  });

  it('replaceFile replaces a link or an old file whole, and a folder at the name fails leaving no temporary', async () => {
    const file = await planted('report.html');
    await replaceFile(file, '<html>new</html>\n');
    expect(await readFile(file, 'utf8')).toBe('<html>new</html>\n');
    expect((await lstat(file)).isSymbolicLink()).toBe(false);
    await replaceFile(file, 'again\n');
    expect(await readFile(file, 'utf8')).toBe('again\n');
    const folder = path.join(dir, 'out', 'summary.md');
    await mkdir(folder);
    await expect(replaceFile(folder, 'x')).rejects.toMatchObject({
      code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/),
    });
    expect(await leftovers()).toEqual([]);
    expect(await readFile(victim, 'utf8')).toBe('victim\n');
  });
});

describe('LogSink never follows a planted link (issue 23, item 1)', () => {
  it("a trial's log replaces the link; the victim keeps its content", async () => {
    const file = await planted('candidate-1.log');
    const sink = await LogSink.create(path.join(dir, 'out'), 'candidate', 1);
    sink.write('echo pwned >> ~/.bashrc\n');
    await sink.close();
    expect(sink.path).toBe(file);
    expect((await lstat(file)).isFile()).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('echo pwned >> ~/.bashrc\n');
    expect(await readFile(victim, 'utf8')).toBe('victim\n');
  });

  it('a numbered log skips a name taken by a link instead of opening it', async () => {
    await planted('baseline-1.log');
    const sink = await LogSink.create(path.join(dir, 'out'), 'baseline');
    sink.write('output\n');
    await sink.close();
    expect(path.basename(sink.path)).toBe('baseline-2.log');
    expect(await readFile(victim, 'utf8')).toBe('victim\n');
  });

  it('a folder planted at the log name is PG_ERR_OUTPUT_DIR naming the file', async () => {
    await mkdir(path.join(dir, 'out', 'candidate-3.log'));
    await expect(LogSink.create(path.join(dir, 'out'), 'candidate', 3)).rejects.toMatchObject({
      code: 'PG_ERR_OUTPUT_DIR',
      message: expect.stringContaining('candidate-3.log'),
    });
    expect(await leftovers()).toEqual([]);
  });

  it('two sinks of one name (two runs on one --out) never share a file: no interleaving, no NUL gap', async () => {
    const out = path.join(dir, 'out');
    const first = await LogSink.create(out, 'candidate', 1);
    first.write('first run: a long line of output\n');
    const second = await LogSink.create(out, 'candidate', 1);
    second.write('second\n');
    first.write('first run: more\n');
    await Promise.all([first.close(), second.close()]);
    const text = await readFile(path.join(out, 'candidate-1.log'), 'utf8');
    expect(text).toBe('second\n');
    expect(text).not.toContain('\0');
  });
});
