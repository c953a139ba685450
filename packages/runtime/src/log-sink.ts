/**
 * Captures a service's output: appends it to its log file, keeps the last lines for error
 * messages, and lets readiness checks watch for a line.
 */

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createStreamMasker, maskSecrets, PeakgateError } from '@peakgate/core';
import { makeDirectory } from './make-directory.js';
import { createExclusiveSync, openFreshSync } from './safe-file.js';

export const LOG_TAIL_LINES = 50;
/**
 * The longest line kept whole for the tail and the readiness watchers (the readiness pattern reads
 * only a line's first 16 KiB too). A build that never prints a newline would otherwise grow one
 * string without end, and re-split it on every chunk (issue 23: a build's output is hostile).
 */
export const LOG_LINE_MAX_CHARS = 16 * 1024;
/** Past this, a log file gets one note and no more of the output: a chatty build cannot fill the disk. */
export const LOG_FILE_MAX_BYTES = 64 * 1024 * 1024;

export class LogSink {
  private readonly tail: string[] = [];
  private partial = '';
  /** The current line went past LOG_LINE_MAX_CHARS: the rest of it, up to its newline, is dropped. */
  private overflowing = false;
  private fileBytes = 0;
  private fileFull = false;
  private readonly watchers = new Set<(line: string) => void>();
  private closed = false;
  private readonly decoder = new StringDecoder('utf8');
  private readonly masker = createStreamMasker();

  private constructor(
    readonly path: string,
    private readonly file: WriteStream,
  ) {}

  /**
   * Opens `<outDir>/<role>-<n>.log`, taking the next free n when trial is not given. The file is
   * always a fresh one (safe-file.ts): a build's output is never written through a link or into a
   * file that was there before (issue 23: a pull request committed `candidate-1.log -> ~/.bashrc`).
   */
  static async create(outDir: string, role: string, trial?: number): Promise<LogSink> {
    makeDirectory(outDir);
    if (trial !== undefined) {
      const file = path.join(outDir, `${role}-${trial}.log`);
      // Replaces an earlier run's log of that name (a link there is replaced, not followed).
      try {
        return new LogSink(file, createWriteStream(file, { fd: openFreshSync(file) }));
      } catch (error) {
        throw logOpenError(file, error);
      }
    }
    for (let n = 1; ; n++) {
      const file = path.join(outDir, `${role}-${n}.log`);
      try {
        // O_EXCL fails when the name exists (a link too), so concurrent starts never share a log.
        const fd = createExclusiveSync(file);
        return new LogSink(file, createWriteStream(file, { fd }));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw logOpenError(file, error);
      }
    }
  }

  write(chunk: Buffer | string): void {
    if (this.closed) return;
    // Values handed in with --env are masked before they reach the file or the tail (error reasons);
    // the stream masker keeps a value split across two chunks whole. Bytes are decoded as UTF-8 once.
    const decoded = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    this.writeFile(this.masker.push(decoded));
    let text = decoded;
    if (this.overflowing) {
      const end = text.indexOf('\n');
      if (end === -1) return;
      this.overflowing = false;
      this.pushLine(
        maskSecrets(`${this.partial.replace(/\r$/, '')} [peakgate: line cut at ${LOG_LINE_MAX_CHARS} characters]`),
      );
      this.partial = '';
      text = text.slice(end + 1);
    }
    const lines = (this.partial + text).split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.pushLine(maskSecrets(line.slice(0, LOG_LINE_MAX_CHARS)));
    if (this.partial.length > LOG_LINE_MAX_CHARS) {
      this.partial = this.partial.slice(0, LOG_LINE_MAX_CHARS);
      this.overflowing = true;
    }
  }

  private writeFile(text: string): void {
    if (this.fileFull || text === '') return;
    const bytes = Buffer.byteLength(text);
    if (this.fileBytes + bytes > LOG_FILE_MAX_BYTES) {
      this.fileFull = true;
      this.file.write(
        `\n[peakgate] log cut at ${LOG_FILE_MAX_BYTES / 1024 / 1024} MiB: the rest of the output is not kept\n`,
      );
      return;
    }
    this.fileBytes += bytes;
    this.file.write(text);
  }

  /** Notes from peakgate itself, marked so they are not mistaken for service output. */
  note(text: string): void {
    this.write(`[peakgate] ${text}\n`);
  }

  /** Calls onLine for every complete line from now on (and the partial line on close); returns an unsubscribe. */
  watch(onLine: (line: string) => void): () => void {
    this.watchers.add(onLine);
    return () => this.watchers.delete(onLine);
  }

  /** Last lines of output (up to 50), including an unterminated last line. */
  lines(): string[] {
    const all = this.partial === '' ? [...this.tail] : [...this.tail, maskSecrets(this.partial)];
    return all.slice(-LOG_TAIL_LINES);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.partial !== '') {
      this.pushLine(maskSecrets(this.partial));
      this.partial = '';
    }
    this.closed = true;
    this.writeFile(this.masker.push(this.decoder.end()) + this.masker.end());
    this.file.end();
    if (!this.file.closed) await once(this.file, 'close').catch(() => undefined);
  }

  private pushLine(line: string): void {
    this.tail.push(line);
    if (this.tail.length > LOG_TAIL_LINES) this.tail.shift();
    for (const watcher of this.watchers) watcher(line);
  }
}

/** A log that cannot be made (a folder planted at its name, a full disk): the output folder's fault, exit 2. */
function logOpenError(file: string, error: unknown): PeakgateError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EISDIR'
      ? 'a folder has its name'
      : code === 'ENOSPC'
        ? 'no space left on the disk'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : error instanceof Error
            ? error.message
            : String(error);
  return new PeakgateError('PG_ERR_OUTPUT_DIR', `cannot create the service log ${file}: ${reason}`, { cause: error });
}

/** The log file's stem: the role, plus the dependency's name for a dependency (`candidate-kv`). */
export function logName(options: { role: string; component?: string }): string {
  return options.component === undefined ? options.role : `${options.role}-${options.component}`;
}
