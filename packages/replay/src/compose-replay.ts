/**
 * An import → the files `peakgate replay` writes: the scenario text (mix, rate steps or timeline,
 * status expectation, header comment) and, with a timeline, the timeline text. Pure: the CLI writes
 * the files. Throws PG_ERR_REPLAY_EMPTY when nothing usable was read.
 */
import {
  formatDuration,
  MAX_TIMELINE_ARRIVALS,
  minSamplesForPercentile,
  PeakgateError,
  parseScenario,
  peakgateVersion,
  scenarioInputCaps,
} from '@peakgate/core';
import type { ImportResult } from './import-traffic.js';
import { loopSteps, observedSteps, roundRate, scaleSteps, speedForPeak } from './rate-steps.js';
import { buildScenario } from './scenario-build.js';
import { formatTimeline } from './timeline-text.js';

export interface ComposeOptions {
  /** Scenario name. */
  name: string;
  /** The input file as the user named it (for the header comment). */
  source: string;
  /** --window bounds, ms since the epoch. */
  startMs?: number;
  endMs?: number;
  /** Replay this many times faster (default 1); excludes peakRate. */
  speed?: number;
  /** Scale so that the busiest step runs at this rate (req/s). */
  peakRate?: number;
  /** Keep the N heaviest templates. */
  top: number;
  /** Warm-up length, ms (0: none). */
  warmupMs: number;
  /** Write a timeline with this file name (relative to the scenario). */
  timelineFile?: string;
  /** Most rate steps. Default 20. */
  maxSteps?: number;
  /** Directory of the scenario, to check the written scenario (and its timeline) as `validate` would. */
  scenarioDir?: string;
  /**
   * `--duration`: the measured load lasts this long (ms): the recording (after the speed) is looped
   * back to back, the last pass cut; a recording longer than this is cut to it.
   */
  durationMs?: number;
}

export interface ComposedReplay {
  scenarioText: string;
  timelineText?: string;
  speed: number;
  templatesKept: number;
  templatesSeen: number;
  /** Share of used requests the kept templates cover. */
  coverage: number;
  windowStartMs: number;
  windowEndMs: number;
  secrets: string[];
  /** Arrivals written to the timeline. */
  timelineArrivals: number;
  /** Length of the measured load (ms): one pass, or `--duration`. */
  measuredMs: number;
  /** Passes over the recording the measured load makes (1 without --duration; 2.5: twice and a half). */
  passes: number;
  /**
   * Percentiles the replay will read from too few requests in one trial (each request name's p99,
   * as `run` and `compare` show it), with the --duration that would give enough. Empty when none.
   */
  warnings: string[];
}

export function composeReplay(result: ImportResult, options: ComposeOptions): ComposedReplay {
  const { summary } = result;
  if (summary.used === 0) {
    const outside = summary.outside > 0 ? ` (${summary.outside} outside the --window)` : '';
    const what = result.format === 'har' ? 'entries' : 'lines';
    throw new PeakgateError(
      'PG_ERR_REPLAY_EMPTY',
      `${options.source}: no usable request: ${result.read} ${what} read, ${result.skipped} skipped${outside}`,
      {
        details: result.problems.map(
          (problem) => `${what === 'lines' ? 'line' : 'entry'} ${problem.line}: ${problem.message}`,
        ),
      },
    );
  }
  const firstSecond = Math.floor((options.startMs ?? summary.firstMs) / 1000);
  const lastSecond =
    options.endMs !== undefined ? Math.ceil(options.endMs / 1000) - 1 : Math.floor(summary.lastMs / 1000);
  const counts = summary.secondCounts();
  const span = { first: firstSecond, last: Math.max(firstSecond, lastSecond) };
  let observed = observedSteps(counts, span.first, span.last, options.maxSteps);
  const speed = options.peakRate !== undefined ? speedForPeak(observed, options.peakRate) : (options.speed ?? 1);
  checkRunLength(firstSecond, lastSecond, speed, options);
  const passMs = ((lastSecond - firstSecond + 1) * 1000) / speed;
  const passes = options.durationMs === undefined ? 1 : options.durationMs / passMs;
  // Looped, the curve repeats once a pass: fewer steps a pass keep the scenario within its phase limit.
  if (passes > 1 && options.timelineFile === undefined) {
    const perPass = Math.max(1, Math.floor(scenarioInputCaps.phases / Math.ceil(passes)));
    if (perPass < observed.length) observed = observedSteps(counts, span.first, span.last, perPass);
  }
  if (options.timelineFile !== undefined && speed > MAX_TIMELINE_SPEED)
    throw new PeakgateError(
      'PG_ERR_REPLAY_SPAN',
      `${options.source}: --peak-rate ${options.peakRate} needs a speed of ${roundSpeed(speed)}x over these recorded times, and a timeline replays at most ${MAX_TIMELINE_SPEED}x: ask a lower --peak-rate, or pick a busier stretch with --window START..END`,
    );
  const onePass = scaleSteps(observed, speed);
  // With a timeline the steps are not written (the timeline file loops instead).
  const steps =
    options.durationMs === undefined || options.timelineFile !== undefined
      ? onePass
      : loopSteps(onePass, options.durationMs);

  const all = summary.templateSummaries();
  const kept = all.slice(0, Math.max(1, options.top));
  const keptCount = kept.reduce((sum, template) => sum + template.count, 0);
  const coverage = keptCount / summary.used;
  const secrets = [...summary.secrets].filter((name) =>
    kept.some((template) => JSON.stringify(template).includes(`{{env ${name}}}`)),
  );
  const windowStartMs = firstSecond * 1000;
  const windowEndMs = (lastSecond + 1) * 1000;

  let timelineText: string | undefined;
  let timelineArrivals = 0;
  if (options.timelineFile !== undefined) {
    const index = new Map(kept.map((template, position) => [template.id, position]));
    // Offsets are unscaled (the scenario's speed divides them): the loop repeats every window length.
    const loop =
      options.durationMs === undefined
        ? undefined
        : { periodMs: windowEndMs - windowStartMs, untilMs: options.durationMs * speed };
    if (loop !== undefined && keptCount * Math.ceil(passes) > MAX_TIMELINE_ARRIVALS)
      throw new PeakgateError(
        'PG_ERR_REPLAY_SPAN',
        `${options.source}: --duration ${formatDuration(options.durationMs ?? 0)} loops ${keptCount.toLocaleString('en-US')} arrivals ${Math.ceil(passes)} times, over the ${MAX_TIMELINE_ARRIVALS.toLocaleString('en-US')} a timeline may hold: ask a shorter --duration, or leave out --timeline (rate steps loop without a file)`,
      );
    const formatted = formatTimeline(summary.arrivals(windowStartMs), index, {
      source: options.source,
      windowStartMs,
      ...(loop === undefined ? {} : { loop }),
    });
    timelineText = formatted.text;
    timelineArrivals = formatted.arrivals;
  }

  const measuredMs = options.durationMs ?? passMs;
  const warnings = sampleWarnings(kept, { passes, passMs, measuredMs, looped: options.durationMs !== undefined });
  const header = headerLines(result, options, {
    warnings,
    passes,
    speed,
    windowStartMs,
    windowEndMs,
    kept: kept.length,
    seen: all.length,
    coverage,
    secrets,
    timelineArrivals,
  });
  const firstRate = steps[0]?.rate ?? 1;
  const timeline =
    options.timelineFile === undefined ? undefined : { file: options.timelineFile, speed: roundSpeed(speed) };
  const { text } = buildScenario({
    name: options.name,
    templates: kept,
    steps,
    statuses: summary.statuses,
    warmupMs: options.warmupMs,
    warmupRate: roundRate(firstRate),
    ...(timeline === undefined ? {} : { timeline }),
    header,
  });
  // What replay writes, validate accepts: check it as validate would (the timeline is checked by the
  // caller once it is on disk).
  if (timeline === undefined) parseScenario(text, `${options.name}.yaml`);
  const composed: ComposedReplay = {
    scenarioText: text,
    speed,
    templatesKept: kept.length,
    templatesSeen: all.length,
    coverage,
    windowStartMs,
    windowEndMs,
    secrets,
    timelineArrivals,
    measuredMs,
    passes,
    warnings,
  };
  if (timelineText !== undefined) composed.timelineText = timelineText;
  return composed;
}

/** The fastest `load.timeline.speed` the scenario schema accepts. */
const MAX_TIMELINE_SPEED = 10_000;

/**
 * A phase lasts at most 24 h (scenario limits), and a replay of a longer stretch is nearly always a
 * log whose clock jumped (a year 0001 or 9999 line) rather than a run anyone wants. Refused with the
 * flags that fix it, before any step is written.
 */
function checkRunLength(firstSecond: number, lastSecond: number, speed: number, options: ComposeOptions): void {
  const spanMs = (lastSecond - firstSecond + 1) * 1000;
  const runMs = spanMs / speed;
  const limitMs = scenarioInputCaps.phaseDurationMs;
  if (runMs <= limitMs) return;
  const from = new Date(firstSecond * 1000).toISOString();
  const to = new Date((lastSecond + 1) * 1000).toISOString();
  throw new PeakgateError(
    'PG_ERR_REPLAY_SPAN',
    `${options.source}: the recorded times run from ${from} to ${to} (${spanText(spanMs)}); replayed at ${roundSpeed(speed)}x that is a run of ${spanText(runMs)}, over the ${formatDuration(limitMs)} a replay may last: pick the stretch to replay with --window START..END, or speed it up with --speed or --peak-rate`,
  );
}

/** Long spans in days (a jumped clock gives millions of hours), short ones as durations. */
const spanText = (ms: number): string =>
  ms > 2 * 86_400_000 ? `${Math.round(ms / 86_400_000).toLocaleString('en-US')} days` : formatDuration(Math.round(ms));

const roundSpeed = (speed: number): number => Math.round(speed * 1e6) / 1e6;

const percent = (part: number, whole: number): string => `${((part / whole) * 100).toFixed(1)}%`;

/** Fewest requests of one name a trial should send for its p99 (the per-name tables show it). */
const P99_SAMPLES = minSamplesForPercentile(99);

/**
 * What a trial of this replay sends of each request name, against what a p99 needs: a sentence for
 * the thinnest names, with the --duration that loops the recording enough times.
 */
function sampleWarnings(
  kept: ReadonlyArray<{ method: string; path: string; count: number }>,
  facts: { passes: number; passMs: number; measuredMs: number; looped: boolean },
): string[] {
  const perTrial = kept.map((template) => ({
    name: `${template.method} ${template.path}`,
    perPass: template.count,
    requests: Math.floor(template.count * facts.passes),
  }));
  const thin = perTrial.filter((kind) => kind.requests < P99_SAMPLES).sort((a, b) => a.requests - b.requests);
  if (thin.length === 0) return [];
  const fewest = Math.min(...thin.map((kind) => kind.perPass));
  // Whole seconds, rounded up: enough passes that the thinnest name reaches P99_SAMPLES.
  const neededMs = Math.ceil((Math.ceil(P99_SAMPLES / fewest) * facts.passMs) / 1000) * 1000;
  const listed = thin
    .slice(0, 3)
    .map((kind) => `${kind.name} ${kind.requests}`)
    .join(', ');
  const more = thin.length > 3 ? ` and ${thin.length - 3} more` : '';
  const fix =
    neededMs > scenarioInputCaps.phaseDurationMs
      ? 'too rare to measure on its own at this rate: judge the whole mix, or raise --speed'
      : `--duration ${formatDuration(neededMs)} loops the recording enough for each`;
  return [
    `${thin.length} of ${perTrial.length} request name${perTrial.length === 1 ? '' : 's'} get fewer than ${P99_SAMPLES} requests in a trial of ${formatDuration(Math.round(facts.measuredMs))}${facts.looped ? '' : ' (one pass of the recording)'} (${listed}${more}), so their p99 rests on too few samples; ${fix}`,
  ];
}

function headerLines(
  result: ImportResult,
  options: ComposeOptions,
  facts: {
    warnings: readonly string[];
    passes: number;
    speed: number;
    windowStartMs: number;
    windowEndMs: number;
    kept: number;
    seen: number;
    coverage: number;
    secrets: string[];
    timelineArrivals: number;
  },
): string[] {
  const { summary } = result;
  const what = result.format === 'har' ? 'entries' : 'lines';
  const scaling =
    options.peakRate !== undefined
      ? `speed ${roundSpeed(facts.speed)}x (--peak-rate ${options.peakRate})`
      : `speed ${roundSpeed(facts.speed)}x (--speed)`;
  const statuses = [...summary.statuses.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([status, count]) => `${status} ${percent(count, summary.used)}`)
    .join(', ');
  const lines = [
    `Imported by peakgate ${peakgateVersion} replay from ${JSON.stringify(options.source)} (${result.format}${result.gzip ? ', gzip' : ''}).`,
    `window: ${new Date(facts.windowStartMs).toISOString()} .. ${new Date(facts.windowEndMs).toISOString()} (${(facts.windowEndMs - facts.windowStartMs) / 1000} s), ${scaling}`,
    `${what}: ${result.read} read, ${summary.used} used, ${result.skipped} skipped (bad), ${summary.outside} outside the window`,
    `mix: ${facts.kept} of ${facts.seen} request templates (--top ${options.top}), ${percent(facts.coverage * summary.used, summary.used)} of used requests`,
  ];
  if (options.durationMs !== undefined)
    lines.push(
      `duration: ${formatDuration(options.durationMs)} (--duration): the recording ${facts.passes >= 1 ? `looped ${Math.round(facts.passes * 100) / 100} times` : `cut to its first ${Math.round(facts.passes * 1000) / 10}%`}`,
    );
  if (statuses !== '') lines.push(`statuses seen: ${statuses}; expect.status lists those below 500`);
  for (const warning of facts.warnings) lines.push(`note: ${warning}`);
  if (facts.secrets.length > 0)
    lines.push(
      `secrets replaced by {{env NAME}}; set before running: ${facts.secrets.join(', ')}; hand them in with ${facts.secrets.map((name) => `--env ${name}`).join(' ')}`,
    );
  if (options.timelineFile !== undefined)
    lines.push(
      `timeline: ${JSON.stringify(options.timelineFile)}, ${facts.timelineArrivals} arrivals at their recorded offsets divided by the speed`,
    );
  return lines;
}
