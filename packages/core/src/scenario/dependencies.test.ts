import { describe, expect, it } from 'vitest';
import { ScenarioInvalidError } from './issues.js';
import { parseScenario } from './loader.js';

const withService = (service: string, compare = '') => `name: deps
service:
${service}
load:
  phases:
    - { duration: 5s, rate: 50 }
  requests:
    - path: /
${compare}`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 's.yaml', { platform: 'linux' });
  } catch (error) {
    if (error instanceof ScenarioInvalidError) return [...error.details];
    throw error;
  }
  throw new Error('expected the scenario to be invalid');
}

describe('service.dependencies', () => {
  it('resolves image and command dependencies with their readiness defaults', () => {
    const scenario = parseScenario(
      withService(`  dependencies:
    kv: { image: "kv:1", port: 7000, env: { KV_SLOTS: 64 }, resources: { memory: 64m } }
    cache: { command: "node cache.js", cwd: ./cache, ready: { http: /ok, timeout: 5s } }`),
      '/tmp/x/s.yaml',
      { platform: 'linux', baseDir: '/tmp/x' },
    );
    expect(scenario.service.dependencies).toEqual([
      {
        name: 'kv',
        build: { kind: 'image', image: 'kv:1' },
        port: 7000,
        readyTimeoutMs: 30_000,
        env: { KV_SLOTS: '64' },
        resources: { memoryBytes: 64 * 2 ** 20 },
      },
      {
        name: 'cache',
        build: { kind: 'command', command: 'node cache.js', cwd: '/tmp/x/cache', env: {} },
        port: 0,
        ready: { kind: 'http', path: '/ok', timeoutMs: 5000 },
        readyTimeoutMs: 5000,
        env: {},
        resources: {},
      },
    ]);
  });

  it('has no dependencies when none are written', () => {
    expect(parseScenario(withService('  port: 8080'), 's.yaml').service.dependencies).toBeUndefined();
  });

  it('refuses an image without a port, both image and command, and a bad name', () => {
    expect(problems(withService('  dependencies:\n    kv: { image: "kv:1" }')).join('\n')).toMatch(
      /service\.dependencies\.kv.*expected port/,
    );
    expect(problems(withService('  dependencies:\n    kv: { image: "kv:1", command: x, port: 1 }')).join('\n')).toMatch(
      /image and command exclude each other/,
    );
    expect(problems(withService('  dependencies:\n    KV_1: { command: x }')).join('\n')).toMatch(
      /service\.dependencies\.KV_1 {2}unknown field "KV_1"/,
    );
    expect(
      problems(withService('  dependencies:\n    kv: { command: x, ready: { tcp: true, http: / } }')).join('\n'),
    ).toMatch(/expected one of http, tcp or log, found http and tcp/);
  });
});

describe('compare.abort_on', () => {
  it('resolves latency and error rate limits', () => {
    const scenario = parseScenario(
      withService('  port: 8080', 'compare:\n  abort_on: { latency.p99: 250ms, error_rate: 5% }\n'),
      's.yaml',
    );
    expect(scenario.compare.abortOn).toEqual({ 'latency.p99': 250, error_rate: 0.05 });
  });

  it('refuses a metric it cannot watch second by second', () => {
    expect(
      problems(withService('  port: 8080', 'compare:\n  abort_on: { cpu.per_request: 2ms }\n')).join('\n'),
    ).toMatch(/abort_on/);
  });
});
