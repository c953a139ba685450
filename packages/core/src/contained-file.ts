/**
 * Reads a file a scenario names (a `load.timeline`, and any data file later) only when it is a
 * regular file inside the scenario's folder. In CI the scenario comes from the pull request under
 * test, so its file names are hostile: `/etc/passwd`, `../victim/credentials`, a symlink pointing out,
 * `/proc/self/environ`, `/dev/zero` (never ends) or a FIFO (blocks a read forever) must not be read.
 *
 * How: the name is resolved against the folder's real path and then through every symlink
 * (realpath); the result must lie inside the folder. That real path is opened with O_NOFOLLOW (a
 * symlink swapped in since is refused) and O_NONBLOCK (a FIFO or device does not block the open);
 * on Linux the opened descriptor's own path (/proc/self/fd/N) is checked against the folder again,
 * so a directory swapped for a link between the check and the open is caught too. fstat on the
 * descriptor must say "regular file"; at most `maxBytes` + 1 bytes are read (a file may grow, and
 * /proc files say size 0). Problems name the file as written, never a byte of its content.
 *
 * Synchronous: the scenario loader is synchronous, and the load engine's re-read happens once before
 * any load starts.
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describeFileKind } from './file-kind.js';

export type ContainedRead = { text: string; path: string } | { problem: string };

/**
 * Reads `name` (relative to `root`, or absolute but inside it) as UTF-8. Returns the text and the
 * file's real path, or why it was not read (a sentence naming `what` and the name as written).
 */
export function readContainedFile(root: string, name: string, maxBytes: number, what = 'the file'): ContainedRead {
  const shown = JSON.stringify(name);
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (error) {
    return { problem: `cannot read ${what} ${shown}: the scenario's folder is unreadable (${errnoText(error)})` };
  }
  if (name.includes('\0')) return { problem: `cannot read ${what} ${shown}: a file name cannot hold NUL` };
  const outside = `${what} must be a file inside the scenario's folder, and ${shown}`;
  const written = path.resolve(realRoot, name);
  let real: string;
  try {
    real = realpathSync(written);
  } catch (error) {
    // Say "outside" before "missing": whether a file outside the folder exists is not the scenario's business.
    if (!isInside(realRoot, written)) return { problem: `${outside} is outside it` };
    return { problem: `cannot read ${what} ${shown}: ${errnoText(error)}` };
  }
  if (real !== realRoot && !isInside(realRoot, real))
    return {
      problem: isInside(realRoot, written) ? `${outside} is a link that leads outside it` : `${outside} is outside it`,
    };
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | NOFOLLOW | NONBLOCK | NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { problem: `${outside} became a link while it was read` };
    return { problem: `cannot read ${what} ${shown}: ${errnoText(error)}` };
  }
  try {
    const opened = openedPath(fd);
    if (opened !== undefined && opened !== realRoot && !isInside(realRoot, opened))
      return { problem: `${outside} moved outside it while it was read` };
    const stat = fstatSync(fd);
    if (!stat.isFile())
      return { problem: `cannot read ${what} ${shown}: it is ${describeFileKind(stat)}, not a regular file` };
    if (stat.size > maxBytes)
      return { problem: `cannot read ${what} ${shown}: it is ${stat.size} bytes; the limit is ${sizeText(maxBytes)}` };
    // Read until EOF or one byte past the limit: the file may grow between fstat and read.
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(stat.size + 1, 64 * 1024)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) break;
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes)
      return { problem: `cannot read ${what} ${shown}: it is over the limit of ${sizeText(maxBytes)}` };
    return { text: buffer.toString('utf8', 0, length), path: real };
  } catch (error) {
    // EAGAIN from a FIFO that fstat did not catch, EISDIR, EIO: the code only, never content.
    return { problem: `cannot read ${what} ${shown}: ${errnoText(error)}` };
  } finally {
    closeSync(fd);
  }
}

/** True when `child` lies strictly below `root` (both absolute and normalized). */
export function isInside(root: string, child: string): boolean {
  const relative = path.relative(root, child);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}

// Absent on Windows: there the realpath containment check still holds, without the open-time guards.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const NOCTTY = constants.O_NOCTTY ?? 0;

/** The path the kernel has for an open descriptor (Linux), or undefined where it cannot say. */
function openedPath(fd: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function sizeText(bytes: number): string {
  const mib = bytes / 1024 / 1024;
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}

function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  return code ?? 'unreadable';
}
