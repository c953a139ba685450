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
 * after it wait for the next chunk, so no per-chunk decoder state is needed.
 */
export async function* splitLines(stream: AsyncIterable<Buffer>, maxLineBytes = 64 * 1024): AsyncGenerator<Line[]> {
  let carry = '';
  let skipping = 0;
  let pending: Buffer | undefined;
  for await (const received of stream) {
    const chunk = pending === undefined ? received : Buffer.concat([pending, received]);
    pending = undefined;
    const lastLf = chunk.lastIndexOf(0x0a);
    if (lastLf === -1 && chunk.length <= maxLineBytes * 4) {
      // No line end yet: keep the bytes (a line's worth at most before they count as text of a long line).
      pending = chunk;
      continue;
    }
    const cut = lastLf === -1 ? safeCut(chunk) : lastLf + 1;
    if (cut < chunk.length) pending = chunk.subarray(cut);
    const text = chunk.toString('utf8', 0, cut);
    const lines: Line[] = [];
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      if (skipping > 0) {
        lines.push(skipping + end - start);
        skipping = 0;
      } else {
        const line = carry === '' ? text.slice(start, end) : carry + text.slice(start, end);
        carry = '';
        if (line.length > maxLineBytes) lines.push(line.length);
        else lines.push(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
      }
      start = end + 1;
    }
    const rest = text.slice(start);
    if (skipping > 0) skipping += rest.length;
    else if (carry.length + rest.length > maxLineBytes) {
      skipping = carry.length + rest.length;
      carry = '';
    } else carry += rest;
    if (lines.length > 0) yield lines;
  }
  const tail = carry + (pending === undefined ? '' : pending.toString('utf8'));
  if (skipping > 0) yield [skipping + tail.length];
  else if (tail.length > maxLineBytes) yield [tail.length];
  else if (tail !== '') yield [tail.charCodeAt(tail.length - 1) === 13 ? tail.slice(0, -1) : tail];
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
