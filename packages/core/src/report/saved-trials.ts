/**
 * trials.json: a comparison's raw trials (histograms included), each carrying the judge options
 * the run was judged with (`judgeOptions`), so `peakgate report` re-judges exactly as the run did:
 * a deployed run whose CPU was not measured still says why it was not judged. A trials.json
 * written before the field existed has none; its trials are judged with the defaults, as they
 * were then. The field is on every trial because the file is a JSON array (readers of the array,
 * such as the server's `GET /runs/:id/trials`, keep working).
 *
 * The file may come from a folder a pull request wrote (issue 23): the options are checked field
 * by field, with bounds (no millions of bootstrap resamples), before the judge sees them.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { JudgeOptions } from '../judge/judge-context.js';
import { METRIC_DEFAULTS } from '../judge/metric-defaults.js';
import type { MetricName } from '../scenario/model.js';
import { maskSecretsDeep } from '../secret-mask.js';
import type { TrialResult } from '../trial.js';

/** A trial as trials.json holds it. */
export type SavedTrial = TrialResult & { judgeOptions?: JudgeOptions };

const METRIC_NAMES = Object.keys(METRIC_DEFAULTS) as MetricName[];
const METRIC = Type.Union(METRIC_NAMES.map((name) => Type.Literal(name)));
// Windows of whole per-second samples: at least one second, at most an hour.
const WINDOW = Type.Number({ minimum: 1, maximum: 3600 });
const COUNT = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const REASON = Type.String({ maxLength: 2000 });

/**
 * One schema per option of JudgeOptions: `satisfies` makes a new option fail to compile here until
 * it says how a saved value of it is checked, so no option is silently dropped or let through.
 */
const FIELDS = {
  metrics: Type.Optional(Type.Array(METRIC, { maxItems: METRIC_NAMES.length })),
  windowSeconds: Type.Optional(WINDOW),
  cpuWindowSeconds: Type.Optional(WINDOW),
  // Ten times the default 2,000: enough for any calibration, and a re-judge stays seconds long.
  resamples: Type.Optional(Type.Integer({ minimum: 1, maximum: 20_000 })),
  seed: Type.Optional(Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER })),
  floors: Type.Optional(
    Type.Object(Object.fromEntries(METRIC_NAMES.map((name) => [name, Type.Optional(Type.Number({ minimum: 0 }))])), {
      additionalProperties: false,
    }),
  ),
  minRequestsForP999: Type.Optional(COUNT),
  minRequestsPerName: Type.Optional(COUNT),
  marginalVerdict: Type.Optional(Type.Union([Type.Literal('pass'), Type.Literal('fail')])),
  minTrialConfidence: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  unmeasured: Type.Optional(
    Type.Object(
      { 'cpu.per_request': Type.Optional(REASON), 'memory.peak': Type.Optional(REASON) },
      { additionalProperties: false },
    ),
  ),
} satisfies Record<keyof JudgeOptions, TSchema>;

const JudgeOptionsSchema = Type.Object(FIELDS, { additionalProperties: false });

/** trials.json's text: the trials with their judge options, handed-in values masked. */
export function savedTrialsJson(trials: readonly TrialResult[], judgeOptions: JudgeOptions): string {
  return `${JSON.stringify(maskSecretsDeep(trials.map((trial) => ({ ...trial, judgeOptions }))))}\n`;
}

/** The trials of a trials.json and the judge options they were judged with, or what is wrong with them. */
export type SavedTrials =
  | { ok: true; trials: TrialResult[]; judgeOptions: JudgeOptions }
  | { ok: false; problem: string };

/**
 * Splits saved trials from their judge options. Every trial must carry the same options (or none
 * carries any: the defaults); the problem names the trial and field otherwise.
 */
export function readSavedTrials(saved: readonly SavedTrial[]): SavedTrials {
  const trials: TrialResult[] = [];
  let first: { text: string; options: JudgeOptions | undefined } | undefined;
  for (const [index, { judgeOptions, ...trial }] of saved.entries()) {
    if (judgeOptions !== undefined && !Value.Check(JudgeOptionsSchema, judgeOptions)) {
      const error = Value.Errors(JudgeOptionsSchema, judgeOptions).First();
      const field = (error?.path ?? '').replaceAll('/', '.');
      return { ok: false, problem: `trials[${index}].judgeOptions${field}: ${error?.message ?? 'not judge options'}` };
    }
    const text = JSON.stringify(judgeOptions ?? null);
    if (first === undefined) first = { text, options: judgeOptions };
    else if (text !== first.text)
      return {
        ok: false,
        problem: `trials[${index}].judgeOptions differs from trials[0].judgeOptions: one run is judged one way`,
      };
    trials.push(trial);
  }
  return { ok: true, trials, judgeOptions: first?.options ?? {} };
}
