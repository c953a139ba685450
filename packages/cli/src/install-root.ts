/**
 * Where peakgate's own files are (the demo scenario, the sample services, the Dockerfiles): the
 * checkout this CLI runs from (the folder with pnpm-workspace.yaml), or the installed `peakgate`
 * npm package, which ships them at the same relative paths (scripts/pack-release.mjs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PeakgateError } from '@peakgate/core';

/** The released package's name: its root holds the files a checkout holds at the same paths. */
const PACKAGE_NAME = 'peakgate';

function isPackageRoot(dir: string): boolean {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The checkout or installed package above this module; throws PG_ERR_INTERNAL when neither is. */
export function installRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml')) && !isPackageRoot(dir)) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new PeakgateError(
        'PG_ERR_INTERNAL',
        `cannot find peakgate's own files above ${from} (neither a checkout with pnpm-workspace.yaml nor the installed peakgate package)`,
      );
    dir = parent;
  }
  return dir;
}
