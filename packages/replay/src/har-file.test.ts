import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHar } from './har-file.js';

const fixture = path.resolve(import.meta.dirname, '../../../test/fixtures/replay/session.har');

describe('parseHar', () => {
  it('turns entries into records, dropping pseudo- and hop-by-hop headers and keeping bodies', () => {
    const har = parseHar(readFileSync(fixture, 'utf8'));
    if ('problem' in har) throw new Error(har.problem);
    expect(har.entries).toHaveLength(5);
    const [health, backends, route, balance, broken] = har.entries;
    expect(health).toMatchObject({ record: { method: 'GET', target: '/healthz', status: 200 } });
    // Host and Connection are gone; Accept and User-Agent stay.
    expect(health && 'record' in health ? health.record.headers?.map(([name]) => name) : []).toEqual([
      'accept',
      'user-agent',
    ]);
    expect(backends && 'record' in backends ? backends.record.headers?.map(([name]) => name) : []).toEqual([
      'accept',
      'authorization',
      'cookie',
    ]);
    expect(route).toMatchObject({ record: { target: '/route?key=417&api_key=fixture-key-not-real' } });
    expect(balance).toMatchObject({
      record: { method: 'POST', mimeType: 'application/json', body: expect.stringContaining('"items"') },
    });
    expect(balance && 'record' in balance ? balance.record.headers : []).toEqual([
      ['content-type', 'application/json'],
    ]);
    expect(broken).toEqual({ problem: 'entry without a readable startedDateTime' });
  });

  it('refuses what is not a HAR', () => {
    expect(parseHar('{')).toMatchObject({ problem: expect.stringContaining('not JSON') });
    expect(parseHar('{"log": {}}')).toEqual({ problem: 'not a HAR file: no log.entries list' });
  });
});
