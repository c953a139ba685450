/**
 * Docs must never point at a file that is gone: every TypeScript file name the docs and the README
 * write (`packages/core/src/exit-codes.ts`, `controller/src/run-trial.ts`, `run-trial.ts`) names a
 * file of the repository. A path is looked up as written from the root, then inside each package
 * (`src/main.ts`), then as the tail of any path (`docker/driver.ts`); a bare name anywhere. A file
 * moved or renamed without its docs fails here, naming the doc and line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'tmp', 'artifacts', 'coverage']);

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(path.join(dir, entry.name), out);
    } else out.push(path.relative(root, path.join(dir, entry.name)).split(path.sep).join('/'));
  }
  return out;
}

const files = walk(root, []);
const fileSet = new Set(files);
const docs = ['README.md', ...files.filter((file) => /^docs\/.+\.md$/.test(file))];

function exists(name: string): boolean {
  if (!name.includes('/')) return files.some((file) => file === name || file.endsWith(`/${name}`));
  const relative = name.replace(/^\.\//, '');
  if (fileSet.has(relative)) return true;
  return files.some((file) => file.endsWith(`/${relative}`));
}

describe('file names in the docs', () => {
  it('found docs to read', () => {
    expect(docs).toContain('docs/architecture.md');
    expect(docs).toContain('docs/errors.md');
  });

  it('every .ts file a doc names exists', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const doc of docs) {
      const lines = readFileSync(path.join(root, doc), 'utf8').split('\n');
      lines.forEach((line, index) => {
        // A file name: path characters ending in .ts; not a glob (*.test.ts), a placeholder
        // (<name>.ts), a declaration file or a URL.
        for (const match of line.matchAll(/(?<![\w*<>{}.:/-])([\w.-]+(?:\/[\w.-]+)*\.ts)\b(?![\w/-])/g)) {
          const name = match[1] as string;
          if (name.startsWith('.') || name.endsWith('.d.ts')) continue;
          checked += 1;
          if (!exists(name)) missing.push(`${doc}:${index + 1}: ${name}`);
        }
      });
    }
    expect(checked, 'file names found in the docs').toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });
});
