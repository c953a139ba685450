/**
 * A single file peakgate writes at a path the user names (`replay --out scenario.yaml` and its
 * timeline), under issue 23's rule: never through a link, never over a file peakgate did not write.
 * The path's folders below the current one must be real folders; a link at the name itself is
 * refused (PG_ERR_OUTPUT_UNSAFE); an existing regular file is replaced only when its first line
 * says peakgate wrote it (a rerun of the same replay), or with `--force` (PG_ERR_OUTPUT_FOREIGN
 * otherwise). The write itself is a fresh file renamed over the name (safe-file.ts), so nothing
 * is ever written through whatever sits there.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { PeakgateError } from '@peakgate/core';

/** How far into an existing file its peakgate first line is looked for. */
const SIGNATURE_BYTES = 512;

export interface OwnFileCheck {
  file: string;
  /** The first line of a file peakgate wrote there (what a rerun replaces). */
  signature: RegExp;
  /** What the file is, for messages: "scenario", "timeline". */
  what: string;
}

/** Throws unless every file may be written (checked all before any is written). */
export async function assertOwnFiles(checks: readonly OwnFileCheck[], force: boolean): Promise<void> {
  const { assertNoLinkOnPath } = await import('@peakgate/controller');
  for (const check of checks) {
    await assertNoLinkOnPath(path.dirname(path.resolve(check.file)));
    const stats = await lstat(check.file).catch(() => undefined);
    if (stats === undefined) continue;
    if (stats.isSymbolicLink() || !stats.isFile())
      throw new PeakgateError(
        'PG_ERR_OUTPUT_UNSAFE',
        `--out ${check.file} is ${stats.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; peakgate never writes through one (--force does not change this): remove it or choose another name`,
      );
    if (force || check.signature.test(await firstLine(check.file))) continue;
    throw new PeakgateError(
      'PG_ERR_OUTPUT_FOREIGN',
      `--out ${check.file} exists and is not a ${check.what} peakgate wrote (its first line is not peakgate's); choose another name, or --force to replace it`,
    );
  }
}

/** The first line, read without following a link and without reading more than a few hundred bytes. */
async function firstLine(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.alloc(SIGNATURE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SIGNATURE_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
  } finally {
    await handle.close();
  }
}

/** The first line of a scenario `peakgate replay` wrote (compose-replay.ts's header comment). */
export const REPLAY_SCENARIO_SIGNATURE = /^# Imported by peakgate \S+ replay from /;
/** The first line of a timeline `peakgate replay --timeline` wrote (timeline-text.ts). */
export const REPLAY_TIMELINE_SIGNATURE = /^# peakgate timeline: /;
