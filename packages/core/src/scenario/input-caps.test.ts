import { describe, expect, it } from 'vitest';
import { inputCapIssues, scenarioInputCaps } from './input-caps.js';

const scenario = (extra: Record<string, unknown> = {}, load: Record<string, unknown> = {}) => ({
  name: 'x',
  load: { phases: [{ duration: '1s', rate: 10 }], requests: [{ path: '/' }], ...load },
  ...extra,
});

const messages = (value: unknown) => inputCapIssues(value).map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('inputCapIssues', () => {
  it('accepts values at the limits', () => {
    expect(
      messages(
        scenario(
          { service: { ready: { timeout: '10m' }, resources: { memory: '6m', cpus: 0.01 } } },
          { timeout: '10m', phases: [{ duration: '24h', rate: 1 }] },
        ),
      ),
    ).toEqual([]);
  });

  it('refuses durations past their bounds, Infinity included', () => {
    expect(
      messages(scenario({}, { phases: [{ duration: '24h1ms', rate: 1 }], timeout: `${'9'.repeat(400)}s` })),
    ).toEqual([
      'load.phases.0.duration: expected a duration of at most 24h, found "24h1ms"',
      'load.timeout: expected a duration of at most 10m, found "999999999999999999999999999999999999999…"',
    ]);
    expect(messages(scenario({ service: { ready: { timeout: '10m1s' } } }))).toHaveLength(1);
  });

  it('refuses resources Docker would read as "no limit" or refuse', () => {
    expect(messages(scenario({ service: { resources: { memory: '0b', cpus: 1e-12 } } }))).toHaveLength(2);
    expect(messages(scenario({ service: { resources: { memory: '5m' } } }))).toHaveLength(1);
  });

  it('caps lists and strings', () => {
    const requests = Array.from({ length: scenarioInputCaps.requests + 1 }, () => ({ path: '/' }));
    expect(messages(scenario({}, { requests }))).toEqual(['load.requests: expected at most 1000 requests, found 1001']);
    expect(messages(scenario({}, { requests: [{ path: `/${'a'.repeat(8192)}` }] }))).toEqual([
      'load.requests.0.path: expected a path of at most 8192 characters, found 8193',
    ]);
  });

  it('leaves ill-typed values to the schema', () => {
    expect(messages(scenario({ service: { resources: { memory: 5 } } }, { timeout: 10 }))).toEqual([]);
    expect(messages('not a scenario')).toEqual([]);
  });
});
