/**
 * The HTTP API through `app.inject()` (and one real listener for server-sent events), with a
 * scripted executor: each job waits until the test releases it, so queue order, cancellation
 * and restarts are observable without load. The real executor is covered by
 * test/server-prometheus.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ComparisonMetrics } from '@peakgate/controller';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type PeakgateServer } from './create-server.js';
import type { RunExecutor, RunJob, RunOutcome } from './run-queue.js';
import type { RunView } from './schemas.js';

const TOKEN = 'test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const SCENARIO = `name: api-test
baseline: { image: peakgate/balancer:good }
candidate: { image: peakgate/balancer:regressed }
load:
  phases: [{ name: peak, duration: 2s, rate: 10 }]
  requests: [{ method: GET, path: / }]
`;

interface Script {
  executor: RunExecutor;
  started: string[];
  /** Resolves the job with this id (pass verdict); waits until it has started. */
  release(id: string, outcome?: Partial<RunOutcome>): Promise<void>;
  waitStarted(count: number): Promise<void>;
  signals: Map<string, AbortSignal>;
  jobs: Map<string, RunJob>;
}

function scriptedExecutor(): Script {
  const started: string[] = [];
  const signals = new Map<string, AbortSignal>();
  const jobs = new Map<string, RunJob>();
  const releases = new Map<string, (outcome: RunOutcome) => void>();
  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 500 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
    if (!check()) throw new Error('timed out waiting');
  };
  const executor: RunExecutor = (job: RunJob, signal, onProgress) =>
    new Promise<RunOutcome>((resolve, reject) => {
      started.push(job.id);
      jobs.set(job.id, job);
      signals.set(job.id, signal);
      onProgress({
        type: 'comparison-started',
        runId: job.id,
        scenario: job.scenario.name,
        driver: job.driver,
        plannedRounds: 1,
      });
      onProgress({ type: 'trial-started', runId: job.id, role: 'baseline', round: 1, order: 0 });
      if (signal.aborted) reject(new Error('aborted'));
      signal.addEventListener('abort', () => reject(new Error('aborted')));
      releases.set(job.id, resolve);
    });
  return {
    executor,
    started,
    signals,
    jobs,
    waitStarted: (count) => until(() => started.length >= count),
    release: async (id, outcome = {}) => {
      await until(() => releases.has(id));
      releases.get(id)?.({
        verdict: 'pass',
        reasons: [],
        files: { 'report.json': '{"verdict":"pass"}\n', 'summary.md': '# pass\n' },
        ...outcome,
      });
    },
  };
}

let dataDir: string;
let server: PeakgateServer;
let script: Script;

async function start(options: { bodyLimitBytes?: number } = {}): Promise<void> {
  script = scriptedExecutor();
  server = await createServer({
    dataDir,
    scenariosDir: path.join(dataDir, 'scenarios'),
    token: TOKEN,
    executor: script.executor,
    metrics: new ComparisonMetrics({ processMetrics: false }),
    ...options,
  });
}

async function submit(body: Record<string, unknown> = { inline: SCENARIO }): Promise<RunView> {
  const response = await server.app.inject({ method: 'POST', url: '/runs', headers: auth, payload: body });
  expect(response.statusCode, response.body).toBe(202);
  return response.json<RunView>();
}

async function getRun(id: string): Promise<RunView> {
  return (await server.app.inject({ method: 'GET', url: `/runs/${id}`, headers: auth })).json<RunView>();
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out waiting');
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'peakgate-server-'));
});
afterEach(async () => {
  await server?.app.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('auth', () => {
  it('answers 401 without a token and with a wrong one, and leaves /healthz and /metrics open', async () => {
    await start();
    const none = await server.app.inject({ method: 'GET', url: '/runs' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json().error.code).toBe('PG_ERR_SERVER_UNAUTHORIZED');
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: { authorization: 'Bearer nope' },
      payload: { inline: SCENARIO },
    });
    expect(wrong.statusCode).toBe(401);
    expect(script.started).toEqual([]);
    const prefixOfRight = await server.app.inject({
      method: 'GET',
      url: '/runs',
      headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
    });
    expect(prefixOfRight.statusCode).toBe(401);
    expect((await server.app.inject({ method: 'GET', url: '/runs', headers: auth })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('# TYPE peakgate_request_duration_seconds histogram');
  });

  it('serves an OpenAPI document built from the route schemas', async () => {
    await start();
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json', headers: auth })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/runs', '/runs/{id}', '/runs/{id}/events', '/runs/{id}/trials', '/healthz', '/metrics']),
    );
    expect(doc.paths['/runs'].post.requestBody.content['application/json'].schema.properties.driver).toBeDefined();
  });
});

describe('validation', () => {
  it('answers 400 for a bad scenario with the validation message and the field', async () => {
    await start();
    const response = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { inline: SCENARIO.replace('duration: 2s', 'duration: soon') },
    });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('PG_ERR_SCENARIO_INVALID');
    expect(error.issues).toEqual([
      expect.objectContaining({
        field: 'load.phases[0].duration',
        message: expect.stringContaining('expected a duration'),
      }),
    ]);
  });

  it('answers 400 naming the field for an unknown option (no Docker options through the API) and a bad image', async () => {
    await start();
    const privileged = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { inline: SCENARIO, privileged: true },
    });
    expect(privileged.statusCode).toBe(400);
    expect(privileged.json().error).toMatchObject({
      code: 'PG_ERR_SERVER_REQUEST_INVALID',
      issues: [{ field: 'body.privileged' }],
    });
    const option = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { inline: SCENARIO, candidate: '--privileged alpine' },
    });
    expect(option.statusCode).toBe(400);
    expect(option.json().error.message).toContain('candidate');
    const processDriver = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { inline: SCENARIO, driver: 'process', baseline: 'rm -rf /', candidate: 'true' },
    });
    expect(processDriver.statusCode).toBe(400);
    expect(processDriver.json().error.message).toContain('--allow-process');
    expect(script.started).toEqual([]);
  });

  it('names an unknown field and the one meant, as the scenario loader does', async () => {
    await start();
    const typo = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { inline: SCENARIO, basline: 'peakgate/balancer:good' },
    });
    expect(typo.statusCode).toBe(400);
    const { error } = typo.json();
    expect(error.code).toBe('PG_ERR_SERVER_REQUEST_INVALID');
    expect(error.message).toMatch(
      /^body\.basline: unknown field "basline" \(did you mean "baseline"\?\); known fields: kind, /,
    );
    expect(error.message).not.toContain('must NOT have additional properties');
    expect(error.issues).toEqual([
      { field: 'body.basline', message: expect.stringContaining('did you mean "baseline"') },
    ]);
    // Nothing close: no guess, the known fields still listed.
    const far = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { inline: SCENARIO, privileged: true },
    });
    expect(far.json().error.message).toBe(
      'body.privileged: unknown field "privileged"; known fields: kind, scenario, inline, driver, baseline, candidate, service, rounds, seed',
    );
    expect(script.started).toEqual([]);
  });

  it('resolves a scenario by name from the scenarios folder and refuses unknown names', async () => {
    await start();
    await import('node:fs/promises').then(({ mkdir }) => mkdir(path.join(dataDir, 'scenarios')));
    await writeFile(path.join(dataDir, 'scenarios', 'short.yaml'), SCENARIO);
    const run = await submit({ scenario: 'short' });
    expect(run.scenario).toBe('api-test');
    const missing = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { scenario: 'nope' },
    });
    expect(missing.statusCode).toBe(400);
    const traversal = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { scenario: '../etc/passwd' },
    });
    expect(traversal.statusCode).toBe(400);
    expect(traversal.json().error.issues[0].field).toBe('body.scenario');
  });

  it('answers 413 for a body over the limit', async () => {
    await start({ bodyLimitBytes: 2048 });
    const response = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ inline: `${SCENARIO}#${'x'.repeat(4096)}\n` }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('PG_ERR_SERVER_BODY_TOO_LARGE');
  });

  it('answers 404 for unknown ids, traversal and encoded traversal', async () => {
    await start();
    const run = await submit();
    for (const url of [
      `/runs/${'0'.repeat(32)}`,
      '/runs/../../etc/passwd',
      '/runs/..%2F..%2Fetc%2Fpasswd',
      '/runs/%2e%2e%2fstate.json',
      `/runs/..%2F${run.id}/report.json`,
      `/runs/${run.id}/..%2F..%2Fstate.json`,
      `/runs/${run.id}/%2e%2e`,
      `/runs/${run.id}/trials.json`,
      `/runs/${run.id.toUpperCase()}`,
    ]) {
      const response = await server.app.inject({ method: 'GET', url, headers: auth });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code, url).toBe('PG_ERR_SERVER_NOT_FOUND');
    }
  });
});

describe('one-sided runs', () => {
  it('queues kind "run" with its one build and refuses baseline/candidate for it', async () => {
    await start();
    const run = await submit({ kind: 'run', inline: SCENARIO, service: 'peakgate/balancer:leaky' });
    expect(run).toMatchObject({ kind: 'run', status: expect.stringMatching(/queued|running/), driver: 'docker' });
    await script.waitStarted(1);
    expect(script.jobs.get(run.id)?.service).toEqual({ kind: 'image', image: 'peakgate/balancer:leaky' });
    expect(script.jobs.get(run.id)?.baseline).toBeUndefined();
    const mixed = await server.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { kind: 'run', inline: SCENARIO, baseline: 'peakgate/balancer:good' },
    });
    expect(mixed.statusCode).toBe(400);
    await script.release(run.id, { verdict: null, files: { 'result.json': '{}\n' } });
    await until(async () => (await getRun(run.id)).status === 'finished');
    expect(await getRun(run.id)).toMatchObject({ verdict: null, reports: ['result.json'] });
  });
});

describe('queue', () => {
  it('runs three submissions one at a time in the order they came', async () => {
    await start();
    const runs = [await submit(), await submit(), await submit()];
    await script.waitStarted(1);
    const views = await Promise.all(runs.map((run) => getRun(run.id)));
    expect(views.map((v) => v.status)).toEqual(['running', 'queued', 'queued']);
    expect(views.map((v) => v.position)).toEqual([null, 0, 1]);
    for (const run of runs) await script.release(run.id);
    await until(async () => (await getRun(runs[2]?.id as string)).status === 'finished');
    expect(script.started).toEqual(runs.map((run) => run.id));
    const finished = await getRun(runs[0]?.id as string);
    expect(finished).toMatchObject({ status: 'finished', verdict: 'pass', reports: ['report.json', 'summary.md'] });
    const report = await server.app.inject({ method: 'GET', url: `/runs/${runs[0]?.id}/report.json`, headers: auth });
    expect(report.json()).toEqual({ verdict: 'pass' });
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('peakgate_comparisons_total{scenario="api-test",verdict="pass"} 3');
  });

  it('cancels a queued run at once and a running one through its abort signal', async () => {
    await start();
    const first = await submit();
    const second = await submit();
    await script.waitStarted(1);
    const cancelQueued = await server.app.inject({ method: 'DELETE', url: `/runs/${second.id}`, headers: auth });
    expect(cancelQueued.json()).toMatchObject({ status: 'cancelled' });
    const cancelRunning = await server.app.inject({ method: 'DELETE', url: `/runs/${first.id}`, headers: auth });
    expect(cancelRunning.json()).toMatchObject({ status: 'cancelled', verdict: null });
    expect(script.signals.get(first.id)?.aborted).toBe(true);
    expect(script.started).toEqual([first.id]);
    const again = await server.app.inject({ method: 'DELETE', url: `/runs/${first.id}`, headers: auth });
    expect(again.statusCode).toBe(409);
  });

  it('keeps queued runs across a restart and runs them, in order, on the next start', async () => {
    await start();
    const first = await submit();
    const second = await submit();
    const third = await submit();
    await script.waitStarted(1);
    await server.app.close(); // SIGTERM path: the running run is cancelled, the others stay queued
    await start();
    await script.waitStarted(1);
    expect(script.started).toEqual([second.id]);
    expect((await getRun(first.id)).status).toBe('cancelled');
    expect((await getRun(third.id)).status).toBe('queued');
    await script.release(second.id);
    await script.release(third.id);
    await until(async () => (await getRun(third.id)).status === 'finished');
    expect(script.started).toEqual([second.id, third.id]);
  });

  it('starts again a run that was running when the server died', async () => {
    await start();
    const run = await submit();
    await script.waitStarted(1);
    // Simulate a crash: the state file says "running"; the next server must not lose the run.
    const state = await import('node:fs/promises').then(({ readFile }) =>
      readFile(path.join(dataDir, 'state.json'), 'utf8'),
    );
    expect(JSON.parse(state).runs[0].status).toBe('running');
    const crashed = server;
    await start();
    await script.waitStarted(1);
    expect(script.started).toEqual([run.id]);
    await script.release(run.id);
    await until(async () => (await getRun(run.id)).status === 'finished');
    await crashed.app.close();
  });
});

describe('sandbox errors', () => {
  it('ends a run the sandbox could not judge in error, with its reports and an error verdict metric', async () => {
    await start();
    const run = await submit();
    await script.release(run.id, {
      verdict: 'fail',
      reasons: ['baseline never got ready'],
      error: { code: 'PG_ERR_INFRA_BASELINE', message: 'the baseline failed too' },
    });
    await until(async () => (await getRun(run.id)).status === 'error');
    expect(await getRun(run.id)).toMatchObject({
      verdict: null,
      error: { code: 'PG_ERR_INFRA_BASELINE' },
      reports: ['report.json', 'summary.md'],
    });
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('peakgate_comparisons_total{scenario="api-test",verdict="error"} 1');
    expect(metrics).toContain('peakgate_last_verdict{scenario="api-test"} -1');
  });
});

describe('server-sent events', () => {
  it('streams a run from its start to its verdict', async () => {
    await start();
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const run = await submit();
    const response = await fetch(`${address}/runs/${run.id}/events`, { headers: auth });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    await script.waitStarted(1);
    await script.release(run.id, { verdict: 'fail', reasons: ['latency.p99 +40%'] });
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
      event: m[1],
      data: JSON.parse(m[2] as string),
    }));
    expect(events[0]?.event).toBe('status');
    expect(events.filter((e) => e.event === 'progress').map((e) => e.data.type)).toEqual(
      expect.arrayContaining(['trial-started']),
    );
    expect(events.at(-1)).toMatchObject({
      event: 'end',
      data: { status: 'finished', verdict: 'fail', reasons: ['latency.p99 +40%'] },
    });
    const unauthorised = await fetch(`${address}/runs/${run.id}/events`);
    expect(unauthorised.status).toBe(401);
  });
});
