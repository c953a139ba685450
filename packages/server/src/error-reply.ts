/**
 * One error shape for every route: `{ error: { code, message, details, issues? } }` with the
 * stable PG_ERR_* codes of docs/errors.md. Fastify's own errors (schema validation, body too
 * large, bad JSON) are translated into those codes here, at the boundary.
 */
import {
  type ErrorCode,
  errorCodes,
  isPeakgateError,
  ScenarioInvalidError,
  ScenarioParseError,
  unknownFieldMessage,
} from '@peakgate/core';
import type { FastifyError } from 'fastify';
import type { ErrorBody } from './schemas.js';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  PG_ERR_OPTS_INVALID: 400,
  PG_ERR_SCENARIO_READ: 400,
  PG_ERR_SCENARIO_PARSE: 400,
  PG_ERR_SCENARIO_INVALID: 400,
  PG_ERR_SCENARIO_ENV_NOT_ALLOWED: 400,
  PG_ERR_SCENARIO_ENV_UNSET: 400,
  PG_ERR_TARGET_REFUSED: 400,
  PG_ERR_SERVER_REQUEST_INVALID: 400,
  PG_ERR_SERVER_UNAUTHORIZED: 401,
  PG_ERR_SERVER_NOT_FOUND: 404,
  PG_ERR_SERVER_CONFLICT: 409,
  PG_ERR_SERVER_BODY_TOO_LARGE: 413,
  PG_ERR_SERVER_SHUTTING_DOWN: 503,
};

export interface ErrorReply {
  status: number;
  body: ErrorBody;
}

export function errorReply(error: unknown): ErrorReply {
  if (error instanceof ScenarioInvalidError || error instanceof ScenarioParseError) {
    return {
      status: 400,
      body: {
        error: {
          code: error.code,
          message: error.message,
          details: error.details,
          issues: error.issues.map((issue) => ({
            field: issue.path,
            message: issue.message,
            line: issue.line,
            column: issue.column,
          })),
        },
      },
    };
  }
  if (isPeakgateError(error)) {
    return {
      status: HTTP_STATUS[error.code] ?? 500,
      body: { error: { code: error.code, message: error.message, details: error.details } },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation !== undefined) {
    const issues = fastifyError.validation.map((item) => ({
      field: fieldOf(fastifyError.validationContext ?? 'body', item.instancePath, item.params),
      message: issueMessage(item),
    }));
    // Each issue names its field ("body.basline: unknown field … (did you mean "baseline"?)"),
    // not the validator's "body must NOT have additional properties".
    const message = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
    return coded('PG_ERR_SERVER_REQUEST_INVALID', 400, message || 'invalid request', issues);
  }
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return coded('PG_ERR_SERVER_BODY_TOO_LARGE', 413, 'request body too large');
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return coded('PG_ERR_SERVER_REQUEST_INVALID', fastifyError.statusCode, fastifyError.message ?? 'bad request');
  }
  return coded('PG_ERR_INTERNAL', 500, error instanceof Error ? error.message : String(error));
}

function coded(
  code: ErrorCode,
  status: number,
  message: string,
  issues?: { field: string; message: string }[],
): ErrorReply {
  const known: ErrorCode = code in errorCodes ? code : 'PG_ERR_INTERNAL';
  return { status, body: { error: { code: known, message, details: [], ...(issues ? { issues } : {}) } } };
}

type ValidationItem = NonNullable<FastifyError['validation']>[number] & { parentSchema?: unknown };

/** An unknown field gets the scenario loader's message: the closest known field and the list (ajv runs verbose). */
function issueMessage(item: ValidationItem): string {
  const extra = item.params?.additionalProperty;
  if (item.keyword === 'additionalProperties' && typeof extra === 'string') {
    const properties = (item.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
    return unknownFieldMessage(extra, Object.keys(properties ?? {}));
  }
  return item.message ?? 'invalid';
}

/** `body` + `/driver` → `body.driver`; an unknown property names itself. */
function fieldOf(context: string, instancePath: string, params: Record<string, unknown> | undefined): string {
  const segments = instancePath.split('/').filter((s) => s !== '');
  const extra = params?.additionalProperty ?? params?.missingProperty;
  if (typeof extra === 'string') segments.push(extra);
  return [context, ...segments].join('.');
}
