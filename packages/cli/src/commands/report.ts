/**
 * `peakgate report <dir | trials.json> --out DIR [--limits SCENARIO] [--json] [--quiet]`:
 * re-renders every report file of a saved comparison (report.json, summary.md, junit.xml,
 * report.html, and trials.json copied) from its raw trials, re-judging them through core's
 * `judgeAndRender`, the path every comparison's report takes, with the judge options saved in
 * trials.json (a deployed run's unmeasured CPU stays "not measured"). The scenario, environment
 * and times come from the report.json saved beside trials.json; `--limits` takes the `compare`
 * section (limits, SLOs, confidence, rounds) of a scenario file instead of the saved one, so a
 * run can be judged again under new limits without running it again.
 * Outcome `pass` or `fail` like compare; a broken baseline throws PG_ERR_INFRA_BASELINE (exit 3).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type CompareSpec,
  type JudgeOptions,
  judgeAndRender,
  loadScenarioFile,
  PeakgateError,
  type Report,
  readSavedTrials,
  type SavedTrial,
  type TrialResult,
} from '@peakgate/core';
import type { Command } from 'commander';
import { renderVerdict } from '../comparison/verdict-table.js';
import { colorEnabled } from '../output.js';
import { writeReportFiles } from '../report-files.js';
import { appendStepSummary } from '../step-summary.js';
import type { PeakgateCommand } from './command.js';

interface ReportFlags {
  out: string;
  limits?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export const reportCommand: PeakgateCommand<ReportFlags> = {
  define: (program: Command) =>
    program
      .command('report')
      .description('re-render the report files of a saved comparison from its trials.json, re-judging them')
      .argument('<run>', 'a --out folder of compare or demo, or its trials.json')
      .requiredOption('--out <dir>', 'write report.json, summary.md, junit.xml, report.html and trials.json here')
      .option('--limits <scenario>', "judge with this scenario file's compare section (limits, SLOs, confidence)")
      .option(
        '--force',
        'use an --out that already holds files and no marker of an earlier peakgate run (links in it are refused all the same)',
      )
      .option('--json', 'print the new report.json on stdout')
      .option('--quiet', 'print nothing but the verdict (or the --json document) and errors')
      .addHelpText(
        'after',
        '\nThe folder (or the folder of trials.json) must hold the report.json written with it: the\nscenario and environment are read from there.',
      ),
  async run({ args: [source = ''], flags, output }) {
    const { trials, judgeOptions, saved, trialsText } = await readSavedRun(source);
    const compare: CompareSpec =
      flags.limits === undefined ? saved.scenario.compare : (await loadScenarioFile(flags.limits)).compare;
    // trials.json is copied as saved: it is the record of the run, judge options included.
    const { judgement, report, files } = judgeAndRender({
      scenario: { ...saved.scenario, compare },
      trials,
      judgeOptions,
      environment: saved.environment,
      startedAt: saved.startedAt,
      finishedAt: saved.finishedAt,
      // The run's seed stays recorded: the trials are the same run's.
      ...(typeof saved.seed === 'number' ? { seed: saved.seed } : {}),
      trialsJson: trialsText,
    });
    // No link on the way, not someone else's folder, one run at a time (issue 23).
    const { claimOutputDirectory } = await import('@peakgate/controller');
    const claim = await claimOutputDirectory(flags.out, { force: flags.force === true });
    try {
      await writeReportFiles(flags.out, { ...files });
    } finally {
      await claim.release();
    }
    if (flags.json === true) output.result(files['report.json']);
    else
      output.result(
        renderVerdict(judgement, {
          driver: report.environment.driver,
          rounds: judgement.rounds,
          color: colorEnabled(process.stdout),
          requestKinds: report.requestKinds,
          metrics: report.metrics,
          trialLog: (role, round) => {
            const trial = trials.find((t) => t.role === role && t.round === round);
            return trial === undefined ? undefined : { tail: trial.exit.logTail };
          },
        }),
      );
    await appendStepSummary(files['summary.md'], output);
    if (flags.quiet !== true) output.info(`reports: ${flags.out}/{report.json,summary.md,junit.xml,report.html}`);
    if (judgement.infrastructureError !== undefined) {
      throw new PeakgateError('PG_ERR_INFRA_BASELINE', judgement.infrastructureError);
    }
    return judgement.verdict;
  },
};

interface SavedRun {
  trials: TrialResult[];
  /** How the run judged them (trials.json `judgeOptions`; the defaults for a file written before it). */
  judgeOptions: JudgeOptions;
  trialsText: string;
  saved: Pick<Report, 'scenario' | 'environment' | 'startedAt' | 'finishedAt'> & { seed?: unknown };
}

async function readSavedRun(source: string): Promise<SavedRun> {
  const isDir = await stat(source).then(
    (s) => s.isDirectory(),
    () => {
      throw new PeakgateError('PG_ERR_OPTS_INVALID', `report: ${source} does not exist`);
    },
  );
  const trialsPath = isDir ? join(source, 'trials.json') : source;
  const reportPath = join(dirname(trialsPath), 'report.json');
  if (!isDir && basename(source) === 'report.json') {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', 'report: give the run folder or its trials.json, not report.json');
  }
  const trialsText = await readText(trialsPath, 'the raw trials of a compare --out folder');
  const savedTrials = parseJson(trialsPath, trialsText);
  if (!Array.isArray(savedTrials) || !savedTrials.every(isTrial)) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `report: ${trialsPath} is not a peakgate trials.json`);
  }
  const judged = readSavedTrials(savedTrials);
  if (!judged.ok) throw new PeakgateError('PG_ERR_OPTS_INVALID', `report: ${trialsPath}: ${judged.problem}`);
  const saved = parseJson(reportPath, await readText(reportPath, 'written beside trials.json by compare --out'));
  if (!isSavedReport(saved)) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `report: ${reportPath} is not a peakgate report.json`);
  }
  // An interrupted run's partial figures must never become a verdict by being judged later.
  if ((saved as Partial<Pick<Report, 'aborted'>>).aborted === true) {
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `report: the run in ${dirname(reportPath)} was aborted before its verdict; its partial figures are not judged (its own report.json and report.html show them)`,
    );
  }
  return { trials: judged.trials, judgeOptions: judged.judgeOptions, trialsText, saved };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `report: cannot read ${path} (${what})`, { cause: error });
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `report: ${path} is not valid JSON`, { cause: error });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isTrial(value: unknown): value is SavedTrial {
  return (
    isObject(value) &&
    (value.role === 'baseline' || value.role === 'candidate') &&
    typeof value.round === 'number' &&
    isObject(value.exit) &&
    'load' in value
  );
}

function isSavedReport(value: unknown): value is SavedRun['saved'] {
  return (
    isObject(value) &&
    isObject(value.scenario) &&
    isObject(value.scenario.compare) &&
    Array.isArray(value.scenario.phases) &&
    isObject(value.environment) &&
    typeof value.startedAt === 'string' &&
    typeof value.finishedAt === 'string'
  );
}
