/**
 * The one way from trials to report files: judge them (unless the run's rounds just did, with the
 * same options), build the report document, mask handed-in values, and render report.json,
 * summary.md, junit.xml, report.html and trials.json. `compare`, `demo` and the server's queue come
 * here through the controller's compare-and-report; `peakgate report` comes here with saved trials
 * and the judge options saved with them, so a run re-judged later reads as the run did.
 */
import { judge } from '../judge/judge.js';
import type { JudgeOptions } from '../judge/judge-context.js';
import type { ComparisonStop, Judgement } from '../judge/judgement.js';
import { maskSecretsDeep } from '../secret-mask.js';
import type { TrialResult } from '../trial.js';
import { rebuildReport } from './build-report.js';
import { renderHtml } from './render-html.js';
import { renderJUnit } from './render-junit.js';
import { renderMarkdown } from './render-markdown.js';
import type { Report, ReportEnvironment, ReportScenario } from './report-types.js';
import { savedTrialsJson } from './saved-trials.js';

/** The files of a finished comparison, by name, ready to be written side by side. */
export interface ReportFiles {
  'report.json': string;
  'summary.md': string;
  'junit.xml': string;
  'report.html': string;
  /** The raw trials (histograms included), so a verdict can be re-derived or audited later. */
  'trials.json': string;
}

export interface JudgeAndRenderInput {
  /** The scenario as report.json records it (`reportScenario(scenario)` for a run made now). */
  scenario: ReportScenario;
  trials: readonly TrialResult[];
  /** How the trials are judged; saved in trials.json beside them. */
  judgeOptions: JudgeOptions;
  environment: ReportEnvironment;
  startedAt: Date | string;
  finishedAt: Date | string;
  /** How the rounds ended (a run made now records it; saved trials re-judged have none). */
  stop?: ComparisonStop;
  /** The run's seed, when recorded (report.json `seed`). */
  seed?: number;
  /**
   * The judgement of the run's last look, made from these trials with these options: judging them
   * again would give the same (the judge is seeded) at the cost of another bootstrap.
   */
  judgement?: Judgement;
  /** trials.json as already saved (`peakgate report` copies it unchanged); else written from the trials. */
  trialsJson?: string;
}

export interface RenderedReport {
  judgement: Judgement;
  report: Report;
  files: ReportFiles;
}

export function judgeAndRender(input: JudgeAndRenderInput): RenderedReport {
  const judgement = input.judgement ?? judge(input.trials, input.scenario.compare, input.judgeOptions);
  // Values handed in with --env are masked in the model, before any renderer escapes text (a
  // Markdown backslash or an HTML entity would otherwise hide a value from the mask).
  const report = maskSecretsDeep(
    rebuildReport({
      scenario: input.scenario,
      trials: input.trials,
      judgement,
      environment: input.environment,
      startedAt: input.startedAt,
      finishedAt: input.finishedAt,
      ...(input.stop !== undefined ? { stop: input.stop } : {}),
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
    }),
  );
  const trialsJson = input.trialsJson ?? savedTrialsJson(input.trials, input.judgeOptions);
  return { judgement, report, files: renderReportFiles(report, trialsJson) };
}

/** Every file of a report document already built and masked (an aborted run's, too). */
export function renderReportFiles(report: Report, trialsJson: string): ReportFiles {
  return {
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    'summary.md': renderMarkdown(report),
    'junit.xml': renderJUnit(report),
    'report.html': renderHtml(report),
    'trials.json': trialsJson,
  };
}
