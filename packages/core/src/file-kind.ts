/**
 * What a path that is not a regular file turned out to be, for the errors of every reader of a
 * hostile path (scenario files, the files they name, replay inputs): a FIFO or a device never ends
 * or blocks, so each refuses it by name.
 */
import type { Stats } from 'node:fs';

export type FileKindStats = Pick<Stats, 'isDirectory' | 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>;

export function describeFileKind(stat: FileKindStats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}
