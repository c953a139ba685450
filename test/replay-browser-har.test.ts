/**
 * A HAR recorded by a real browser: headless Chromium (playwright-core, Debian's chromium) driving a
 * session against the sample balancer on 127.0.0.1 (test/fixtures/replay/record-har.mjs). The
 * committed recording (browser-session.har) is imported every run; when Chromium is present a fresh
 * session is recorded live and imported too, so a browser that changes what it writes shows up
 * here. Both must give a scenario `validate` accepts, with every request of the session, the
 * navigation/fetch/POST kinds, and the session's secrets (cookie, Authorization, X-Api-Key, a
 * `token=` query parameter, a JSON `password`) replaced by {{env NAME}} placeholders: none of their
 * values may reach the scenario. Without Chromium the live half is skipped and says why; with
 * CI=true a missing Chromium fails.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chromiumAvailable, chromiumPath } from './browser-support.js';
import { explainRun, runPeakgate } from './cli-support.js';
import { recordBrowserSession, SESSION_SECRETS } from './fixtures/replay/record-har.mjs';

const RECORDED = path.join('test', 'fixtures', 'replay', 'browser-session.har');
const inCi = process.env.CI === 'true';
const available = chromiumAvailable();
const skipReason = `skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set PEAKGATE_CHROMIUM)`;
const secrets = Object.values(SESSION_SECRETS);

interface ScenarioRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  json?: Record<string, unknown>;
}

/** Imports `har` with a timeline, validates the scenario, and checks what a browser session must give. */
async function importSession(har: string, dir: string, name: string): Promise<void> {
  const out = path.join(dir, `${name}.yaml`);
  const imported = await runPeakgate(['replay', har, '--out', out, '--timeline', '--json'], 60_000);
  expect(imported.code, explainRun(imported)).toBe(0);
  const result = JSON.parse(imported.stdout);
  // 3 navigations, 3 fetch() GETs, 2 POSTs, 1 navigation: every entry used.
  expect(result).toMatchObject({ format: 'har', read: 9, used: 9, skipped: 0, timelineArrivals: 9 });
  expect([...result.secrets].sort()).toEqual([
    'REPLAY_AUTHORIZATION',
    'REPLAY_BODY_PASSWORD',
    'REPLAY_COOKIE',
    'REPLAY_QUERY_TOKEN',
    'REPLAY_X_API_KEY',
  ]);
  const text = await readFile(out, 'utf8');
  const timeline = await readFile(path.join(dir, `${name}.timeline`), 'utf8');
  for (const secret of secrets) {
    expect(text, `secret ${secret} in the scenario`).not.toContain(secret);
    expect(timeline, `secret ${secret} in the timeline`).not.toContain(secret);
  }
  const requests = (parse(text) as { load: { requests: ScenarioRequest[] } }).load.requests;
  const kinds = requests.map((request) => `${request.method} ${request.path}`).sort();
  expect(kinds).toEqual([
    'GET /backends',
    'GET /healthz',
    'GET /route?key={{int 101 303}}&token={{env REPLAY_QUERY_TOKEN}}',
    'GET /route?key={{int 17 42}}',
    'POST /balance',
  ]);
  const post = requests.find((request) => request.method === 'POST');
  expect(post?.json).toEqual({ items: ['a', 'b', 'c'], password: '{{env REPLAY_BODY_PASSWORD}}' });
  expect(post?.headers).toMatchObject({
    'content-type': 'application/json',
    'x-api-key': '{{env REPLAY_X_API_KEY}}',
    cookie: '{{env REPLAY_COOKIE}}',
  });
  // Hop-by-hop and client-computed headers are dropped; the browser's own are kept as recorded.
  for (const request of requests) {
    for (const dropped of ['host', 'connection', 'content-length']) expect(request.headers).not.toHaveProperty(dropped);
    expect(request.headers?.['user-agent']).toContain('HeadlessChrome');
  }
  const fetched = requests.find((request) => request.path.includes('token='));
  expect(fetched?.headers?.authorization).toBe('{{env REPLAY_AUTHORIZATION}}');
  // The secrets are handed in by name (`--env`), as the scenario will be run.
  const handedIn = (result.secrets as string[]).flatMap((name) => ['--env', name]);
  const validated = await runPeakgate(['validate', out, ...handedIn], 30_000);
  expect(validated.code, explainRun(validated)).toBe(0);
}

describe('a HAR recorded from a browser session of the sample balancer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-browser-har-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the committed recording imports: every request, the secrets as placeholders, a valid scenario', async () => {
    const har = JSON.parse(await readFile(RECORDED, 'utf8'));
    // It is a browser's recording, of loopback only.
    expect(har.log.browser.name).toBe('chromium');
    for (const entry of har.log.entries) expect(new URL(entry.request.url).hostname).toBe('127.0.0.1');
    await importSession(RECORDED, dir, 'committed');
  });

  it.runIf(!available && inCi)('Chromium is installed (CI=true)', () => {
    expect.fail(`CI=true but ${skipReason.replace('skipped: ', '')}`);
  });

  it.skipIf(!available)(
    `a session recorded now imports the same way${available ? '' : ` (${skipReason})`}`,
    async () => {
      const har = path.join(dir, 'live.har');
      expect(await recordBrowserSession({ out: har, chromiumPath })).toBe(9);
      await importSession(har, dir, 'live');
    },
    120_000,
  );
});
