import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from './make-directory.js';

describe('makeDirectory', () => {
  it('makes every missing component with the mode asked, and accepts one that exists', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'peakgate-mkdir-'));
    try {
      const dir = path.join(base, 'a', 'b', 'c');
      makeDirectory(dir, 0o700);
      makeDirectory(dir, 0o700);
      expect(statSync(dir).isDirectory()).toBe(true);
      expect(statSync(path.join(base, 'a')).mode & 0o777).toBe(0o700);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it.skipIf(process.platform !== 'linux')('fails at once under /proc, where recursive mkdir never returns', () => {
    const started = performance.now();
    expect(() => makeDirectory('/proc/peakgate-nonexistent/state')).toThrow(/ENOENT/);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(existsSync('/proc/peakgate-nonexistent')).toBe(false);
  });
});
