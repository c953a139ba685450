/**
 * What a person sees while a comparison runs, on stderr (stdout stays the result, so `--json`
 * output is never mixed with progress):
 * - `live` (stderr is a terminal, not CI): one bar per side that redraws in place, with round,
 *   stage and phase, elapsed/total seconds, the last second's rate and p99; events (ready, done)
 *   print above the bars. Drawn by cli-progress: maintained, no dependencies of its own, handles
 *   several bars, cursor hiding and terminal width, and falls back cleanly when stopped, which a
 *   hand-written redraw would have to relearn (listr2 is built for task lists, not live figures).
 * - `lines` (not a terminal, or CI=true): one plain line per event, no escape codes, so a CI log
 *   reads top to bottom.
 * - `quiet` (--quiet): nothing; the verdict and errors still print.
 */
import type { ProgressListener } from '@peakgate/controller';
import { formatDuration, type Role, roundsText } from '@peakgate/core';
import cliProgress from 'cli-progress';
import { type Colors, colorEnabled, type Output } from '../output.js';
import { oneLine } from '../terminal-text.js';
import { printable, terminalColumns, visibleWidth, wrapText } from '../terminal-width.js';

export type ProgressMode = 'live' | 'lines' | 'quiet';

/** True when CI is set to anything but an explicit "no" (GitHub, GitLab and most CIs set CI=true). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

export function progressMode(options: {
  quiet: boolean;
  stream: { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}): ProgressMode {
  if (options.quiet) return 'quiet';
  return options.stream.isTTY === true && !inCi(options.env) ? 'live' : 'lines';
}

export interface ProgressDisplay {
  onProgress: ProgressListener;
  /** Removes the live bars (call before printing the verdict, and on every exit path). */
  stop(): void;
}

export interface ProgressDisplayOptions {
  mode: ProgressMode;
  /** Warm-up plus measured phases of one trial, in seconds: the bar's total. */
  warmupSeconds: number;
  measuredSeconds: number;
  colors: Colors;
  /** Where live bars are drawn (default: process.stderr). */
  stream?: NodeJS.WritableStream;
  /** Columns the bars may take (default: the stream's width, terminalColumns()). */
  width?: number;
  /** The clock for "time left" (tests). Default Date.now. */
  now?: () => number;
}

interface BarState {
  bar: cliProgress.SingleBar;
  round: number;
  /** The trial ended: the bar stays, full, until its side's next trial starts. */
  finished: boolean;
}

/** Where the comparison stands: round k of planned–max, and time left of compare.budget. */
interface Plan {
  planned: number;
  max: number;
  budgetMs?: number;
  startedAt: number;
}

const ROLES: readonly Role[] = ['baseline', 'candidate'];

/** "round 2 of 3", "round 4 of 3–10" (the first look after 3, at most 10). */
function roundOf(round: number, plan: Plan | undefined): string {
  if (plan === undefined) return `round ${round}`;
  return `round ${round} of ${plan.planned === plan.max ? plan.planned : `${plan.planned}–${plan.max}`}`;
}

/** "6m40s left of the 10m budget", "budget spent", or '' without a budget. */
function budgetLeft(plan: Plan | undefined, now: number): string {
  if (plan?.budgetMs === undefined) return '';
  const left = plan.budgetMs - (now - plan.startedAt);
  const budget = formatDuration(plan.budgetMs);
  return left > 0
    ? `${formatDuration(Math.ceil(left / 1000) * 1000)} left of the ${budget} budget`
    : `the ${budget} budget is spent: no further round`;
}

/** Cuts text to `width` columns as printed, with … when cut. */
function clip(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  let out = '';
  for (const char of text) {
    if (visibleWidth(`${out}${char}…`) > width) break;
    out += char;
  }
  return `${out}…`;
}

/** Pads printed text to `width` columns. */
const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - visibleWidth(text)));

/**
 * The bar line's pieces at a width: `baseline  hold        ██████░░░░  12/20s   812 req/s  p99 4.21 ms`.
 * The stage and the bar take what the fixed parts leave, so the line never passes the width (the
 * terminal would cut it: cli-progress turns line wrapping off while it draws).
 */
function barLayout(width: number, total: number): { stage: number; bar: number; p99: number } {
  const seconds = String(total).length * 2 + 2; // "12/20s", padded by autopadding
  const p99 = 20; // "p99 " + "1234.56 ms" + " 999 err"
  const fixed = 9 + 1 + 1 + 2 + seconds + 2 + 12 + 2 + p99;
  const room = Math.max(12, width - fixed - 1);
  const stage = Math.min(16, Math.max(8, Math.floor(room * 0.4)));
  return { stage, bar: Math.max(4, Math.min(30, room - stage)), p99 };
}

export function progressDisplay(output: Output, options: ProgressDisplayOptions): ProgressDisplay {
  const { mode, colors: c } = options;
  const now = options.now ?? Date.now;
  const total = Math.max(1, Math.round(options.warmupSeconds + options.measuredSeconds));
  // One colour per side everywhere (core's SIDE_COLORS: blue and orange on the page and the
  // dashboard); yellow is the 16-colour terminal's nearest to the candidate's orange.
  const roleText = (role: Role): string => (role === 'baseline' ? c.blue(role.padEnd(9)) : c.yellow(role.padEnd(9)));
  let multibar: cliProgress.MultiBar | undefined;
  let status: cliProgress.SingleBar | undefined;
  let plan: Plan | undefined;
  let currentRound = 0;
  const bars = new Map<Role, BarState>();
  // The live bars write to the stream directly, not through Output: their text (a phase name from
  // the scenario, a line quoting a build's message) gets the same terminal escaping here.
  const liveStream = options.stream ?? process.stderr;
  const keepColors = colorEnabled(liveStream as { isTTY?: boolean });
  // Masked before it is wrapped or cut: a handed-in value split across two wrapped lines would
  // otherwise slip past the stream's masker.
  const safe = (text: string): string => printable(text, keepColors);
  const width = options.width ?? terminalColumns(liveStream as { isTTY?: boolean; columns?: number });
  const layout = barLayout(width, total);
  if (mode === 'live') {
    multibar = new cliProgress.MultiBar(
      {
        stream: liveStream,
        format: `{role} {stage} {bar}  {value}/{total}s  {rate} req/s  p99 {p99}`,
        barsize: layout.bar,
        hideCursor: true,
        clearOnComplete: true,
        autopadding: true,
        fps: 5,
        // Redraw every line each time: cli-progress skips a bar whose text did not change, and a
        // line logged above the bars has just written over it (the status line and an idle side
        // vanished after each logged event).
        forceRedraw: true,
        // The CLI owns signal policy (interrupt.ts); the bars must not install handlers of their own.
        gracefulExit: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  const say = (line: string): void => {
    if (mode === 'quiet') return;
    if (multibar) {
      // cli-progress turns the terminal's line wrapping off while it draws, so a longer line would be
      // cut at the edge: it is wrapped here, its continuation indented.
      const wrapped = wrapText(safe(line), width - 3).replace(/\n/g, '\n  ');
      multibar.log(`${wrapped}\n`);
      // Flush now: the log buffer is otherwise written at the next redraw, which never comes
      // for the last line before stop().
      multibar.update();
    } else output.info(line);
  };
  const statusText = (): string => {
    const left = budgetLeft(plan, now());
    return clip(`${roundOf(currentRound, plan)}${left === '' ? '' : ` · ${left}`}`, width - 1);
  };
  /** The stage cell: a phase name from the scenario, escaped, cut and padded to its column. */
  const stageCell = (text: string, dim = false): string => {
    const cell = pad(clip(safe(oneLine(text)), layout.stage), layout.stage);
    return dim ? c.dim(cell) : cell;
  };
  /** The p99 cell, never wider than its room (an error count in red after it). */
  const p99Cell = (p99Ms: number, errors: number): string => {
    const errorText = errors > 0 ? ` ${errors} err` : '';
    const value = clip(`${p99Ms.toFixed(2)} ms`, layout.p99 - 4 - errorText.length);
    return `${value}${errors > 0 ? c.red(errorText) : ''}`;
  };
  /** Both sides' bars, made once and in one order (baseline above candidate), under the status line. */
  const ensureBars = (): void => {
    if (!multibar || bars.size > 0) return;
    status = multibar.create(0, 0, { status: statusText() }, { format: '{status}' });
    for (const role of ROLES) {
      const bar = multibar.create(total, 0, {
        role: roleText(role),
        stage: stageCell('waiting', true),
        rate: '-'.padStart(6),
        p99: '-',
      });
      bars.set(role, { bar, round: 0, finished: true });
    }
  };
  const finishBar = (role: Role, how = 'done'): void => {
    const state = bars.get(role);
    if (!state || !multibar || state.finished) return;
    // Draw the full bar once: the timer's next redraw (5 a second) may come after the next trial
    // resets it, and the last second's sample can land just before the trial ends.
    state.bar.update(total, { stage: stageCell(how, true) });
    multibar.update();
    state.finished = true;
  };
  /** The status line brought up to date, and everything drawn now: events come about once a second a side. */
  const redraw = (): void => {
    status?.update(0, { status: statusText() });
    multibar?.update();
  };

  const onProgress: ProgressListener = (event) => {
    if (mode === 'quiet') return;
    switch (event.type) {
      case 'comparison-started': {
        plan = {
          planned: event.plannedRounds,
          max: event.maxRounds ?? event.plannedRounds,
          startedAt: now(),
          ...(event.budgetMs !== undefined ? { budgetMs: event.budgetMs } : {}),
        };
        const rounds = `${roundsText(plan.planned)} planned${plan.planned === plan.max ? '' : `, at most ${plan.max}`}`;
        const budget = plan.budgetMs === undefined ? '' : ` within ${formatDuration(plan.budgetMs)}`;
        say(
          `peakgate: comparing ${event.driver === 'url' ? 'builds already deployed' : `on the ${event.driver} driver`}, ${rounds}${budget} (run ${event.runId})`,
        );
        break;
      }
      case 'trial-started':
        currentRound = event.round;
        if (multibar) {
          ensureBars();
          finishBar(event.role);
          const state = bars.get(event.role);
          if (state) {
            state.bar.update(0, { stage: stageCell('starting', true), rate: '-'.padStart(6), p99: '-' });
            state.round = event.round;
            state.finished = false;
          }
          redraw();
        } else {
          say(`round ${event.round}: ${event.role} starting`);
        }
        break;
      case 'service-ready':
        say(`round ${event.round}: ${event.role} ready in ${Math.round(event.readyMs)} ms at ${event.url}`);
        break;
      case 'phase':
        if (!multibar)
          say(`round ${event.round}: ${event.role} ${event.stage === 'warmup' ? 'warming up' : 'measuring'}`);
        break;
      case 'sample': {
        const state = bars.get(event.role);
        if (!state || state.finished) break;
        const s = event.sample;
        const elapsed = s.warmup === true ? s.second + 1 : Math.round(options.warmupSeconds) + s.second + 1;
        state.bar.update(Math.min(total, elapsed), {
          stage: s.warmup === true ? stageCell('warm-up', true) : stageCell(s.phase),
          rate: String(s.requests).padStart(6),
          p99: p99Cell(s.p99Ms, s.errors),
        });
        redraw();
        break;
      }
      case 'trial-finished': {
        const { trial } = event;
        const ended = trial.exit.oomKilled
          ? 'OOM-killed'
          : trial.exit.crashed
            ? 'crashed'
            : !trial.exit.ready
              ? 'never ready'
              : 'done';
        finishBar(trial.role, ended);
        const load = trial.load;
        const figures =
          load === null
            ? oneLine(trial.exit.message ?? 'no load sent')
            : `${load.requests.total} req, ${load.requests.errors} errors, p99 ${load.latency.p99.toFixed(2)} ms${trial.service ? `, CPU ${(trial.service.cpuPerRequestMs * 1000).toFixed(1)} µs/req` : ''}`;
        const ending = ended === 'done' ? '' : c.red(` [${ended}]`);
        say(`round ${trial.round}: ${trial.role} done: ${figures}${ending}`);
        break;
      }
      case 'round-finished':
        if (event.needsMoreRounds) {
          // Name what earns the round: the metrics the look left undecided.
          const what =
            event.undecided !== undefined && event.undecided.length > 0
              ? `${event.undecided.map(oneLine).join(', ')} ${event.undecided.length === 1 ? 'is' : 'are'} not decided yet`
              : 'a metric is marginal';
          const left = budgetLeft(plan, now());
          say(
            `round ${event.round}: ${what}; running another round (${roundOf(event.round + 1, plan)}${left === '' ? '' : `, ${left}`})`,
          );
        }
        break;
      default:
        break;
    }
  };
  return {
    onProgress,
    stop: () => {
      if (multibar) {
        multibar.stop();
        multibar = undefined;
      }
      bars.clear();
      status = undefined;
    },
  };
}
