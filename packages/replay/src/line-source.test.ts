import { describe, expect, it } from 'vitest';
import { type Line, splitLines } from './line-source.js';

async function collect(chunks: Buffer[], maxLineBytes?: number): Promise<Line[]> {
  async function* stream() {
    yield* chunks;
  }
  const lines: Line[] = [];
  for await (const batch of splitLines(stream(), maxLineBytes)) lines.push(...batch);
  return lines;
}

describe('splitLines', () => {
  it('keeps a UTF-8 character split across chunks whole, and CRLF and a last line without LF', async () => {
    const bytes = Buffer.from('/é1\r\n/ü€2\n\n/日本3', 'utf8');
    // Every cut point, including the middle of each multi-byte character.
    for (let cut = 1; cut < bytes.length; cut++)
      expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['/é1', '/ü€2', '', '/日本3']);
    expect(await collect(Array.from(bytes, (byte) => Buffer.from([byte])))).toEqual(['/é1', '/ü€2', '', '/日本3']);
  });

  it('reports lines over the limit by length without keeping them, with or without a line end', async () => {
    const long = 'x'.repeat(50);
    expect(await collect([Buffer.from(`a\n${long}\nb\n`)], 10)).toEqual(['a', 50, 'b']);
    // A file without line breaks, in chunks: one long line, counted, never held whole.
    expect(await collect([Buffer.from(long), Buffer.from(long)], 10)).toEqual([100]);
    expect(await collect([Buffer.from(long), Buffer.from(`${long}\nok`)], 10)).toEqual([100, 'ok']);
  });
});
