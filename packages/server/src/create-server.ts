/**
 * The fastify application of `peakgate serve`: routes, schemas, auth, the run queue and the
 * metrics registry, without listening (tests drive it through `app.inject()`; serve.ts listens).
 * `app.close()` is the one shutdown path: it stops accepting runs, cancels the running one
 * (its services are removed by the trial's cleanup), ends open event streams, and saves the queue.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import swagger from '@fastify/swagger';
import { ComparisonMetrics, resolveRunRequest } from '@peakgate/controller';
import {
  assertEnvAllowed,
  maskSecrets,
  maskSecretsDeep,
  PeakgateError,
  parseScenario,
  readScenarioText,
  type TrialResult,
} from '@peakgate/core';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { bearerChecker } from './bearer-auth.js';
import { errorReply } from './error-reply.js';
import { comparisonExecutor } from './job-executor.js';
import { jsonDepthOver, MAX_JSON_DEPTH } from './json-depth.js';
import { API_DRIVERS } from './prepare-job.js';
import { trialDetails } from './run-events.js';
import { DOWNLOADABLE_FILES, type RunExecutor, RunQueue } from './run-queue.js';
import { type RunRecord, RunStore, type StoredJob } from './run-store.js';
import { runView } from './run-view.js';
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
    // verbose: a validation error carries its schema, so an unknown field's message can list the known ones.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, verbose: true } },
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

    api.get<{ Params: { id: string }; Headers: { 'last-event-id'?: string } }>(
      '/runs/:id/events',
      {
        schema: {
          params: Type.Object({ id: Type.String() }),
          headers: Type.Object({
            'last-event-id': Type.Optional(
              Type.String({ description: 'resume after this event id (EventSource sends it on reconnect)' }),
            ),
          }),
          produces: ['text/event-stream'],
        },
      },
      async (request, reply) => {
        const run = lookup(queue, request.params.id);
        const lastId = lastEventId(request.headers['last-event-id']);
        const kept = queue.eventsAfter(run.id, lastId);
        const ended = kept === undefined ? run.status !== 'queued' && run.status !== 'running' : kept.ended;
        // Resuming a stream that has nothing more to say: 204 tells an EventSource to stop reconnecting.
        if (lastId !== undefined && ended && (kept === undefined || kept.events.length === 0)) {
          return reply.status(204).send();
        }
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        const write = (entry: { id?: number; event: string; data: unknown }): void => {
          const id = entry.id === undefined ? '' : `id: ${entry.id}\n`;
          raw.write(`${id}event: ${entry.event}\ndata: ${JSON.stringify(entry.data)}\n\n`);
        };
        let unsubscribe = (): void => {};
        const end = (): void => {
          unsubscribe();
          streams.delete(end);
          raw.end();
        };
        // A dropped client comes back after 1 s (EventSource's default is 3 s) with Last-Event-ID.
        raw.write('retry: 1000\n\n');
        if (kept === undefined) {
          // This server keeps no events of the run (it ended before this server started, or long
          // ago): its record now, without an id, and the end if it has ended.
          write({ event: 'status', data: maskSecretsDeep(view(queue, run)) });
          if (ended) {
            write({ event: 'end', data: maskSecretsDeep(view(queue, run)) });
            end();
            return;
          }
        }
        // Replay and subscription in one tick: no event falls between them.
        for (const entry of kept?.events ?? []) write(entry);
        if (kept?.ended === true) {
          end();
          return;
        }
        streams.add(end);
        unsubscribe = queue.subscribe(run.id, (entry) => {
          write(entry);
          if (entry.event === 'end') end();
        });
        request.raw.on('close', end);
      },
    );

    api.get<{ Params: { id: string } }>(
      '/runs/:id/trials',
      { schema: { params: Type.Object({ id: Type.String() }), response: { '4xx': ErrorBodySchema } } },
      async (request) => ({ trials: await runTrials(queue, lookup(queue, request.params.id)) }),
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

/** `Last-Event-ID`: the id of the last event a client has, a whole number; absent means from the start. */
function lastEventId(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(header.trim())) {
    throw new PeakgateError(
      'PG_ERR_SERVER_REQUEST_INVALID',
      `Last-Event-ID: expected the id of an event of this stream (a whole number), got "${header.slice(0, 40)}"`,
    );
  }
  return Number(header.trim());
}

/**
 * A run's trials, details included (per-second series, status counts, service readings), the
 * encoded histograms left out: the ones this server has in memory (finished so far, while it runs),
 * else what the run wrote (trials.json of a comparison, result.json of a one-sided run).
 */
async function runTrials(queue: RunQueue, run: RunRecord): Promise<TrialResult[]> {
  const live = queue.trials(run.id);
  if (live !== undefined) return live;
  const read = async (file: string): Promise<unknown> => {
    try {
      return JSON.parse(await readFile(path.join(queue.runDir(run), file), 'utf8'));
    } catch {
      return undefined;
    }
  };
  const trials = run.job.kind === 'compare' ? await read('trials.json') : [await read('result.json')];
  if (!Array.isArray(trials)) return [];
  return trials.filter((trial): trial is TrialResult => typeof trial === 'object' && trial !== null).map(trialDetails);
}

function view(queue: RunQueue, run: RunRecord): RunView {
  return runView(run, queue.position(run));
}

/** The request as the queue stores it: scenario text (read now, so later edits of the file do not change a queued run). */
async function storedJob(body: RunRequest, scenariosDir: string | undefined): Promise<StoredJob> {
  const invalid = (field: string, message: string): PeakgateError =>
    new PeakgateError('PG_ERR_SERVER_REQUEST_INVALID', `body.${field}: ${message}`);
  if ((body.scenario === undefined) === (body.inline === undefined)) {
    throw invalid('scenario', 'give exactly one of "scenario" (a name) or "inline" (the scenario itself)');
  }
  const kind = body.kind ?? 'compare';
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
  // The driver as the CLI picks it (controller's run-request.ts): the body's, else images → docker,
  // commands → process. Whether this server accepts process builds is checked when it is queued.
  const { driver } = resolveRunRequest({
    kind,
    origin: 'api',
    scenario,
    flags: { driver: body.driver, baseline: body.baseline, candidate: body.candidate, service: body.service },
    env: {},
    allowProcess: true,
    drivers: API_DRIVERS,
  });
  if (driver === 'swarm') throw new PeakgateError('PG_ERR_INTERNAL', 'the API offers no swarm driver');
  return {
    kind,
    driver,
    scenarioText,
    scenarioSource,
    ...(body.baseline !== undefined ? { baseline: body.baseline } : {}),
    ...(body.candidate !== undefined ? { candidate: body.candidate } : {}),
    ...(body.service !== undefined ? { service: body.service } : {}),
    ...(body.rounds !== undefined ? { rounds: body.rounds } : {}),
    ...(body.seed !== undefined ? { seed: body.seed } : {}),
  };
}

async function readNamedScenario(dir: string, name: string): Promise<string | undefined> {
  // The name matched ^[A-Za-z0-9][A-Za-z0-9._-]*$ in the schema; basename() is a second guard.
  const safe = path.basename(name);
  for (const extension of ['.yaml', '.yml', '.json']) {
    const file = path.join(dir, `${safe}${extension}`);
    const refused = (why: string): PeakgateError =>
      new PeakgateError('PG_ERR_SCENARIO_READ', `cannot read scenario "${safe}${extension}": ${why}`);
    // Read as the CLI reads a scenario, and never through a link out of the scenarios folder: a FIFO
    // held a request (and a thread of libuv's pool) forever, and a linked file's values were quoted
    // back in the 400 (issue 23).
    let real: string;
    try {
      real = await realpath(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw refused('it cannot be resolved');
    }
    const inside = path.relative(await realpath(dir), real);
    if (inside === '' || inside.startsWith(`..${path.sep}`) || inside === '..' || path.isAbsolute(inside))
      throw refused('it is a link that leads outside the scenarios folder');
    try {
      return await readScenarioText(real);
    } catch (error) {
      throw refused(
        error instanceof Error ? error.message.replace(`cannot read scenario ${real}: `, '') : String(error),
      );
    }
  }
  return undefined;
}
