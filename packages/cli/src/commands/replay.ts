/**
 * `peakgate replay <file> --out scenarios/NAME.yaml [--format auto|combined|jsonl|har] [--speed 3x |
 * --peak-rate 5000] [--window START..END] [--top N] [--map field=name]… [--keep-secrets] [--timeline]`:
 * imports recorded traffic (an access log, JSON lines or a HAR; gzip or not) into a scenario that
 * `validate` accepts: the request mix, the arrival-rate curve as rate steps (or, with --timeline, an
 * exact timeline file beside the scenario) and the observed statuses as the expectation.
 *
 * Outcome `done`. Bad flags are PG_ERR_OPTS_INVALID, an unreadable input PG_ERR_REPLAY_READ, an
 * input without one usable request PG_ERR_REPLAY_EMPTY (all exit 2). Bad lines are skipped and
 * counted, never fatal.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  formatDuration,
  loadScenarioFile,
  PeakgateError,
  parseDuration,
  scenarioInputCaps,
  UnitError,
} from '@peakgate/core';
import type { Command } from 'commander';
import { assertOwnFiles, REPLAY_SCENARIO_SIGNATURE, REPLAY_TIMELINE_SIGNATURE } from '../own-file.js';
import type { PeakgateCommand } from './command.js';

interface ReplayFlags {
  out?: string;
  format: string;
  speed?: string;
  peakRate?: string;
  window?: string;
  top: string;
  map?: string[];
  keepSecrets?: boolean;
  timeline?: boolean;
  name?: string;
  warmup: string;
  duration?: string;
  json?: boolean;
  force?: boolean;
}

const FORMATS = ['auto', 'combined', 'jsonl', 'har'] as const;
type FormatFlag = (typeof FORMATS)[number];

export const replayCommand: PeakgateCommand<ReplayFlags> = {
  define: (program: Command) =>
    program
      .command('replay')
      .description('import recorded traffic (access log, JSON lines or HAR; gzip or not) into a scenario')
      .argument('<file>', 'access log (Combined Log Format), JSON lines log, or HAR file; .gz or not')
      .option('--out <file>', 'scenario file to write (YAML), e.g. scenarios/checkout.yaml')
      .option('--format <format>', `input format: ${FORMATS.join(', ')}`, 'auto')
      .option('--speed <factor>', 'replay this many times faster than recorded, e.g. 3x (default 1x)')
      .option('--peak-rate <rate>', 'instead of --speed: speed up so the busiest step runs at this many req/s')
      .option('--window <start..end>', 'only requests in this time window (ISO 8601; either side may be left out)')
      .option('--top <n>', 'keep the N most frequent request templates', '50')
      .option(
        '--map <field=name>',
        'JSON lines: read field (time, method, path, status, request) from this key (repeatable; dots reach into objects)',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .option('--keep-secrets', 'keep recorded credentials (authorization, cookies, tokens) instead of {{env NAME}}')
      .option(
        '--timeline',
        'also write an exact request timeline beside the scenario and replay that instead of rate steps',
      )
      .option('--name <name>', 'scenario name (default: the --out file name)')
      .option('--warmup <duration>', 'discarded warm-up at the first step rate; 0s for none', '5s')
      .option(
        '--duration <duration>',
        'measured load of this length: the recording (after --speed) is looped back to back, or cut when longer',
      )
      .option('--json', 'print the import report as JSON')
      .option(
        '--force',
        'replace an existing --out (or timeline) file that peakgate did not write (a link is refused all the same)',
      )
      .addHelpText(
        'after',
        '\nExit codes: 0 written; 2 bad flags, unreadable input, or no usable request in it.\nSee docs/replay.md.',
      ),
  async run({ args: [file = ''], flags, output }) {
    const options = parseFlags(flags);
    const { composeReplay, importTraffic, jsonFieldMap } = await import('@peakgate/replay');
    const started = performance.now();
    const imported = await importTraffic({
      file,
      format: options.format,
      jsonFields: jsonFieldMap(options.map),
      keepSecrets: flags.keepSecrets === true,
      timeline: flags.timeline === true,
      ...options.window,
    });
    const seconds = (performance.now() - started) / 1000;
    const outDir = path.dirname(path.resolve(options.out));
    const base = path.basename(options.out).replace(/\.(ya?ml|json)$/i, '');
    const timelineFile = flags.timeline === true ? `${base}.timeline` : undefined;
    const composed = composeReplay(imported, {
      name: flags.name ?? base,
      source: file,
      top: options.top,
      warmupMs: options.warmupMs,
      ...(options.speed === undefined ? {} : { speed: options.speed }),
      ...(options.peakRate === undefined ? {} : { peakRate: options.peakRate }),
      ...options.window,
      ...(timelineFile === undefined ? {} : { timelineFile }),
      ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
    });
    // Never through a link, never over a file peakgate did not write (issue 23; own-file.ts).
    const timelinePath = timelineFile === undefined ? undefined : path.join(outDir, timelineFile);
    await assertOwnFiles(
      [
        { file: options.out, signature: REPLAY_SCENARIO_SIGNATURE, what: 'scenario' },
        ...(timelinePath === undefined
          ? []
          : [{ file: timelinePath, signature: REPLAY_TIMELINE_SIGNATURE, what: 'timeline' }]),
      ],
      flags.force === true,
    );
    const { replaceFile } = await import('@peakgate/runtime');
    await mkdir(outDir, { recursive: true });
    if (timelinePath !== undefined && composed.timelineText !== undefined)
      await replaceFile(timelinePath, composed.timelineText);
    await replaceFile(options.out, composed.scenarioText);
    // The file as validate reads it (timeline included): replay never leaves a scenario validate refuses.
    const scenario = await loadScenarioFile(options.out);

    const { summary } = imported;
    const what = imported.format === 'har' ? 'entries' : 'lines';
    const mb = imported.textBytes / 1e6;
    const report = {
      out: options.out,
      timeline: timelineFile === undefined ? null : path.join(path.dirname(options.out), timelineFile),
      format: imported.format,
      gzip: imported.gzip,
      read: imported.read,
      used: summary.used,
      skipped: imported.skipped,
      outside: summary.outside,
      problems: imported.problems,
      templates: { kept: composed.templatesKept, seen: composed.templatesSeen, coverage: composed.coverage },
      speed: composed.speed,
      window: {
        start: new Date(composed.windowStartMs).toISOString(),
        end: new Date(composed.windowEndMs).toISOString(),
      },
      secrets: composed.secrets,
      timelineArrivals: composed.timelineArrivals,
      measuredMs: composed.measuredMs,
      passes: composed.passes,
      warnings: composed.warnings,
      megabytes: mb,
      seconds,
    };
    if (flags.json === true) {
      output.result(`${JSON.stringify(report, null, 2)}\n`);
      return 'done';
    }
    const totalMs = scenario.load.phases.reduce((sum, phase) => sum + phase.durationMs, 0);
    const traffic =
      timelineFile === undefined
        ? `${scenario.load.phases.length} rate step${scenario.load.phases.length === 1 ? '' : 's'}`
        : `timeline ${report.timeline} (${composed.timelineArrivals} arrivals)`;
    const lines = [
      `✓ wrote ${options.out}: ${composed.templatesKept} request template${composed.templatesKept === 1 ? '' : 's'} (${(composed.coverage * 100).toFixed(1)}% of requests), ${traffic} over ${formatDuration(Math.round(totalMs))} at ${round(composed.speed)}x`,
      `  ${file} (${imported.format}${imported.gzip ? ', gzip' : ''}): ${imported.read} ${what} read, ${summary.used} used, ${imported.skipped} skipped, ${summary.outside} outside the window; ${mb.toFixed(1)} MB in ${seconds.toFixed(2)} s`,
      ...imported.problems.map(
        (problem) => `  skipped ${what === 'lines' ? 'line' : 'entry'} ${problem.line}: ${problem.message}`,
      ),
    ];
    if (imported.skipped > imported.problems.length)
      lines.push(`  … and ${imported.skipped - imported.problems.length} more skipped`);
    if (options.durationMs !== undefined)
      lines.push(
        `  --duration ${formatDuration(options.durationMs)}: ${composed.passes >= 1 ? `the recording looped ${round(composed.passes)} times` : 'the recording cut to it'}`,
      );
    for (const warning of composed.warnings) lines.push(`  note: ${warning}`);
    if (composed.secrets.length > 0)
      lines.push(
        `  secrets became {{env NAME}} placeholders; set before running: ${composed.secrets.join(', ')}`,
        // A scenario reads only the variables handed in with --env (docs/scenario.md).
        `  then hand them in: peakgate run ${options.out} --target URL ${composed.secrets.map((name) => `--env ${name}`).join(' ')}`,
      );
    output.result(`${lines.join('\n')}\n`);
    return 'done';
  },
};

const round = (value: number): string => String(Math.round(value * 1000) / 1000);

interface ParsedFlags {
  out: string;
  format: FormatFlag;
  speed?: number;
  peakRate?: number;
  window: { startMs?: number; endMs?: number };
  top: number;
  map: Record<string, string>;
  warmupMs: number;
  durationMs?: number;
}

function invalid(message: string): PeakgateError {
  return new PeakgateError('PG_ERR_OPTS_INVALID', `replay: ${message}`);
}

/** Checks every flag before the input is opened. */
export function parseFlags(flags: ReplayFlags): ParsedFlags {
  if (flags.out === undefined || flags.out === '') throw invalid('give --out FILE, the scenario to write');
  if (!(FORMATS as readonly string[]).includes(flags.format))
    throw invalid(`--format: expected one of ${FORMATS.join(', ')}, got "${flags.format}"`);
  if (flags.speed !== undefined && flags.peakRate !== undefined)
    throw invalid('--speed and --peak-rate exclude each other; give one');
  const parsed: ParsedFlags = {
    out: flags.out,
    format: flags.format as FormatFlag,
    window: parseWindow(flags.window),
    top: positiveInteger('--top', flags.top),
    map: parseMap(flags.map ?? []),
    warmupMs: parseWarmup(flags.warmup),
  };
  if (flags.duration !== undefined) parsed.durationMs = parseReplayDuration(flags.duration);
  if (flags.speed !== undefined) {
    const match = /^(\d+(?:\.\d+)?)x?$/i.exec(flags.speed.trim());
    const speed = Number(match?.[1]);
    if (match === null || !(speed > 0) || speed > 10_000)
      throw invalid(`--speed: expected a factor such as 3x or 0.5x (above 0, at most 10000x), got "${flags.speed}"`);
    parsed.speed = speed;
  }
  if (flags.peakRate !== undefined) {
    const rate = Number(flags.peakRate);
    if (!/^\d+(\.\d+)?$/.test(flags.peakRate) || !(rate > 0) || rate > 1_000_000)
      throw invalid(`--peak-rate: expected requests per second (above 0, at most 1000000), got "${flags.peakRate}"`);
    parsed.peakRate = rate;
  }
  return parsed;
}

function positiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 10_000)
    throw invalid(`${flag}: expected an integer from 1 to 10000, got "${value}"`);
  return n;
}

/** `START..END` in ISO 8601 (either side may be empty). */
function parseWindow(value: string | undefined): { startMs?: number; endMs?: number } {
  if (value === undefined) return {};
  const parts = value.split('..');
  if (parts.length !== 2) throw invalid(`--window: expected START..END (ISO 8601 times), got "${value}"`);
  const window: { startMs?: number; endMs?: number } = {};
  const [start = '', end = ''] = parts;
  for (const [side, text] of [
    ['startMs', start],
    ['endMs', end],
  ] as const) {
    if (text.trim() === '') continue;
    const ms = Date.parse(text.trim());
    if (Number.isNaN(ms))
      throw invalid(`--window: cannot read the time "${text}" (use ISO 8601: 2026-03-01T10:00:00Z)`);
    window[side] = ms;
  }
  if (window.startMs !== undefined && window.endMs !== undefined && window.endMs <= window.startMs)
    throw invalid(`--window: the end must be after the start, got "${value}"`);
  return window;
}

function parseMap(values: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  const fields = ['time', 'method', 'path', 'status', 'request'];
  for (const value of values) {
    const equals = value.indexOf('=');
    const field = value.slice(0, equals);
    const name = value.slice(equals + 1);
    if (equals === -1 || !fields.includes(field) || name === '')
      throw invalid(`--map: expected FIELD=NAME with FIELD one of ${fields.join(', ')}, got "${value}"`);
    map[field] = name;
  }
  return map;
}

/** `--duration`: above zero, at most a phase's 24 h (scenario limits). */
function parseReplayDuration(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    if (error instanceof UnitError) throw invalid(`--duration: ${error.message}`);
    throw error;
  }
  if (!(ms >= 1000) || ms > scenarioInputCaps.phaseDurationMs)
    throw invalid(
      `--duration: expected from 1s to ${formatDuration(scenarioInputCaps.phaseDurationMs)}, got "${value}"`,
    );
  return ms;
}

function parseWarmup(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    if (error instanceof UnitError) throw invalid(`--warmup: ${error.message}`);
    throw error;
  }
}
