/**
 * Reads a file as lines, gunzipping it on the fly when it starts with the gzip magic bytes (so
 * `access.log.gz` and a renamed gzip file both work). Lines are cut from the decoded chunks by hand:
 * node:readline costs about twice as much per line, and a 1 GB log must import at 100 MB/s or more.
 * A line longer than `maxLineBytes` is reported as too long and skipped without being held in
 * memory, so a file without line breaks cannot grow the heap.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { describeFileKind, PeakgateError } from '@peakgate/core';

export const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * gzip input that expands more than this many times is refused as a decompression bomb. Real access
 * logs compress 5 to 30 times (deflate cannot exceed about 1,030); a file of zeros reaches the maximum.
 */
export const MAX_GZIP_RATIO = 200;
/** Output decompressed before the ratio is judged, so a small file's header does not count. */
const RATIO_GRACE_BYTES = 8 * 1024 * 1024;

/** An input opened once, checked to be a regular file; every read of it goes through this handle. */
export interface InputFile {
  /** The name as the user gave it (for messages). */
  name: string;
  handle: FileHandle;
  /** Size when it was opened. */
  size: number;
  gzip: boolean;
}

const readError = (file: string, reason: string, cause?: unknown): PeakgateError =>
  new PeakgateError('PG_ERR_REPLAY_READ', `cannot read ${file}: ${reason}`, cause === undefined ? {} : { cause });

/**
 * Opens the input without following it into a wait: O_NONBLOCK so a FIFO without a writer cannot
 * hang the open, then fstat on the open descriptor (not the name, which could be swapped) and
 * anything but a regular file is refused: a FIFO, a socket or /dev/zero would never end.
 */
export async function openInputFile(file: string): Promise<InputFile> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw readError(file, describeReadError(error), error);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw readError(file, 'it is a directory');
    if (!stat.isFile())
      throw readError(file, `it is not a regular file (${describeFileKind(stat)}); replay reads files only`);
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    const gzip = bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    return { name: file, handle, size: stat.size, gzip };
  } catch (error) {
    await handle.close();
    if (error instanceof PeakgateError) throw error;
    throw readError(file, describeReadError(error), error);
  }
}

/** Hint kept because fs errors read "ENOENT: no such file or directory, open 'x'". */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many symbolic links';
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return 'corrupt or truncated gzip data';
  return error instanceof Error ? error.message : String(error);
}

/**
 * The input's bytes from its start, decompressed when it is gzip, read through the checked handle
 * (positioned reads, so the sniffer and the import can each read from the start). gzip output is
 * watched: past {@link RATIO_GRACE_BYTES}, more than {@link MAX_GZIP_RATIO} bytes out per byte in
 * stops the read with PG_ERR_REPLAY_READ, so work stays bounded by the size of the file.
 * `close()` stops the reading (the handle stays open: the caller closes it).
 */
export function openDecoded(input: InputFile): {
  stream: AsyncIterable<Buffer>;
  bytesRead: () => number;
  close: () => void;
} {
  const counter = { bytes: 0, stopped: false };
  const chunks = readChunks(input.handle, counter);
  if (!input.gzip)
    return {
      stream: chunks,
      bytesRead: () => counter.bytes,
      close: () => {
        counter.stopped = true;
      },
    };
  const raw = Readable.from(chunks, { objectMode: false });
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  raw.pipe(gunzip);
  // A failing read must reject the iteration, not hang it.
  raw.on('error', (error) => gunzip.destroy(error));
  const close = (): void => {
    counter.stopped = true;
    raw.unpipe(gunzip);
    raw.destroy();
    gunzip.destroy();
  };
  async function* guarded(): AsyncGenerator<Buffer> {
    let out = 0;
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        out += chunk.length;
        // bytesWritten: compressed bytes the engine has taken in so far.
        if (out > RATIO_GRACE_BYTES && out > MAX_GZIP_RATIO * Math.max(1, gunzip.bytesWritten))
          throw readError(
            input.name,
            `its gzip data expands more than ${MAX_GZIP_RATIO} times (${out} bytes from the first ${gunzip.bytesWritten}), so it is refused as a decompression bomb; if it is a real log, gunzip it and replay the plain file`,
          );
        yield chunk;
      }
    } finally {
      close();
    }
  }
  return { stream: guarded(), bytesRead: () => counter.bytes, close };
}

/**
 * The file's bytes from its start by positioned reads on the checked handle (a stream on the handle
 * would close it when destroyed, and the sniffer and the import each read from the start).
 */
async function* readChunks(handle: FileHandle, counter: { bytes: number; stopped: boolean }): AsyncGenerator<Buffer> {
  for (;;) {
    if (counter.stopped) return;
    const buffer = Buffer.allocUnsafe(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, counter.bytes);
    if (bytesRead === 0) return;
    counter.bytes += bytesRead;
    yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }
}

/**
 * The first non-blank line of the decoded input, reading at most `maxBytes` of decoded data: the
 * format sniffer needs a few KB, never the whole file (a gzip of zeros decompresses to gigabytes
 * without a line end). `undefined` when the prefix holds no line end: `prefix` is then what was read.
 */
export async function firstLine(
  input: InputFile,
  maxBytes = 64 * 1024,
): Promise<{ line: string } | { prefix: string } | { empty: true }> {
  const decoded = openDecoded(input);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of decoded.stream) {
      chunks.push(chunk);
      size += chunk.length;
      const text = Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end === -1) break;
        const line = text.slice(start, end).trim();
        if (line !== '') return { line };
        start = end + 1;
      }
      if (size >= maxBytes) return { prefix: text.slice(start) };
    }
    const rest = Buffer.concat(chunks)
      .toString('utf8')
      .trim()
      .split('\n')
      .find((line) => line.trim() !== '');
    return rest === undefined ? { empty: true } : { line: rest.trim() };
  } finally {
    decoded.close();
  }
}

/** A line's text, or the length of a line that was too long to keep (its text is not held). */
export type Line = string | number;

/**
 * Yields the lines of a decoded byte stream (LF or CRLF endings; a last line without LF counts), a
 * chunk's worth at a time: one `await` per line would cost more than parsing the line. Each chunk is
 * decoded up to its last LF in one call (an LF byte never sits inside a UTF-8 sequence); the bytes
 * after it wait for the next chunk, joined only with that chunk's first line, so no decoder state is
 * needed and no chunk is copied.
 */
export async function* splitLines(stream: AsyncIterable<Buffer>, maxLineBytes = 64 * 1024): AsyncGenerator<Line[]> {
  const cutter = new LineCutter(maxLineBytes);
  let pending: Buffer | undefined;
  for await (const chunk of stream) {
    const lines: Line[] = [];
    let start = 0;
    if (pending !== undefined) {
      const firstLf = chunk.indexOf(0x0a);
      if (firstLf === -1) {
        pending = Buffer.concat([pending, chunk]);
        // Still no line end: past a few lines' worth, decode what is safe so a long line is counted, not kept.
        if (pending.length > maxLineBytes * 4) {
          const cut = safeCut(pending);
          cutter.cut(pending.toString('utf8', 0, cut), lines);
          pending = cut < pending.length ? pending.subarray(cut) : undefined;
        }
        if (lines.length > 0) yield lines;
        continue;
      }
      cutter.cut(Buffer.concat([pending, chunk.subarray(0, firstLf + 1)]).toString('utf8'), lines);
      pending = undefined;
      start = firstLf + 1;
    }
    const lastLf = chunk.lastIndexOf(0x0a);
    const end = lastLf >= start ? lastLf + 1 : start;
    if (end > start) cutter.cut(chunk.toString('utf8', start, end), lines);
    if (end < chunk.length) {
      pending = chunk.subarray(end);
      if (pending.length > maxLineBytes * 4) {
        const cut = safeCut(pending);
        cutter.cut(pending.toString('utf8', 0, cut), lines);
        pending = cut < pending.length ? Buffer.from(pending.subarray(cut)) : undefined;
      }
    }
    if (lines.length > 0) yield lines;
  }
  const tail = cutter.finish(pending === undefined ? '' : pending.toString('utf8'));
  if (tail !== undefined) yield [tail];
}

/** Cuts decoded text into lines, carrying a partial last line to the next text and counting, not keeping, long lines. */
class LineCutter {
  private carry = '';
  /** Characters of a too-long line seen so far (0: not in one). */
  private skipping = 0;

  constructor(private readonly maxLineBytes: number) {}

  cut(text: string, lines: Line[]): void {
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      if (this.skipping > 0) {
        lines.push(this.skipping + end - start);
        this.skipping = 0;
      } else {
        const line = this.carry === '' ? text.slice(start, end) : this.carry + text.slice(start, end);
        this.carry = '';
        if (line.length > this.maxLineBytes) lines.push(line.length);
        else lines.push(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
      }
      start = end + 1;
    }
    const rest = start === 0 ? text : text.slice(start);
    if (this.skipping > 0) this.skipping += rest.length;
    else if (this.carry.length + rest.length > this.maxLineBytes) {
      this.skipping = this.carry.length + rest.length;
      this.carry = '';
    } else this.carry += rest;
  }

  /** The last line (without LF), given the text still undecoded; undefined when there is none. */
  finish(text: string): Line | undefined {
    if (this.skipping > 0) return this.skipping + text.length;
    const tail = this.carry + text;
    if (tail.length > this.maxLineBytes) return tail.length;
    if (tail === '') return undefined;
    return tail.charCodeAt(tail.length - 1) === 13 ? tail.slice(0, -1) : tail;
  }
}

/** A cut point in a chunk without LF that does not split a UTF-8 sequence (before a continuation run). */
function safeCut(chunk: Buffer): number {
  let cut = chunk.length;
  // Back over continuation bytes (10xxxxxx) and the lead byte that starts them, at most 3 + 1.
  for (let back = 0; back < 4 && cut > 0; back++) {
    const byte = chunk[cut - 1] ?? 0;
    if ((byte & 0xc0) === 0x80) cut--;
    else {
      if (byte >= 0xc0) cut--;
      break;
    }
  }
  return cut;
}
