import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isInside, readContainedFile } from './contained-file.js';

const top = mkdtempSync(path.join(tmpdir(), 'pg-contained-'));
const root = path.join(top, 'checkout');
const victim = path.join(top, 'victim');
mkdirSync(path.join(root, 'sub'), { recursive: true });
mkdirSync(victim);
const SECRET = 'AKIAVICTIMSECRET1234';
writeFileSync(path.join(victim, 'credentials'), `aws_access_key_id = ${SECRET}\n`);
writeFileSync(path.join(root, 'ok.txt'), 'hello\n');
writeFileSync(path.join(root, 'sub', 'deep.txt'), 'deep\n');
symlinkSync(path.join(victim, 'credentials'), path.join(root, 'out-link'));
symlinkSync(path.join(root, 'ok.txt'), path.join(root, 'in-link'));
symlinkSync(victim, path.join(root, 'out-dir'));
afterAll(() => rmSync(top, { recursive: true, force: true }));

const problem = (name: string, max = 1024): string => {
  const read = readContainedFile(root, name, max, 'the timeline');
  if (!('problem' in read)) throw new Error(`expected a refusal of ${name}, read ${read.text.length} characters`);
  expect(read.problem).not.toContain(SECRET);
  return read.problem;
};

describe('readContainedFile', () => {
  it('reads a regular file inside the folder, by relative, absolute or inner-link name', () => {
    expect(readContainedFile(root, 'ok.txt', 1024)).toMatchObject({ text: 'hello\n' });
    expect(readContainedFile(root, 'sub/deep.txt', 1024)).toMatchObject({ text: 'deep\n' });
    expect(readContainedFile(root, 'sub/../ok.txt', 1024)).toMatchObject({ text: 'hello\n' });
    expect(readContainedFile(root, path.join(root, 'ok.txt'), 1024)).toMatchObject({ text: 'hello\n' });
    // A link that stays inside is followed; the real path is what the caller keeps.
    const inner = readContainedFile(root, 'in-link', 1024);
    expect(inner).toMatchObject({ text: 'hello\n' });
    expect('path' in inner && path.basename(inner.path)).toBe('ok.txt');
  });

  it('refuses names outside the folder, whether they exist or not', () => {
    expect(problem('/etc/passwd')).toBe(
      `the timeline must be a file inside the scenario's folder, and "/etc/passwd" is outside it`,
    );
    expect(problem('../victim/credentials')).toMatch(/"\.\.\/victim\/credentials" is outside it$/);
    expect(problem('../victim/absent')).toMatch(/is outside it$/);
    expect(problem('/proc/self/environ')).toMatch(/is outside it$/);
    expect(problem('/dev/zero')).toMatch(/is outside it$/);
  });

  it('refuses a link, or a link in the path, that leads outside', () => {
    expect(problem('out-link')).toMatch(/"out-link" is a link that leads outside it$/);
    expect(problem('out-dir/credentials')).toMatch(/is a link that leads outside it$/);
  });

  it('refuses what is not a regular file: a directory, a FIFO (without blocking)', () => {
    expect(problem('sub')).toMatch(/it is a directory, not a regular file$/);
    expect(problem('.')).toMatch(/it is a directory, not a regular file$/);
    if (process.platform === 'win32') return;
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const started = performance.now();
    expect(problem('pipe')).toMatch(/it is a FIFO, not a regular file$/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a file over the limit without reading it whole', () => {
    writeFileSync(path.join(root, 'big.txt'), 'x'.repeat(2048));
    expect(problem('big.txt', 1024)).toMatch(/"big\.txt": it is 2048 bytes; the limit is 1024 bytes$/);
    expect(readContainedFile(root, 'big.txt', 2048)).toMatchObject({ text: 'x'.repeat(2048) });
  });

  it('says "no such file" for a missing name inside the folder', () => {
    expect(problem('absent.txt')).toBe('cannot read the timeline "absent.txt": no such file');
  });

  it('isInside: strictly below, never the root itself or a sibling sharing a prefix', () => {
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(false);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true);
  });
});
