import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portInUse } from './free-port.js';
import { LOG_FILE_MAX_BYTES, LOG_LINE_MAX_CHARS, LOG_TAIL_LINES, LogSink } from './log-sink.js';

describe('LogSink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-logsink-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the file, keeps the last 50 lines across chunk boundaries, and notifies watchers', async () => {
    const sink = await LogSink.create(dir, 'baseline');
    const seen: string[] = [];
    sink.watch((line) => seen.push(line));
    for (let i = 0; i < 60; i++) sink.write(`line ${i}\n`);
    sink.write('split ');
    sink.write('line\nunterminated');
    expect(sink.lines()).toHaveLength(LOG_TAIL_LINES);
    expect(sink.lines().at(-1)).toBe('unterminated');
    expect(sink.lines().at(-2)).toBe('split line');
    expect(seen).toContain('split line');
    await sink.close();
    expect(await readFile(sink.path, 'utf8')).toMatch(/^line 0\n[\s\S]*split line\nunterminated$/);
  });

  it('keeps a line that never ends to its first 16 KiB, in bounded time, and goes on after its newline', async () => {
    const sink = await LogSink.create(dir, 'endless');
    const seen: string[] = [];
    sink.watch((line) => seen.push(line));
    const chunk = 'a'.repeat(64 * 1024);
    const started = Date.now();
    // 64 MiB with no newline: before the cap each chunk re-split the whole line so far (quadratic).
    for (let i = 0; i < 1024; i++) sink.write(chunk);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sink.lines().at(-1)).toHaveLength(LOG_LINE_MAX_CHARS);
    sink.write('still the same line\r\nnext line\n');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(`${'a'.repeat(LOG_LINE_MAX_CHARS)} [peakgate: line cut at ${LOG_LINE_MAX_CHARS} characters]`);
    expect(seen[1]).toBe('next line');
    await sink.close();
  });

  it('stops writing the file at its cap with one note, while the tail still follows the output', async () => {
    const sink = await LogSink.create(dir, 'chatty');
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < LOG_FILE_MAX_BYTES / 1024 + 10; i++) sink.write(line);
    sink.write('last words\n');
    expect(sink.lines().at(-1)).toBe('last words');
    await sink.close();
    const text = await readFile(sink.path, 'utf8');
    expect(text.length).toBeLessThanOrEqual(LOG_FILE_MAX_BYTES + 200);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^\[peakgate\] log cut at 64 MiB/);
    expect(text).not.toContain('last words');
  });

  it('takes the next free number per role, or the given trial', async () => {
    const a = await LogSink.create(dir, 'candidate');
    const b = await LogSink.create(dir, 'candidate');
    const c = await LogSink.create(dir, 'candidate', 7);
    expect([a.path, b.path, c.path].map((p) => path.basename(p))).toEqual([
      'candidate-1.log',
      'candidate-2.log',
      'candidate-7.log',
    ]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

describe('portInUse', () => {
  it('finds the port in an EADDRINUSE line', () => {
    expect(portInUse(['ok', 'Error: listen EADDRINUSE: address already in use 127.0.0.1:41234'], 1)).toBe(41234);
    expect(portInUse(['bind: address already in use'], 8080)).toBe(8080);
    expect(portInUse(['all good'], 8080)).toBeUndefined();
  });
});
