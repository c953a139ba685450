import { describe, expect, it } from 'vitest';
import { parseMetricSelector } from './metric-selector.js';
import { requestNames } from './request-name.js';
import { ScenarioInvalidError } from './scenario/issues.js';
import { parseScenario } from './scenario/loader.js';
import { parseSloFlags } from './scenario/slo-flags.js';

const scenario = (compare: string, requests?: string): string => `name: x
load:
  phases: [{ duration: 5s, rate: 100 }]
  requests:
${
  requests ??
  `    - { name: checkout, method: POST, path: /checkout }
    - { weight: 9, path: "/products?page={{int 1 50}}" }
`
}compare:
${compare}`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 's.yaml');
  } catch (error) {
    if (error instanceof ScenarioInvalidError) return error.details;
    throw error;
  }
  return [];
}

describe('request names', () => {
  it('default to method and path template, unique among themselves', () => {
    expect(
      requestNames([
        { path: '/a' },
        { method: 'POST', path: '/a' },
        { path: '/a' },
        { name: 'GET /a #3', path: '/b' },
        { path: '/a' },
      ]),
    ).toEqual(['GET /a', 'POST /a', 'GET /a #2', 'GET /a #3', 'GET /a #4']);
  });

  it('are resolved onto every request of the plan', () => {
    const resolved = parseScenario(scenario('  rounds: 3\n'), 's.yaml');
    expect(resolved.load.requests.map((request) => request.name)).toEqual([
      'checkout',
      'GET /products?page={{int 1 50}}',
    ]);
  });

  it('must be unique when written', () => {
    const text = scenario('  rounds: 3\n', '    - { name: a, path: /a }\n    - { name: a, path: /b }\n');
    expect(problems(text)).toEqual([
      's.yaml:6:15  load.requests[1].name  request name "a" is already used by requests[0]',
    ]);
  });
});

describe('metric selectors in compare.limits and compare.slo', () => {
  it('resolve per request name, beside the whole-mix metrics', () => {
    const resolved = parseScenario(
      scenario(`  limits:
    latency.p99: +20%
    latency.p99{name=checkout}: +10%
    error_rate{name=GET /products?page={{int 1 50}}}: +50%
  slo:
    latency.p99{name=checkout}: 80ms
    error_rate{name=checkout}: 0.5%
`),
      's.yaml',
    );
    expect(resolved.compare.limits).toEqual({ 'latency.p99': 0.2 });
    expect(resolved.compare.slo).toEqual({});
    expect(resolved.compare.byRequest).toEqual({
      checkout: { limits: { 'latency.p99': 0.1 }, slo: { 'latency.p99': 80, error_rate: 0.005 } },
      'GET /products?page={{int 1 50}}': { limits: { error_rate: 0.5 }, slo: {} },
    });
    expect(parseMetricSelector('latency.p99{name=a{b}}')).toEqual({ metric: 'latency.p99', name: 'a{b}' });
    expect(parseMetricSelector('cpu.per_request{name=a}')).toBeUndefined();
  });

  it('name an existing request, or the error names the file, line and column and the names there are', () => {
    expect(problems(scenario('  limits:\n    latency.p99{name=chekout}: +10%\n'))).toEqual([
      's.yaml:9:5  compare.limits["latency.p99{name=chekout}"]  no request is named "chekout"; request names: "checkout", "GET /products?page={{int 1 50}}"',
    ]);
  });

  it('take the unit of their metric and only latency percentiles and error_rate take one', () => {
    expect(problems(scenario('  slo:\n    latency.p99{name=checkout}: 5%\n'))).toEqual([
      's.yaml:9:33  compare.slo["latency.p99{name=checkout}"]  expected a duration like 250ms, 10s or 2m, found "5%"',
    ]);
    expect(problems(scenario('  limits:\n    cpu.per_request{name=checkout}: +10%\n'))[0]).toContain(
      'unknown field "cpu.per_request{name=checkout}"',
    );
  });

  it('work in --slo flags too', () => {
    expect(
      parseSloFlags(['latency.p99=250ms', 'latency.p99{name=checkout}=80ms', 'throughput=50'], ['checkout']),
    ).toEqual({
      slo: { 'latency.p99': 250, throughput: 50 },
      byRequest: { checkout: { limits: {}, slo: { 'latency.p99': 80 } } },
    });
    expect(() => parseSloFlags(['latency.p99{name=nope}=80ms'], ['checkout'])).toThrow(/no request is named "nope"/);
    expect(() => parseSloFlags(['latency.p99=fast'], ['checkout'])).toThrow(/expected a duration/);
    expect(() => parseSloFlags(['latency.p99'], ['checkout'])).toThrow(/expected KEY=VALUE/);
  });
});
