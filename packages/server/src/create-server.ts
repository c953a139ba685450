/**
 * The fastify application of `peakgate serve`: routes, schemas, auth, the run queue and the
 * metrics registry, without listening (tests drive it through `app.inject()`; serve.ts listens).
 * `app.close()` is the one shutdown path: it stops accepting runs, cancels the running one
 * (its services are removed by the trial's cleanup), ends open event streams, and saves the queue.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import swagger from '@fastify/swagger';
import { ComparisonMetrics } from '@peakgate/controller';
import { assertEnvAllowed, maskSecrets, maskSecretsDeep, PeakgateError, parseScenario } from '@peakgate/core';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { bearerChecker } from './bearer-auth.js';
import { comparisonExecutor } from './comparison-executor.js';
import { errorReply } from './error-reply.js';
import { jsonDepthOver, MAX_JSON_DEPTH } from './json-depth.js';
import { DOWNLOADABLE_FILES, type RunExecutor, RunQueue } from './run-queue.js';
import { type RunRecord, RunStore, type StoredJob } from './run-store.js';
import { ErrorBodySchema, type RunRequest, RunRequestSchema, type RunView, RunViewSchema } from './schemas.js';

export interface ServerOptions {
  /** Where the queue (state.json) and each run's files live. */
  dataDir: string;
  /** Folder of scenario files that `POST /runs {"scenario": NAME}` may name. */
  scenariosDir?: string;
  /** Bearer token for everything but /healthz and /metrics; none means no auth (loopback only, checked by serve). */
  token?: string;
  /** Accept process-driver builds (shell commands run as the server's user). Default false. */
  allowProcess?: boolean;
  /** Request body limit in bytes; default 256 KiB. */
  bodyLimitBytes?: number;
  /**
   * Longest a client may take to send one whole request, headers and body (a trickling client is
   * cut off after this); default 15 s. The headers alone get at most 10 s of it.
   */
  requestTimeoutMs?: number;
  /** Runs a job; default the real comparison executor. */
  executor?: RunExecutor;
  metrics?: ComparisonMetrics;
  logger?: boolean;
}

export interface PeakgateServer {
  app: FastifyInstance;
  queue: RunQueue;
  metrics: ComparisonMetrics;
}

const CONTENT_TYPES: Record<string, string> = {
  'report.json': 'application/json; charset=utf-8',
  'result.json': 'application/json; charset=utf-8',
  'summary.md': 'text/markdown; charset=utf-8',
  'junit.xml': 'application/xml; charset=utf-8',
  'report.html': 'text/html; charset=utf-8',
};

/** How long a client may take to send one request (headers and body). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** How long a client may take to send its headers (at most the request timeout). */
const HEADERS_TIMEOUT_MS = 10_000;
/** How long an idle keep-alive connection stays open between requests. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export async function createServer(options: ServerOptions): Promise<PeakgateServer> {
  const metrics = options.metrics ?? new ComparisonMetrics();
  const store = await RunStore.open(options.dataDir);
  const queue = new RunQueue({
    store,
    executor: options.executor ?? comparisonExecutor(metrics),
    metrics,
    allowProcess: options.allowProcess === true,
  });
  const checkToken = bearerChecker(options.token);
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    logger: options.logger === true,
    bodyLimit: options.bodyLimitBytes ?? 256 * 1024,
    // Unknown fields are errors (400), never silently dropped: a caller must not believe an option took effect.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    forceCloseConnections: true,
    // A client that trickles its headers or body (or sends nothing) holds a socket: Node cuts it
    // off after these, checked every second (Node's default check is every 30 s). Event streams
    // are responses, which these limits do not touch.
    requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    http: {
      requestTimeout,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
      connectionsCheckingInterval: Math.min(1_000, requestTimeout),
    },
  });
  // JSON bodies: nesting is measured before parsing, so a body nested 100,000 deep is a 400
  // naming the problem, not a stack overflow (500) in a recursive walk after the parse.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthOver(text, MAX_JSON_DEPTH)) {
      done(
        new PeakgateError(
          'PG_ERR_SERVER_REQUEST_INVALID',
          `request body: JSON nesting depth over ${MAX_JSON_DEPTH} (arrays and objects inside each other)`,
        ),
        undefined,
      );
      return;
    }
    parseJson(request, text, done);
  });
  const streams = new Set<() => void>();
  // Values handed in with `serve --env NAME` never leave in a reply (a reason may quote a service's
  // log); files served from a run's folder were masked when written.
  app.addHook('onSend', async (_request, _reply, payload) =>
    typeof payload === 'string' ? maskSecrets(payload) : payload,
  );

  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = errorReply(error);
    if (status === 401) void reply.header('www-authenticate', 'Bearer');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: { code: 'PG_ERR_SERVER_NOT_FOUND', message: `no route ${request.method} ${request.url}`, details: [] },
    });
  });
  app.addHook('preClose', async () => {
    await queue.close();
    for (const end of streams) end();
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'peakgate',
        version: '0.1.0',
        description: 'Queue scenario replays and comparisons; read progress and reports.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  // Public: liveness and the Prometheus scrape target.
  app.get(
    '/healthz',
    { schema: { security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({
      status: 'ok' as const,
    }),
  );
  app.get('/metrics', { schema: { security: [], produces: ['text/plain'] } }, async (_request, reply) => {
    const { contentType, body } = await metrics.exposition();
    return reply.type(contentType).send(body);
  });

  await app.register(async (api) => {
    api.addHook('onRequest', async (request) => checkToken(request.headers.authorization));

    api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    api.post<{ Body: RunRequest }>(
      '/runs',
      { schema: { body: RunRequestSchema, response: { 202: RunViewSchema, '4xx': ErrorBodySchema } } },
      async (request, reply) => {
        if (!queue.accepting) throw new PeakgateError('PG_ERR_SERVER_SHUTTING_DOWN', 'the server is shutting down');
        const job = await storedJob(request.body, options.scenariosDir);
        const run = await queue.submit(job);
        return reply.status(202).header('location', `/runs/${run.id}`).send(view(queue, run));
      },
    );

    api.get('/runs', { schema: { response: { 200: Type.Object({ runs: Type.Array(RunViewSchema) }) } } }, async () => ({
      runs: queue.list().map((run) => view(queue, run)),
    }));

    api.get<{ Params: { id: string } }>(
      '/runs/:id',
      {
        schema: {
          params: Type.Object({ id: Type.String() }),
          response: { 200: RunViewSchema, '4xx': ErrorBodySchema },
        },
      },
      async (request) => view(queue, lookup(queue, request.params.id)),
    );

    api.delete<{ Params: { id: string } }>(
      '/runs/:id',
      {
        schema: {
          params: Type.Object({ id: Type.String() }),
          response: { 200: RunViewSchema, '4xx': ErrorBodySchema },
        },
      },
      async (request) => view(queue, await queue.cancel(lookup(queue, request.params.id))),
    );

    api.get<{ Params: { id: string } }>(
      '/runs/:id/events',
      { schema: { params: Type.Object({ id: Type.String() }), produces: ['text/event-stream'] } },
      async (request, reply) => {
        const run = lookup(queue, request.params.id);
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        const send = (event: string, data: unknown): void => {
          raw.write(`event: ${event}\ndata: ${JSON.stringify(maskSecretsDeep(data))}\n\n`);
        };
        let unsubscribe = (): void => {};
        const end = (): void => {
          unsubscribe();
          streams.delete(end);
          raw.end();
        };
        send('status', view(queue, run));
        if (run.status !== 'queued' && run.status !== 'running') {
          send('end', view(queue, run));
          end();
          return;
        }
        streams.add(end);
        unsubscribe = queue.subscribe(run.id, (event) => {
          if (event.event === 'progress') send('progress', event.data);
          else send(event.event, view(queue, event.data));
          if (event.event === 'end') end();
        });
        request.raw.on('close', end);
      },
    );

    api.get<{ Params: { id: string; file: string } }>(
      '/runs/:id/:file',
      { schema: { params: Type.Object({ id: Type.String(), file: Type.String() }) } },
      async (request, reply) => {
        const run = lookup(queue, request.params.id);
        const file = request.params.file;
        if (!DOWNLOADABLE_FILES.includes(file)) {
          throw new PeakgateError(
            'PG_ERR_SERVER_NOT_FOUND',
            `no file ${file}; reports are ${DOWNLOADABLE_FILES.join(', ')}`,
          );
        }
        if (!run.reports.includes(file)) {
          if (run.status === 'queued' || run.status === 'running') {
            throw new PeakgateError(
              'PG_ERR_SERVER_CONFLICT',
              `run ${run.id} is ${run.status}; ${file} is written when it ends`,
            );
          }
          throw new PeakgateError('PG_ERR_SERVER_NOT_FOUND', `run ${run.id} has no ${file}`);
        }
        // The path is built from a stored id and a name from a fixed list, never from the request.
        const text = await readFile(path.join(queue.runDir(run), file), 'utf8');
        return reply.type(CONTENT_TYPES[file] ?? 'application/octet-stream').send(text);
      },
    );
  });

  await app.ready();
  await queue.start();
  return { app, queue, metrics };
}

function lookup(queue: RunQueue, id: string): RunRecord {
  const run = queue.get(id);
  if (run === undefined) throw new PeakgateError('PG_ERR_SERVER_NOT_FOUND', 'no such run');
  return run;
}

function view(queue: RunQueue, run: RunRecord): RunView {
  return {
    id: run.id,
    kind: run.job.kind,
    status: run.status,
    scenario: run.scenario,
    driver: run.job.driver,
    position: queue.position(run),
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    progress: run.progress,
    verdict: run.verdict,
    reasons: run.reasons,
    error: run.error,
    reports: run.reports,
  };
}

/** The request as the queue stores it: scenario text (read now, so later edits of the file do not change a queued run). */
async function storedJob(body: RunRequest, scenariosDir: string | undefined): Promise<StoredJob> {
  const invalid = (field: string, message: string): PeakgateError =>
    new PeakgateError('PG_ERR_SERVER_REQUEST_INVALID', `body.${field}: ${message}`);
  if ((body.scenario === undefined) === (body.inline === undefined)) {
    throw invalid('scenario', 'give exactly one of "scenario" (a name) or "inline" (the scenario itself)');
  }
  const kind = body.kind ?? 'compare';
  if (kind === 'run' && (body.baseline !== undefined || body.candidate !== undefined)) {
    throw invalid('kind', 'a run loads one build: give "service", not baseline/candidate');
  }
  if (kind === 'compare' && body.service !== undefined) throw invalid('service', 'only for kind "run"');
  let scenarioText: string;
  let scenarioSource: string;
  if (body.scenario !== undefined) {
    if (scenariosDir === undefined) throw invalid('scenario', 'this server has no scenarios folder; send "inline"');
    const found = await readNamedScenario(scenariosDir, body.scenario);
    if (found === undefined) throw invalid('scenario', `no scenario named "${body.scenario}" in the scenarios folder`);
    scenarioText = found;
    scenarioSource = `${body.scenario}`;
  } else {
    scenarioText = typeof body.inline === 'string' ? body.inline : JSON.stringify(body.inline);
    scenarioSource = 'inline';
  }
  // Parse now: a bad scenario is a 400 naming the field, and the default driver depends on the builds.
  const scenario = parseScenario(scenarioText, scenarioSource);
  // It may read only the variables the server was started with (`serve --env NAME`): a 400 now.
  assertEnvAllowed(scenario.load.requests);
  const commands = scenario.baseline?.kind === 'command' || scenario.candidate?.kind === 'command';
  return {
    kind,
    driver: body.driver ?? (commands ? 'process' : 'docker'),
    scenarioText,
    scenarioSource,
    ...(body.baseline !== undefined ? { baseline: body.baseline } : {}),
    ...(body.candidate !== undefined ? { candidate: body.candidate } : {}),
    ...(body.service !== undefined ? { service: body.service } : {}),
    ...(body.rounds !== undefined ? { rounds: body.rounds } : {}),
  };
}

async function readNamedScenario(dir: string, name: string): Promise<string | undefined> {
  // The name matched ^[A-Za-z0-9][A-Za-z0-9._-]*$ in the schema; basename() is a second guard.
  const safe = path.basename(name);
  for (const extension of ['.yaml', '.yml', '.json']) {
    try {
      return await readFile(path.join(dir, `${safe}${extension}`), 'utf8');
    } catch {
      // try the next extension
    }
  }
  return undefined;
}
