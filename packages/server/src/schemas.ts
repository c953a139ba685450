/**
 * TypeBox schemas of the HTTP API: one source for request validation, response serialisation and
 * the OpenAPI document (GET /openapi.json). Request objects reject unknown fields, so a caller
 * cannot slip Docker options (mounts, privileged, capabilities) in beside the documented ones.
 */
import { type Static, Type } from '@sinclair/typebox';

/** Docker image reference or, with `serve --allow-process`, a shell command. */
const BuildRef = Type.String({ minLength: 1, maxLength: 1000 });

export const RunRequestSchema = Type.Object(
  {
    kind: Type.Optional(
      Type.Union([Type.Literal('compare'), Type.Literal('run')], {
        description: 'compare (baseline vs candidate, with a verdict; default) or run (one build, no verdict)',
      }),
    ),
    scenario: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
        description: 'name of a scenario file in the server scenarios folder (without .yaml/.yml/.json)',
      }),
    ),
    inline: Type.Optional(
      Type.Union([Type.String({ maxLength: 200_000 }), Type.Object({}, { additionalProperties: true })], {
        description: 'the scenario itself, as YAML/JSON text or as an object; exclusive with scenario',
      }),
    ),
    driver: Type.Optional(Type.Union([Type.Literal('docker'), Type.Literal('process')])),
    baseline: Type.Optional(BuildRef),
    candidate: Type.Optional(BuildRef),
    service: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1000, description: 'kind run: the build to start and load' }),
    ),
    rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 0xffff_ffff,
        description:
          "kind compare: the run's seed (common random numbers); report.json's seed replays a run's requests",
      }),
    ),
  },
  { additionalProperties: false },
);
export type RunRequest = Static<typeof RunRequestSchema>;

export const RunStatusSchema = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('finished'),
  Type.Literal('error'),
  Type.Literal('cancelled'),
]);
export type RunStatus = Static<typeof RunStatusSchema>;

export const RunProgressSchema = Type.Object({
  plannedRounds: Type.Integer(),
  round: Type.Integer(),
  trialsFinished: Type.Integer(),
  /** What the run does now: queued, starting, warmup, a measured phase name, judging, done. */
  stage: Type.String(),
  requests: Type.Integer(),
});
export type RunProgress = Static<typeof RunProgressSchema>;

export const RunViewSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('compare'), Type.Literal('run')]),
  status: RunStatusSchema,
  scenario: Type.String(),
  driver: Type.Union([Type.Literal('docker'), Type.Literal('process')]),
  position: Type.Union([Type.Integer(), Type.Null()], { description: '0-based place in the queue while queued' }),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  progress: RunProgressSchema,
  verdict: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Null()]),
  reasons: Type.Array(Type.String()),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  reports: Type.Array(Type.String(), { description: 'report files available under /runs/:id/' }),
});
export type RunView = Static<typeof RunViewSchema>;

export const ErrorBodySchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(Type.String()),
    issues: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.String(),
          message: Type.String(),
          line: Type.Optional(Type.Integer()),
          column: Type.Optional(Type.Integer()),
        }),
      ),
    ),
  }),
});
export type ErrorBody = Static<typeof ErrorBodySchema>;
