/**
 * The folder a run writes its service logs (and, for compare, its report files) to: the one the
 * user gave, or a fresh `.peakgate/runs/<time>` under the current directory.
 */
import { resolve } from 'node:path';

export function runDirectory(outDir: string | undefined): string {
  return resolve(outDir ?? `.peakgate/runs/${new Date().toISOString().replace(/[:.]/g, '-')}`);
}
