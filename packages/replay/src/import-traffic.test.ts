import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPeakgateError, parseScenario } from '@peakgate/core';
import { afterAll, describe, expect, it } from 'vitest';
import { composeReplay } from './compose-replay.js';
import { importTraffic, sniffFormat } from './import-traffic.js';
import { jsonFieldMap } from './json-line.js';

const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/replay');
const fixture = (name: string): string => path.join(fixtures, name);
const dir = mkdtempSync(path.join(tmpdir(), 'pg-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('importTraffic', () => {
  it('reads a combined log, counting bad lines and keeping the first few with their line numbers', async () => {
    const result = await importTraffic({ file: fixture('access.log') });
    expect(result).toMatchObject({ format: 'combined', gzip: false, read: 2403, skipped: 3 });
    expect(result.summary.used).toBe(2400);
    expect(result.problems).toEqual([
      { line: 301, message: 'not in the Combined Log Format' },
      { line: 902, message: 'no request line (method, target and version)' },
      { line: 2083, message: 'unreadable time (expected [day/Mon/year:hh:mm:ss +zone])' },
    ]);
    expect(result.summary.templateSummaries().map((t) => `${t.method} ${t.path}`)).toEqual([
      'GET /route?key={{int 1 1000}}',
      'POST /balance',
      'GET /api/products/{{int 1 500}}',
      'GET /api/users/{{uuid}}/orders',
      'GET /backends',
      'GET /healthz',
    ]);
  });

  it('reads gzip input to the same result', async () => {
    const plain = await importTraffic({ file: fixture('access.log') });
    const gzip = await importTraffic({ file: fixture('access.log.gz') });
    expect(gzip.gzip).toBe(true);
    expect(gzip.fileBytes).toBeLessThan(plain.fileBytes / 4);
    expect(gzip.summary.templateSummaries()).toEqual(plain.summary.templateSummaries());
    expect([...gzip.summary.secondCounts()]).toEqual([...plain.summary.secondCounts()]);
  });

  it('detects formats', async () => {
    expect(await sniffFormat(fixture('access.log.gz'))).toBe('combined');
    expect(await sniffFormat(fixture('nginx.jsonl'))).toBe('jsonl');
    expect(await sniffFormat(fixture('session.har'))).toBe('har');
    const renamed = path.join(dir, 'capture.json');
    writeFileSync(renamed, '{\n  "log": { "entries": [] }\n}\n');
    expect(await sniffFormat(renamed)).toBe('har');
  });

  it('keeps only the --window', async () => {
    const start = Date.UTC(2026, 2, 1, 10, 0, 10);
    const result = await importTraffic({ file: fixture('access.log'), startMs: start, endMs: start + 10_000 });
    expect(result.summary.used).toBe(1000);
    expect(result.summary.outside).toBe(1400);
  });

  it('reads JSON lines with --map names', async () => {
    const result = await importTraffic({
      file: fixture('custom.jsonl'),
      jsonFields: jsonFieldMap({ time: 'when', method: 'verb', path: 'route', status: 'code' }),
    });
    expect(result.summary.used).toBe(10);
    expect(result.summary.templateSummaries()[0]?.path).toBe('/things/{{int 1 10}}');
  });

  it('skips a line too long to hold, and reads on', async () => {
    const file = path.join(dir, 'long.log');
    const good = '192.0.2.1 - - [01/Mar/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "-"';
    writeFileSync(file, `${good}\n${'x'.repeat(200_000)}\n${good}\n`);
    const result = await importTraffic({ file, maxLineBytes: 1000 });
    expect(result).toMatchObject({
      read: 3,
      skipped: 1,
      problems: [{ line: 2, message: 'line too long (200000 characters)' }],
    });
    expect(result.summary.used).toBe(2);
  });

  it('refuses an unreadable or corrupt input with PG_ERR_REPLAY_READ', async () => {
    await expect(importTraffic({ file: path.join(dir, 'missing.log') })).rejects.toMatchObject({
      code: 'PG_ERR_REPLAY_READ',
      message: expect.stringContaining('no such file'),
    });
    const corrupt = path.join(dir, 'corrupt.log.gz');
    writeFileSync(corrupt, Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4]));
    await expect(importTraffic({ file: corrupt, format: 'combined' })).rejects.toMatchObject({
      code: 'PG_ERR_REPLAY_READ',
    });
  });
});

describe('composeReplay', () => {
  it('writes a scenario the loader accepts, with the mix, the scaled rate steps and the statuses', async () => {
    const result = await importTraffic({ file: fixture('access.log') });
    const composed = composeReplay(result, { name: 'access', source: 'access.log', top: 50, warmupMs: 0, speed: 3 });
    const scenario = parseScenario(composed.scenarioText, 'access.yaml');
    expect(
      scenario.load.phases.map((p) => [Math.round(p.durationMs), p.load.model === 'open' ? p.load.rate.from : 0]),
    ).toEqual([
      [3333, 180],
      [3333, 300],
      [3333, 240],
    ]);
    expect(scenario.load.expectStatus).toEqual([200, 404]);
    expect(composed.scenarioText).toMatch(/^# Imported by peakgate .* replay from "access.log" \(combined\)\.\n/);
    expect(composed.scenarioText).toContain('# lines: 2403 read, 2400 used, 3 skipped (bad), 0 outside the window');
  });

  it('scales to --peak-rate and keeps --top templates', async () => {
    const result = await importTraffic({ file: fixture('access.log') });
    const composed = composeReplay(result, { name: 'a', source: 'a', top: 2, warmupMs: 5000, peakRate: 500 });
    const scenario = parseScenario(composed.scenarioText, 'a.yaml');
    expect(composed.speed).toBe(5);
    expect(Math.max(...scenario.load.phases.map((p) => (p.load.model === 'open' ? p.load.rate.to : 0)))).toBe(500);
    expect(scenario.load.requests.map((r) => r.path)).toEqual(['/route?key={{int 1 1000}}', '/balance']);
    expect(composed.coverage).toBeCloseTo((957 + 525) / 2400, 5);
    expect(scenario.load.warmup?.durationMs).toBe(5000);
  });

  it('scrubs HAR secrets into {{env NAME}} unless keepSecrets', async () => {
    const scrubbed = composeReplay(await importTraffic({ file: fixture('session.har') }), {
      name: 'h',
      source: 'session.har',
      top: 50,
      warmupMs: 0,
    });
    expect(scrubbed.scenarioText).not.toMatch(/not-real/);
    expect(scrubbed.secrets.sort()).toEqual([
      'REPLAY_AUTHORIZATION',
      'REPLAY_BODY_KEY',
      'REPLAY_BODY_PASSWORD',
      'REPLAY_COOKIE',
      'REPLAY_QUERY_API_KEY',
      'REPLAY_X_API_KEY',
    ]);
    const scenario = parseScenario(scrubbed.scenarioText, 'h.yaml');
    const balance = scenario.load.requests.find((r) => r.path === '/balance');
    expect(balance?.json).toEqual({
      // A `key` keeps plain numbers only: `user-12` could be a credential.
      items: [{ key: '{{env REPLAY_BODY_KEY}}', size: 2 }, 'cart-7'],
      password: '{{env REPLAY_BODY_PASSWORD}}',
    });
    expect(scenario.load.requests.find((r) => r.path.startsWith('/route'))?.headers).toEqual({
      accept: 'application/json',
      'x-api-key': '{{env REPLAY_X_API_KEY}}',
    });
    const kept = composeReplay(await importTraffic({ file: fixture('session.har'), keepSecrets: true }), {
      name: 'h',
      source: 'session.har',
      top: 50,
      warmupMs: 0,
    });
    expect(kept.scenarioText).toContain('Bearer fixture-token-not-real');
    expect(kept.secrets).toEqual([]);
  });

  it('refuses input without a usable request with PG_ERR_REPLAY_EMPTY, saying why', async () => {
    const result = await importTraffic({ file: fixture('bad.log') });
    try {
      composeReplay(result, { name: 'b', source: 'bad.log', top: 50, warmupMs: 0 });
      expect.unreachable();
    } catch (error) {
      expect(isPeakgateError(error) && error.code).toBe('PG_ERR_REPLAY_EMPTY');
      expect((error as Error).message).toBe('bad.log: no usable request: 3 lines read, 3 skipped');
      expect(isPeakgateError(error) && error.details).toEqual([
        'line 1: not in the Combined Log Format',
        'line 2: not in the Combined Log Format',
        'line 3: not in the Combined Log Format',
      ]);
    }
  });

  it('writes a timeline of every kept arrival, spread over whole seconds, in time order', async () => {
    const result = await importTraffic({ file: fixture('access.log'), timeline: true });
    const composed = composeReplay(result, {
      name: 't',
      source: 'access.log',
      top: 50,
      warmupMs: 0,
      speed: 2,
      timelineFile: 't.timeline',
    });
    const lines = (composed.timelineText ?? '').split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(lines).toHaveLength(2400);
    // 60 arrivals in the first second: (k + ½)/60 s.
    expect(lines[0]).toMatch(/^8\.333 \d$/);
    const offsets = lines.map((line) => Number(line.split(' ')[0]));
    expect(offsets.every((offset, i) => i === 0 || offset >= (offsets[i - 1] ?? 0))).toBe(true);
    writeFileSync(path.join(dir, 't.timeline'), composed.timelineText ?? '');
    const scenario = parseScenario(composed.scenarioText, 't.yaml', { baseDir: dir });
    expect(scenario.load.phases[0]?.load).toMatchObject({ timeline: { arrivals: 2400, speed: 2 } });
  });
});
