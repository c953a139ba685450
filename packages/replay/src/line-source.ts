/**
 * Reads a file as lines, gunzipping it on the fly when it starts with the gzip magic bytes (so
 * `access.log.gz` and a renamed gzip file both work). Lines are cut from the decoded chunks by hand:
 * node:readline costs about twice as much per line, and a 1 GB log must import at 100 MB/s or more.
 * A line longer than `maxLineBytes` is reported as too long and skipped without being held in
 * memory, so a file without line breaks cannot grow the heap.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** True when the file starts with the gzip magic bytes. */
export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** A stream of the file's bytes, decompressed when it is gzip. */
export async function openDecoded(
  file: string,
): Promise<{ stream: AsyncIterable<Buffer>; gzip: boolean; bytesRead: () => number }> {
  const gzip = await isGzipFile(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 18 })) : raw;
  // A failing gunzip (truncated or corrupt file) must reject the iteration, not hang it.
  if (gzip) raw.on('error', (error) => stream.destroy(error));
  return { stream, gzip, bytesRead: () => raw.bytesRead };
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
