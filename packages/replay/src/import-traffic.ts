/**
 * Reads a recorded traffic file (Combined Log Format, JSON lines or HAR; gzip or not) into a
 * {@link TrafficSummary}, streaming: lines are parsed and folded one at a time, so memory does not
 * grow with the file (the timeline aside). A bad line is counted and skipped, never fatal; the first
 * few are kept with their line number and reason.
 */
import { PeakgateError } from '@peakgate/core';
import { parseCombinedLine } from './combined-log.js';
import { parseHar } from './har-file.js';
import { defaultJsonFieldMap, type JsonFieldMap, parseJsonLine } from './json-line.js';
import { describeReadError, firstLine, type InputFile, openDecoded, openInputFile, splitLines } from './line-source.js';
import type { ParsedLine, TrafficFormat } from './traffic-record.js';
import { type SummaryOptions, TrafficSummary } from './traffic-summary.js';

export interface ImportOptions extends SummaryOptions {
  file: string;
  format?: TrafficFormat | 'auto';
  jsonFields?: JsonFieldMap;
  /** How many bad lines to keep for the report. Default 5. */
  keepProblems?: number;
  /** Longest line read (longer ones are skipped as bad). Default 64 KiB. */
  maxLineBytes?: number;
}

export interface LineProblem {
  /** 1-based line number (HAR: entry number). */
  line: number;
  message: string;
}

export interface ImportResult {
  format: TrafficFormat;
  gzip: boolean;
  /** Bytes read from the file (compressed size for gzip input). */
  fileBytes: number;
  /** Bytes of text after decompression. */
  textBytes: number;
  /** Lines (HAR: entries) read, blank lines excluded. */
  read: number;
  skipped: number;
  problems: LineProblem[];
  summary: TrafficSummary;
}

/** Largest HAR read (decompressed): a HAR is parsed whole. */
const MAX_HAR_BYTES = 256 * 1024 * 1024;

export async function importTraffic(options: ImportOptions): Promise<ImportResult> {
  // One open for the whole import: the sniffer and the reader read the same checked regular file.
  const input = await openInputFile(options.file);
  try {
    return await importFrom(input, options);
  } finally {
    await input.handle.close();
  }
}

async function importFrom(input: InputFile, options: ImportOptions): Promise<ImportResult> {
  const format = options.format === undefined || options.format === 'auto' ? await sniffInput(input) : options.format;
  const summary = new TrafficSummary(options);
  const keepProblems = options.keepProblems ?? 5;
  const result: ImportResult = {
    format,
    gzip: input.gzip,
    fileBytes: 0,
    textBytes: 0,
    read: 0,
    skipped: 0,
    problems: [],
    summary,
  };
  const take = (line: number, parsed: ParsedLine): void => {
    const outcome = 'problem' in parsed ? parsed : summary.add(parsed.record);
    if (typeof outcome === 'object') {
      result.skipped++;
      if (result.problems.length < keepProblems) result.problems.push({ line, message: outcome.problem });
    }
  };
  if (format === 'har' && !input.gzip && input.size > MAX_HAR_BYTES) throw harTooBig(options.file);
  const decoded = openDecoded(input);
  try {
    if (format === 'har') {
      const text = await readAll(decoded.stream, options.file);
      result.textBytes = Buffer.byteLength(text);
      const har = parseHar(text);
      if ('problem' in har) throw new PeakgateError('PG_ERR_REPLAY_READ', `${options.file}: ${har.problem}`);
      har.entries.forEach((entry, index) => {
        result.read++;
        take(index + 1, entry);
      });
    } else {
      const parse =
        format === 'jsonl'
          ? (line: string) => parseJsonLine(line, options.jsonFields ?? defaultJsonFieldMap)
          : parseCombinedLine;
      let lineNumber = 0;
      for await (const lines of splitLines(decoded.stream, options.maxLineBytes)) {
        for (const line of lines) {
          lineNumber++;
          if (typeof line === 'number') {
            result.read++;
            result.textBytes += line + 1;
            take(lineNumber, { problem: `line too long (${line} characters)` });
            continue;
          }
          result.textBytes += line.length + 1;
          if (isBlank(line)) continue;
          result.read++;
          take(lineNumber, parse(line));
        }
      }
    }
  } catch (error) {
    if (error instanceof PeakgateError) throw error;
    throw new PeakgateError('PG_ERR_REPLAY_READ', `cannot read ${options.file}: ${describeReadError(error)}`, {
      cause: error,
    });
  } finally {
    decoded.close();
  }
  result.fileBytes = decoded.bytesRead();
  return result;
}

/** True for an empty or whitespace-only line; checks the ends first, so a log line costs two char reads. */
function isBlank(line: string): boolean {
  if (line === '') return true;
  const first = line.charCodeAt(0);
  const last = line.charCodeAt(line.length - 1);
  if (first > 32 && last > 32 && first !== 160 && last !== 160) return false;
  return line.trim() === '';
}

const harTooBig = (file: string): PeakgateError =>
  new PeakgateError(
    'PG_ERR_REPLAY_READ',
    `${file}: a HAR file is read whole and this one is over ${MAX_HAR_BYTES / 1024 / 1024} MiB; export a shorter session`,
  );

async function readAll(stream: AsyncIterable<Buffer>, file: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_HAR_BYTES) throw harTooBig(file);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `auto`: a `.har` name (or `.har.gz`) or a first line that opens a JSON document with `log` is HAR;
 * a first line that is a JSON object is JSON lines; anything else is read as the Combined Log Format.
 * Only the first 64 KiB of decoded text are looked at: a first line longer than that is HAR when it
 * starts with `{` (a minified HAR is one long line), else the Combined Log Format.
 */
export async function sniffFormat(file: string): Promise<TrafficFormat> {
  const input = await openInputFile(file);
  try {
    return await sniffInput(input);
  } finally {
    await input.handle.close();
  }
}

async function sniffInput(input: InputFile): Promise<TrafficFormat> {
  if (/\.har(\.gz)?$/i.test(input.name)) return 'har';
  let first: Awaited<ReturnType<typeof firstLine>>;
  try {
    first = await firstLine(input);
  } catch (error) {
    if (error instanceof PeakgateError) throw error;
    throw new PeakgateError('PG_ERR_REPLAY_READ', `cannot read ${input.name}: ${describeReadError(error)}`, {
      cause: error,
    });
  }
  if ('empty' in first) return 'combined';
  if ('prefix' in first) return first.prefix.trimStart().startsWith('{') ? 'har' : 'combined';
  const text = first.line;
  if (text === '{' || /^\{\s*"log"\s*:/.test(text)) return 'har';
  return text.startsWith('{') ? 'jsonl' : 'combined';
}
