/**
 * Timeline files (`load.timeline`): an exact request timeline, one arrival per line as
 * `<offset ms> <request index>` (offsets from the recording's start, non-decreasing; the index points
 * into `load.requests`), `#` comments and blank lines ignored. `peakgate replay --timeline` writes
 * them; the scenario loader checks them (file:line of the first problems) and the load engine reads
 * them again when the run starts (the plan carries the path and the facts, not a million numbers).
 *
 * A timeline is read only inside the scenario file's folder, as a regular file of at most
 * `scenarioInputCaps.timelineBytes` (contained-file.ts): a scenario from a pull request cannot make us read
 * a host file, a device or a FIFO, and a scenario that arrives as text (the HTTP API) cannot name a
 * file at all. Problems name the line, never its content: the file may not be a timeline at all.
 */
import path from 'node:path';
import { readContainedFile } from '../contained-file.js';
import { PeakgateError } from '../errors.js';
import { scenarioInputCaps } from './input-caps.js';

/** What the plan keeps of a timeline. */
export interface TimelineFacts {
  /** Absolute path of the timeline file. */
  path: string;
  arrivals: number;
  /** Offset of the last arrival, ms, unscaled. */
  lastOffsetMs: number;
  /** Most arrivals in one second of the recording (unscaled). */
  peakPerSecond: number;
}

/** The arrivals, for the load engine. */
export interface TimelineArrivals {
  offsetsMs: Float64Array;
  requestIndex: Uint32Array;
}

/** Most arrivals one timeline may hold (12 bytes each in memory while a run replays it). */
export const MAX_TIMELINE_ARRIVALS = 20_000_000;

/** Parses timeline text; problems name the line (at most `maxProblems`). */
export function parseTimeline(
  text: string,
  requestCount: number,
  maxProblems = 5,
): { arrivals: TimelineArrivals; peakPerSecond: number } | { problems: string[] } {
  const problems: string[] = [];
  let offsets = new Float64Array(1024);
  let indices = new Uint32Array(1024);
  let count = 0;
  let previous = 0;
  let lineNumber = 0;
  let peak = 0;
  let bucket = -1;
  let inBucket = 0;
  let start = 0;
  const report = (message: string): void => {
    if (problems.length < maxProblems) problems.push(`line ${lineNumber}: ${message}`);
  };
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\d+(?:\.\d+)?)\s+(\d+)$/.exec(line);
    if (match === null) {
      report('expected "<offset ms> <request index>"');
      continue;
    }
    const offset = Number(match[1]);
    const index = Number(match[2]);
    if (!Number.isFinite(offset)) report('the offset is too large');
    else if (index >= requestCount)
      report(`the request index is past the last request (load.requests has ${requestCount})`);
    else if (offset < previous) report("the offset is before the previous line's: keep lines in time order");
    else {
      if (count === MAX_TIMELINE_ARRIVALS) {
        report(`more than ${MAX_TIMELINE_ARRIVALS} arrivals`);
        break;
      }
      if (count === offsets.length) {
        const grownOffsets = new Float64Array(count * 2);
        grownOffsets.set(offsets);
        offsets = grownOffsets;
        const grownIndices = new Uint32Array(count * 2);
        grownIndices.set(indices);
        indices = grownIndices;
      }
      offsets[count] = offset;
      indices[count] = index;
      count++;
      previous = offset;
      const second = Math.floor(offset / 1000);
      if (second !== bucket) {
        bucket = second;
        inBucket = 0;
      }
      inBucket++;
      if (inBucket > peak) peak = inBucket;
    }
  }
  if (problems.length === 0 && count === 0)
    problems.push('no arrivals: expected lines of "<offset ms> <request index>"');
  if (problems.length > 0) return { problems };
  return {
    arrivals: { offsetsMs: offsets.slice(0, count), requestIndex: indices.slice(0, count) },
    peakPerSecond: peak,
  };
}

/** Checks a scenario's timeline file (read synchronously: the scenario loader is synchronous). */
export function checkTimelineFile(
  file: string,
  baseDir: string | undefined,
  requestCount: number,
): { facts: TimelineFacts } | { message: string } {
  if (baseDir === undefined)
    return {
      message:
        'a timeline is read relative to the scenario file, and this scenario was not read from a file (the HTTP API cannot name files)',
    };
  const read = readContainedFile(baseDir, file, scenarioInputCaps.timelineBytes, 'the timeline');
  if ('problem' in read) return { message: read.problem };
  const absolute = read.path;
  const text = read.text;
  const parsed = parseTimeline(text, requestCount);
  if ('problems' in parsed) return { message: `timeline ${file}: ${parsed.problems.join('; ')}` };
  const { offsetsMs } = parsed.arrivals;
  return {
    facts: {
      path: absolute,
      arrivals: offsetsMs.length,
      lastOffsetMs: offsetsMs[offsetsMs.length - 1] ?? 0,
      peakPerSecond: parsed.peakPerSecond,
    },
  };
}

/**
 * The load engine's read of a timeline the loader checked: throws PG_ERR_SCENARIO_INVALID when it
 * no longer parses or changed since the scenario was loaded.
 */
export async function readTimelineFile(facts: TimelineFacts, requestCount: number): Promise<TimelineArrivals> {
  // The same guards as at load time: still a regular file inside its folder, still within the limit.
  const read = readContainedFile(
    path.dirname(facts.path),
    path.basename(facts.path),
    scenarioInputCaps.timelineBytes,
    'the timeline',
  );
  if ('problem' in read) throw new PeakgateError('PG_ERR_SCENARIO_INVALID', `load.timeline: ${read.problem}`);
  const { text } = read;
  const parsed = parseTimeline(text, requestCount);
  if ('problems' in parsed)
    throw new PeakgateError('PG_ERR_SCENARIO_INVALID', `load.timeline: ${facts.path}: ${parsed.problems.join('; ')}`);
  const { offsetsMs } = parsed.arrivals;
  if (offsetsMs.length !== facts.arrivals || (offsetsMs[offsetsMs.length - 1] ?? 0) !== facts.lastOffsetMs)
    throw new PeakgateError(
      'PG_ERR_SCENARIO_INVALID',
      `load.timeline: ${facts.path} changed after the scenario was read (${offsetsMs.length} arrivals, expected ${facts.arrivals})`,
    );
  return parsed.arrivals;
}
