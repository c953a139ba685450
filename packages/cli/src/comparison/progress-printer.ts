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
import type { Role } from '@peakgate/core';
import cliProgress from 'cli-progress';
import { type Colors, colorEnabled, type Output } from '../output.js';
import { oneLine, terminalText } from '../terminal-text.js';

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
}

interface BarState {
  bar: cliProgress.SingleBar;
  round: number;
}

export function progressDisplay(output: Output, options: ProgressDisplayOptions): ProgressDisplay {
  const { mode, colors: c } = options;
  const total = Math.max(1, Math.round(options.warmupSeconds + options.measuredSeconds));
  const roleText = (role: Role): string => (role === 'baseline' ? c.blue(role.padEnd(9)) : c.magenta(role.padEnd(9)));
  let multibar: cliProgress.MultiBar | undefined;
  const bars = new Map<Role, BarState>();
  // The live bars write to the stream directly, not through Output: their text (a phase name from
  // the scenario, a line quoting a build's message) gets the same terminal escaping here.
  const liveStream = options.stream ?? process.stderr;
  const safe = (text: string): string =>
    terminalText(text, { keepColors: colorEnabled(liveStream as { isTTY?: boolean }) });
  if (mode === 'live') {
    multibar = new cliProgress.MultiBar(
      {
        stream: liveStream,
        format: `{role} round {round}  {stage} {bar} {value}/{total}s  {rate} req/s  p99 {p99}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        autopadding: true,
        fps: 5,
        // The CLI owns signal policy (interrupt.ts); the bars must not install handlers of their own.
        gracefulExit: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  const say = (line: string): void => {
    if (mode === 'quiet') return;
    if (multibar) {
      multibar.log(`${safe(line)}\n`);
      // Flush now: the log buffer is otherwise written at the next redraw, which never comes
      // for the last line before stop().
      multibar.update();
    } else output.info(line);
  };
  const finishBar = (role: Role): void => {
    const state = bars.get(role);
    if (state && multibar) {
      state.bar.update(total);
      // Draw the full bar once before it goes: the timer's next redraw (5 a second) would come
      // after the removal, and the last second's sample can land just before the trial ends.
      multibar.update();
      multibar.remove(state.bar);
    }
    bars.delete(role);
  };

  const onProgress: ProgressListener = (event) => {
    if (mode === 'quiet') return;
    switch (event.type) {
      case 'comparison-started':
        say(
          `peakgate: comparing ${event.driver === 'url' ? 'builds already deployed' : `on the ${event.driver} driver`}, ${event.plannedRounds} round(s) planned (run ${event.runId})`,
        );
        break;
      case 'trial-started':
        if (multibar) {
          finishBar(event.role);
          const bar = multibar.create(total, 0, {
            role: roleText(event.role),
            round: event.round,
            stage: c.dim('starting'.padEnd(16)),
            rate: '-'.padStart(6),
            p99: '-',
          });
          bars.set(event.role, { bar, round: event.round });
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
        if (!state) break;
        const s = event.sample;
        const elapsed = s.warmup === true ? s.second + 1 : Math.round(options.warmupSeconds) + s.second + 1;
        state.bar.update(Math.min(total, elapsed), {
          stage: (s.warmup === true ? c.dim('warm-up') : safe(oneLine(s.phase))).padEnd(16),
          rate: String(s.requests).padStart(6),
          p99: `${s.p99Ms.toFixed(2)} ms${s.errors > 0 ? c.red(` ${s.errors} err`) : ''}`,
        });
        break;
      }
      case 'trial-finished': {
        const { trial } = event;
        finishBar(trial.role);
        const load = trial.load;
        const figures =
          load === null
            ? oneLine(trial.exit.message ?? 'no load sent')
            : `${load.requests.total} req, ${load.requests.errors} errors, p99 ${load.latency.p99.toFixed(2)} ms${trial.service ? `, CPU ${(trial.service.cpuPerRequestMs * 1000).toFixed(1)} µs/req` : ''}`;
        const ending = trial.exit.oomKilled
          ? c.red(' [OOM-killed]')
          : trial.exit.crashed
            ? c.red(' [crashed]')
            : !trial.exit.ready
              ? c.red(' [never ready]')
              : '';
        say(`round ${trial.round}: ${trial.role} done: ${figures}${ending}`);
        break;
      }
      case 'round-finished':
        if (event.needsMoreRounds) say(`round ${event.round}: a metric is marginal; running another round`);
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
    },
  };
}
