/**
 * `mkdir -p` without Node's `{ recursive: true }`: on Node 20 that loops forever, at full CPU, on
 * a path under /proc (`mkdirSync('/proc/x/y', { recursive: true })` never returns, and the sync
 * form blocks the event loop so not even SIGTERM is handled). Here each missing component is made
 * once, from the top, and the first failure is thrown as it is.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export function makeDirectory(dir: string, mode = 0o777): void {
  const missing: string[] = [];
  for (let current = path.resolve(dir); !exists(current); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const component of missing) {
    try {
      mkdirSync(component, { mode });
    } catch (error) {
      // Another process made it in the meantime: fine.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
