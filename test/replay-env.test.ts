/**
 * Secrets a HAR recorded come back only from the environment, through the one door: a scenario
 * imported from session.har sends `{{env NAME}}` values of the variables handed in with `--env NAME`,
 * refuses to start when one is not handed in or missing, and refuses a value that would break the
 * request line (CR LF) before anything is sent.
 * The scenario replays the HAR's timeline, so each recorded request is sent exactly once.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explainRun, runPeakgate } from './cli-support.js';
import { startHttpServer, type TestServer } from './fixtures/servers.js';

const SECRETS = [
  'REPLAY_AUTHORIZATION',
  'REPLAY_COOKIE',
  'REPLAY_QUERY_API_KEY',
  'REPLAY_X_API_KEY',
  'REPLAY_BODY_KEY',
  'REPLAY_BODY_PASSWORD',
];
/** What the person running the replayed scenario passes: each variable by name. */
const HAND_IN = SECRETS.flatMap((name) => ['--env', name]);

describe('{{env NAME}} placeholders from an imported HAR', () => {
  let server: TestServer;
  let dir: string;
  let scenario: string;
  const seen: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-env-'));
    scenario = path.join(dir, 'har.yaml');
    const imported = await runPeakgate(
      [
        'replay',
        path.join('test', 'fixtures', 'replay', 'session.har'),
        '--out',
        scenario,
        '--timeline',
        '--warmup',
        '0s',
      ],
      60_000,
    );
    expect(imported.code, explainRun(imported)).toBe(0);
    server = await startHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push({ url: request.url ?? '', headers: request.headers, body });
        response.end('ok');
      });
    });
  });
  afterEach(() => {
    for (const name of SECRETS) delete process.env[name];
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the values of the environment', async () => {
    for (const name of SECRETS) process.env[name] = `value-of-${name}`;
    const refused = await runPeakgate(['run', scenario, '--target', server.url, '--workers', '1'], 60_000);
    expect(refused.code, explainRun(refused)).toBe(2);
    expect(refused.stderr).toContain('[PG_ERR_SCENARIO_ENV_NOT_ALLOWED]');
    expect(seen).toEqual([]);
    const run = await runPeakgate(
      ['run', scenario, '--target', server.url, '--json', '--workers', '1', ...HAND_IN],
      60_000,
    );
    expect(run.code, explainRun(run)).toBe(0);
    const backends = seen.find((request) => request.url === '/backends');
    expect(backends?.headers.authorization).toBe('value-of-REPLAY_AUTHORIZATION');
    expect(backends?.headers.cookie).toBe('value-of-REPLAY_COOKIE');
    expect(seen.find((request) => request.url.startsWith('/route'))?.url).toMatch(
      /^\/route\?key=417&api_key=value-of-REPLAY_QUERY_API_KEY$/,
    );
    expect(JSON.parse(seen.find((request) => request.url === '/balance')?.body ?? '{}').password).toBe(
      'value-of-REPLAY_BODY_PASSWORD',
    );
  });

  it('exits 2 naming a variable that is not set, and one whose value holds CR LF, sending nothing', async () => {
    seen.length = 0;
    for (const name of SECRETS) process.env[name] = 'x';
    delete process.env.REPLAY_COOKIE;
    const missing = await runPeakgate(['run', scenario, '--target', server.url, ...HAND_IN], 60_000);
    expect(missing.code, explainRun(missing)).toBe(2);
    expect(missing.stderr).toContain(
      '{{env REPLAY_COOKIE}} reads REPLAY_COOKIE, which was handed in with --env REPLAY_COOKIE but is not set',
    );
    process.env.REPLAY_COOKIE = 'a\r\nHost: evil.example';
    const injected = await runPeakgate(['run', scenario, '--target', server.url, ...HAND_IN], 60_000);
    expect(injected.code, explainRun(injected)).toBe(2);
    expect(injected.stderr).toContain('the value of REPLAY_COOKIE holds control character U+000D');
    expect(seen).toEqual([]);
  });
});
