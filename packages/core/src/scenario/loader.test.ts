import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeakgateError } from '../errors.js';
import { ScenarioInvalidError, ScenarioParseError } from './issues.js';
import { loadScenarioFile, parseScenario } from './loader.js';

const MINIMAL = `name: smoke
load:
  phases:
    - { duration: 5s, rate: 50 }
  requests:
    - path: /
`;

/** The `file:line:col  path  message` lines of an invalid scenario (fails the test if it is valid). */
function problems(text: string, source = 's.yaml'): string[] {
  try {
    parseScenario(text, source, { platform: 'linux' });
  } catch (error) {
    if (error instanceof ScenarioInvalidError || error instanceof ScenarioParseError) return [...error.details];
    throw error;
  }
  throw new Error('expected the scenario to be invalid');
}

describe('parseScenario: defaults and normalisation', () => {
  it('resolves a minimal scenario (name + load) with every default', () => {
    const scenario = parseScenario(MINIMAL, 's.yaml', { platform: 'linux' });
    expect(scenario).toEqual({
      name: 'smoke',
      service: {
        port: 8080,
        ready: { kind: 'tcp', timeoutMs: 30_000 },
        env: {},
        resources: {},
        network: 'host',
      },
      load: {
        phases: [
          {
            name: 'phase-1',
            durationMs: 5000,
            load: { model: 'open', rate: { from: 50, to: 50 }, maxConnections: 64 },
          },
        ],
        requests: [{ name: 'GET /', weight: 1, method: 'GET', path: '/', headers: {} }],
        expectStatus: Array.from({ length: 200 }, (_, i) => 200 + i),
        timeoutMs: 10_000,
      },
      compare: {
        rounds: 3,
        maxRounds: 6,
        confidence: 0.95,
        schedule: 'duet',
        limits: {},
        slo: {},
      },
    });
    expect(scenario.baseline).toBeUndefined();
    expect(scenario.candidate).toBeUndefined();
    expect(scenario.sourcePath).toBeUndefined();
  });

  it('defaults the Docker network to bridge off Linux', () => {
    expect(parseScenario(MINIMAL, 's.yaml', { platform: 'darwin' }).service.network).toBe('bridge');
  });

  it('normalises the DESIGN.md example: units, ramps, models, statuses, limits and SLOs', () => {
    const scenario = parseScenario(
      `name: checkout-peak
service:
  port: 9090
  ready: { http: /healthz, timeout: 45s }
  env: { NODE_ENV: production, WORKERS: 4, DEBUG: false }
  command: node server.js --mode "fast lane"
  resources: { cpus: 1.5, cpuset: "0-1", memory: 512m }
  network: bridge
baseline:  { image: shop:1.4.2 }
candidate: { image: shop:1.5.0-rc1 }
load:
  warmup: { duration: 10s, rate: 200 }
  phases:
    - { name: ramp,  duration: 20s, rate: { from: 200, to: 2000 } }
    - { name: peak,  duration: 1m30s, rate: 2000, max_connections: 100 }
    - { name: burst, duration: 10s, connections: 256 }
  requests:
    - { weight: 7, method: GET,  path: "/products?page={{int 1 50}}", headers: { x-n: 5 } }
    - { weight: 3, method: POST, path: /checkout, json: { items: [1, 2, 3] } }
    - { weight: 0.5, method: PUT, path: /raw, body: "id={{uuid}}" }
  expect: { status: [201, 2xx, 404] }
  timeout: 2.5s
compare:
  rounds: 4
  confidence: 0.9
  limits: { latency.p99: +10%, cpu.per_request: 15%, throughput: -5% }
  slo: { latency.p99: 250ms, cpu.per_request: 1.5ms, error_rate: 0.1%, memory.peak: 1g, throughput: 500 }
`,
      'checkout.yaml',
      { platform: 'linux' },
    );
    expect(scenario.service).toEqual({
      port: 9090,
      ready: { kind: 'http', path: '/healthz', timeoutMs: 45_000 },
      env: { NODE_ENV: 'production', WORKERS: '4', DEBUG: 'false' },
      command: ['node', 'server.js', '--mode', 'fast lane'],
      resources: { cpus: 1.5, cpuset: '0-1', memoryBytes: 512 * 1024 * 1024 },
      network: 'bridge',
    });
    expect(scenario.baseline).toEqual({ kind: 'image', image: 'shop:1.4.2' });
    expect(scenario.candidate).toEqual({ kind: 'image', image: 'shop:1.5.0-rc1' });
    expect(scenario.load.warmup).toEqual({
      name: 'warmup',
      durationMs: 10_000,
      load: { model: 'open', rate: { from: 200, to: 200 }, maxConnections: 64 },
    });
    expect(scenario.load.phases).toEqual([
      { name: 'ramp', durationMs: 20_000, load: { model: 'open', rate: { from: 200, to: 2000 }, maxConnections: 500 } },
      {
        name: 'peak',
        durationMs: 90_000,
        load: { model: 'open', rate: { from: 2000, to: 2000 }, maxConnections: 100 },
      },
      { name: 'burst', durationMs: 10_000, load: { model: 'closed', connections: 256 } },
    ]);
    expect(scenario.load.requests).toEqual([
      {
        name: 'GET /products?page={{int 1 50}}',
        weight: 7,
        method: 'GET',
        path: '/products?page={{int 1 50}}',
        headers: { 'x-n': '5' },
      },
      { name: 'POST /checkout', weight: 3, method: 'POST', path: '/checkout', headers: {}, json: { items: [1, 2, 3] } },
      { name: 'PUT /raw', weight: 0.5, method: 'PUT', path: '/raw', headers: {}, body: 'id={{uuid}}' },
    ]);
    expect(scenario.load.expectStatus).toEqual([...Array.from({ length: 100 }, (_, i) => 200 + i), 404]);
    expect(scenario.load.timeoutMs).toBe(2500);
    expect(scenario.compare).toEqual({
      rounds: 4,
      maxRounds: 8,
      confidence: 0.9,
      schedule: 'duet',
      limits: { 'latency.p99': 0.1, 'cpu.per_request': 0.15, throughput: 0.05 },
      slo: {
        'latency.p99': 250,
        'cpu.per_request': 1.5,
        error_rate: 0.001,
        'memory.peak': 1024 ** 3,
        throughput: 500,
      },
    });
  });

  it('scales the default max_connections with the peak rate, within [64, 1024]', () => {
    const maxFor = (rate: string): number => {
      const load = parseScenario(MINIMAL.replace('rate: 50', `rate: ${rate}`), 's.yaml').load.phases[0]?.load;
      return load?.model === 'open' ? load.maxConnections : -1;
    };
    expect(maxFor('10')).toBe(64);
    expect(maxFor('1000')).toBe(250);
    expect(maxFor('{ from: 4000, to: 100 }')).toBe(1000);
    expect(maxFor('100000')).toBe(1024);
  });

  it('keeps limits and SLOs exactly as written (the judge owns per-metric default limits)', () => {
    const scenario = parseScenario(
      `${MINIMAL}compare: { limits: { latency.p50: +5% }, slo: { throughput: 10 } }\n`,
      's.yaml',
    );
    expect(scenario.compare.limits).toEqual({ 'latency.p50': 0.05 });
    expect(scenario.compare.slo).toEqual({ throughput: 10 });
  });

  it('reads command builds, anchoring a relative cwd to baseDir', () => {
    const scenario = parseScenario(
      `name: p
baseline: { command: "node server.js", cwd: ./v1, env: { A: 1 } }
candidate: { command: "node server.js", cwd: /abs/v2 }
${MINIMAL.slice('name: smoke\n'.length)}`,
      's.yaml',
      { baseDir: '/work/scenarios' },
    );
    expect(scenario.baseline).toEqual({
      kind: 'command',
      command: 'node server.js',
      cwd: '/work/scenarios/v1',
      env: { A: '1' },
    });
    expect(scenario.candidate).toEqual({ kind: 'command', command: 'node server.js', cwd: '/abs/v2', env: {} });
  });

  it('accepts the readiness kinds tcp and log', () => {
    const ready = (written: string) =>
      parseScenario(`name: r\nservice: { ready: ${written} }\n${MINIMAL.slice(12)}`, 's.yaml').service.ready;
    expect(ready('{ tcp: true }')).toEqual({ kind: 'tcp', timeoutMs: 30_000 });
    expect(ready('{ log: "listening on \\\\d+", timeout: 5s }')).toEqual({
      kind: 'log',
      pattern: 'listening on \\d+',
      timeoutMs: 5000,
    });
  });

  it('follows YAML anchors and aliases', () => {
    const scenario = parseScenario(
      `name: a
load:
  phases:
    - &hold { name: one, duration: 5s, rate: 50 }
    - { <<: *hold, name: two }
  requests: [{ path: / }]
`,
      's.yaml',
    );
    expect(scenario.load.phases.map((phase) => phase.name)).toEqual(['one', 'two']);
  });

  it('refuses a few aliases of a big list (a 100-fold expansion under the alias count), quickly (issue 23 red team)', () => {
    const items = Array.from({ length: 100_000 }, () => '1').join(',');
    const text = `name: a
load:
  phases: [{ duration: 5s, rate: 50 }]
  requests:
    - path: /
      method: POST
      json:
        a: &big [${items}]
        b: [${Array.from({ length: 20 }, () => '*big').join(', ')}]
`;
    const started = performance.now();
    const error = (() => {
      try {
        parseScenario(text, 's.yaml');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ScenarioParseError);
    expect(String((error as ScenarioParseError).details)).toContain('expand it to more than 1,000,000 values');
    expect(String((error as ScenarioParseError).details)).toMatch(/s\.yaml:9:\d+/);
    // Before: 2.1 million values validated, then sent as a 4 MB body on every request.
    expect(performance.now() - started).toBeLessThan(5_000);
    // Five aliases of the same list stay under the bound and load.
    const fine = text.replace(/b: \[.*\]/, `b: [${Array.from({ length: 5 }, () => '*big').join(', ')}]`);
    expect(parseScenario(fine, 's.yaml').load.requests).toHaveLength(1);
  });
});

describe('parseScenario: JSON input', () => {
  const json = JSON.stringify(
    { name: 'smoke', load: { phases: [{ duration: '5s', rate: 50 }], requests: [{ path: '/' }] } },
    null,
    2,
  );

  it('parses JSON to the same scenario as the equivalent YAML', () => {
    expect(parseScenario(json, 's.json', { platform: 'linux' })).toEqual(
      parseScenario(MINIMAL, 's.yaml', { platform: 'linux' }),
    );
  });

  it('gives JSON errors line and column too, tab-indented or not', () => {
    const bad =
      '{\n\t"name": "x",\n\t"load": {\n\t\t"phases": [{ "duration": "5 s", "rate": 5 }],\n\t\t"requests": [{ "path": "/" }],\n\t\t"extra": 1\n\t}\n}\n';
    expect(problems(bad, 's.json')).toEqual([
      's.json:4:28  load.phases[0].duration  expected a duration like 250ms, 10s or 2m, found "5 s"',
      's.json:6:3  load.extra  unknown field "extra"; known fields: warmup, phases, timeline, requests, expect, timeout',
    ]);
  });
});

describe('parseScenario: errors name file:line:col, the field path, expected and found', () => {
  it('rejects unknown fields at the key, suggesting the closest known name', () => {
    expect(problems(`name: x\nservce: {}\n${MINIMAL.slice(12)}`)).toEqual([
      's.yaml:2:1  servce  unknown field "servce" (did you mean "service"?); known fields: $schema, name, description, service, baseline, candidate, load, compare',
    ]);
  });

  it('never ignores a typo in a limit', () => {
    expect(problems(`${MINIMAL}compare:\n  limits:\n    latency.p9: +10%\n`)).toEqual([
      's.yaml:9:5  compare.limits["latency.p9"]  unknown field "latency.p9" (did you mean "latency.p90"?); known fields: latency.p50, latency.p90, latency.p99, latency.p999, cpu.per_request, memory.peak, error_rate, throughput; or a metric with a request selector, e.g. latency.p99{name=checkout} (latency.p50/p90/p99/p999, error_rate)',
    ]);
  });

  it('explains a bad duration, pointing at the value', () => {
    const text = `name: x
load:
  phases:
    - { duration: 5s, rate: 50 }
    - name: second
      duration: 10 sec
      rate: 50
  requests: [{ path: / }]
`;
    expect(problems(text)).toEqual([
      's.yaml:6:17  load.phases[1].duration  expected a duration like 250ms, 10s or 2m, found "10 sec"',
    ]);
  });

  it('refuses bare numbers for units with a hint', () => {
    expect(problems(MINIMAL.replace('duration: 5s', 'duration: 5'))).toEqual([
      's.yaml:4:19  load.phases[0].duration  expected a duration like 250ms, 10s or 2m, found 5 (a bare number: add a unit)',
    ]);
  });

  it('reports a missing required field at its parent key', () => {
    expect(problems('name: x\nload:\n  requests: [{ path: / }]\n')).toEqual([
      's.yaml:2:1  load.phases  required field is missing (or load.timeline instead)',
    ]);
    expect(
      problems('description: no name\nload: { phases: [{ duration: 1s, rate: 1 }], requests: [{ path: / }] }\n'),
    ).toEqual(['s.yaml:1:1  name  required field is missing']);
  });

  it('collects every error in one pass, in document order', () => {
    const text = `name: many
service:
  port: 0
  ready: { http: healthz, timeout: 10 sec }
load:
  warmup: { duration: 3s }
  phases:
    - { name: ramp, duration: 20s, rate: { from: 0, too: 5 } }
    - { name: ramp, duration: 0s, connections: 5, rate: 3 }
    - { duration: 5s, rate: fast }
    - { duration: 5s, connections: 2.5 }
  requests:
    - { weight: 0, method: get, path: "/p" }
    - { path: /a, headers: { X: [1] } }
  expect: { status: [200, 7xx] }
  timeout: 0s
compare:
  confidence: 1
  slo: { latency.p99: 1.5, memory.peak: 512x, error_rate: 1 }
`;
    expect(problems(text)).toEqual([
      's.yaml:3:9  service.port  expected a whole number from 1 to 65535, found 0',
      's.yaml:4:18  service.ready.http  expected a path starting with /, found "healthz"',
      's.yaml:4:36  service.ready.timeout  expected a duration like 250ms, 10s or 2m, found "10 sec"',
      's.yaml:6:11  load.warmup  expected one of rate (requests per second) or connections, found neither',
      's.yaml:8:36  load.phases[0].rate.to  required field is missing',
      's.yaml:8:50  load.phases[0].rate.from  expected a number greater than 0 and at most 1000000, found 0',
      's.yaml:8:53  load.phases[0].rate.too  unknown field "too" (did you mean "to"?); known fields: from, to',
      's.yaml:9:15  load.phases[1].name  phase name "ramp" is already used by phases[0]',
      's.yaml:9:31  load.phases[1].duration  expected a duration greater than 0, found "0s"',
      's.yaml:9:35  load.phases[1].connections  rate and connections exclude each other: rate is the open model, connections the closed model',
      's.yaml:10:29  load.phases[2].rate  expected a rate in requests per second (a number) or { from, to }, found "fast"',
      's.yaml:11:36  load.phases[3].connections  expected a whole number from 1 to 65535, found 2.5',
      's.yaml:13:17  load.requests[0].weight  expected a number greater than 0, found 0',
      's.yaml:13:28  load.requests[0].method  expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, found "get"',
      's.yaml:14:33  load.requests[1].headers.X  expected a header value (a string), found a list',
      's.yaml:15:27  load.expect.status[1]  expected an HTTP status (100-599) or a class like 2xx, found "7xx"',
      's.yaml:16:12  load.timeout  expected a duration greater than 0, found "0s"',
      's.yaml:18:15  compare.confidence  expected a number at least 0.5 and less than 1, found 1',
      's.yaml:19:23  compare.slo["latency.p99"]  expected a duration like 250ms, 10s or 2m, found 1.5 (a bare number: add a unit)',
      's.yaml:19:41  compare.slo["memory.peak"]  expected a size like 64k, 512m or 1g, found "512x"',
      's.yaml:19:59  compare.slo.error_rate  expected a percentage like 0.1% or 5%, found 1 (a bare number: add a unit)',
    ]);
  });

  it('throws PG_ERR_SCENARIO_INVALID (exit 2) with one detail line per problem and structured issues', () => {
    let caught: unknown;
    try {
      parseScenario('name: x\nload: { phases: [], requests: [] }\n', 'bad.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PeakgateError);
    const error = caught as ScenarioInvalidError;
    expect(error.code).toBe('PG_ERR_SCENARIO_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('bad.yaml is not a valid scenario (2 errors)');
    expect(error.issues).toEqual([
      {
        source: 'bad.yaml',
        line: 2,
        column: 17,
        path: 'load.phases',
        message: 'expected a list with at least 1 item, found an empty list',
      },
      {
        source: 'bad.yaml',
        line: 2,
        column: 31,
        path: 'load.requests',
        message: 'expected a list with at least 1 item, found an empty list',
      },
    ]);
    expect(error.details).toEqual([
      'bad.yaml:2:17  load.phases  expected a list with at least 1 item, found an empty list',
      'bad.yaml:2:31  load.requests  expected a list with at least 1 item, found an empty list',
    ]);
  });

  it('explains numbers out of bounds inside a union by their bounds', () => {
    expect(problems(MINIMAL.replace('rate: 50', 'rate: 2000000'))).toEqual([
      's.yaml:4:29  load.phases[0].rate  expected a number greater than 0 and at most 1000000, found 2000000',
    ]);
    expect(problems(MINIMAL.replace('rate: 50', 'rate: .inf'))).toEqual([
      's.yaml:4:29  load.phases[0].rate  expected a number greater than 0 and at most 1000000, found Infinity',
    ]);
  });

  it('shortens long values in messages', () => {
    expect(problems(MINIMAL.replace('duration: 5s', `duration: "${'x'.repeat(100)}"`))).toEqual([
      `s.yaml:4:19  load.phases[0].duration  expected a duration like 250ms, 10s or 2m, found "${'x'.repeat(57)}..."`,
    ]);
  });

  it('rejects an empty document and a top level that is not a mapping', () => {
    expect(problems('')).toEqual([
      's.yaml:1:1  expected a scenario (a mapping with name and load), found an empty document',
    ]);
    expect(problems('# only a comment\n')).toEqual([
      's.yaml:1:1  expected a scenario (a mapping with name and load), found an empty document',
    ]);
    expect(problems('[1, 2]\n', 's.json')).toEqual([
      's.json:1:1  expected a scenario (a mapping with name and load), found a list',
    ]);
    expect(problems('just text\n')).toEqual([
      's.yaml:1:1  expected a scenario (a mapping with name and load), found "just text"',
    ]);
  });
});

describe('parseScenario: cross-field rules', () => {
  const withRequests = (requests: string): string =>
    `name: x\nload:\n  phases: [{ duration: 1s, rate: 1 }]\n  requests:\n${requests}`;

  it('body and json exclude each other', () => {
    expect(problems(withRequests('    - { method: POST, path: /a, body: x, json: { a: 1 } }\n'))).toEqual([
      's.yaml:5:42  load.requests[0].json  body and json exclude each other: write one of them',
    ]);
  });

  it('checks placeholders in the path, header values, the body and every string leaf of json', () => {
    const text = withRequests(`    - { path: "/p?id={{int 9 1}}", headers: { x-id: "{{uuid}}", x-bad: "{{int}}" } }
    - { method: POST, path: /b, body: "{{uuid x}}" }
    - method: POST
      path: /c
      json: { items: [ok, "{{pick}}"], deep: { v: "{{nope}}" } }
`);
    expect(problems(text)).toEqual([
      's.yaml:5:15  load.requests[0].path  {{int 9 1}}: MIN must not be greater than MAX',
      's.yaml:5:72  load.requests[0].headers.x-bad  {{int}}: expected {{int MIN MAX}} with two integers',
      's.yaml:6:39  load.requests[1].body  {{uuid x}}: uuid takes no arguments',
      's.yaml:9:27  load.requests[2].json.items[1]  {{pick}}: expected {{pick A B ...}} with at least one option',
      's.yaml:9:51  load.requests[2].json.deep.v  unknown placeholder {{nope}}; placeholders are {{int MIN MAX}}, {{uuid}}, {{pick A B ...}} and {{env NAME}}',
    ]);
  });

  it('header names are HTTP tokens and environment names are plain names', () => {
    expect(
      problems(
        `name: x\nservice: { env: { "A=B": 1 } }\nbaseline: { command: c, env: { "": x } }\n${MINIMAL.slice(12)}      headers: { "bad name": x }\n`,
      ),
    ).toEqual([
      's.yaml:2:19  service.env["A=B"]  expected an environment variable name (a letter or _, then letters, digits, _, . or -), found "A=B"',
      's.yaml:3:32  baseline.env[""]  expected an environment variable name (a letter or _, then letters, digits, _, . or -), found ""',
      `s.yaml:9:18  load.requests[0].headers["bad name"]  expected a header name (letters, digits and !#$%&'*+-.^_\`|~), found "bad name"`,
    ]);
  });

  it('refuses CR, LF and other control characters wherever they would reach the wire, keys included', () => {
    // Double-quoted YAML turns \r \n \0 \t into the characters themselves.
    const text = `name: x
service: { env: { "X=1\\nY": a, "GOOD_name.1-2": b }, ready: { http: "/h\\r\\nHost: evil" } }
load:
  phases: [{ duration: 1s, rate: 1 }]
  requests:
    - path: "/a\\r\\nGET /smuggled HTTP/1.1"
      headers: { "x\\r\\nHost": v, "a:b": v, "ok": "tab\\tallowed", "v": "a\\r\\nHost: evil", "n": "a\\0b" }
    - { path: "/a b" }
    - { path: "/p?c={{pick a\\x7fb c}}", headers: { "p": "{{pick a\\x01 b}}" } }
    - { path: "/fine?c={{pick a b}}&d={{int 1 2}}", headers: { "t": "{{pick x y}}" } }
`;
    expect(problems(text)).toEqual([
      's.yaml:2:19  service.env["X=1\\nY"]  expected an environment variable name (a letter or _, then letters, digits, _, . or -), found "X=1\\nY"',
      's.yaml:2:69  service.ready.http  a path cannot hold spaces or control characters, found CR at character 3; percent-encode it (%0D)',
      's.yaml:6:13  load.requests[0].path  a path cannot hold spaces or control characters, found CR at character 3; percent-encode it (%0D)',
      `s.yaml:7:18  load.requests[0].headers["x\\r\\nHost"]  expected a header name (letters, digits and !#$%&'*+-.^_\`|~), found "x\\r\\nHost"`,
      `s.yaml:7:34  load.requests[0].headers["a:b"]  expected a header name (letters, digits and !#$%&'*+-.^_\`|~), found "a:b"`,
      's.yaml:7:71  load.requests[0].headers.v  a header value cannot hold CR, LF, NUL or other control characters, found CR at character 2',
      's.yaml:7:95  load.requests[0].headers.n  a header value cannot hold CR, LF, NUL or other control characters, found NUL at character 2',
      's.yaml:8:15  load.requests[1].path  a path cannot hold spaces or control characters, found a space at character 3; percent-encode it (%20)',
      's.yaml:9:15  load.requests[2].path  a path cannot hold spaces or control characters, found DEL at character 14; percent-encode it (%7F)',
      's.yaml:9:57  load.requests[2].headers.p  a header value cannot hold CR, LF, NUL or other control characters, found U+0001 at character 9',
    ]);
  });

  it('still applies the rules to a part whose only schema error is an unknown field', () => {
    expect(
      problems(
        'name: x\nload:\n  phases: [{ duration: 1s, rate: 5, connections: 2, nme: p }]\n  requests: [{ path: / }]\n',
      ),
    ).toEqual([
      's.yaml:3:37  load.phases[0].connections  rate and connections exclude each other: rate is the open model, connections the closed model',
      's.yaml:3:53  load.phases[0].nme  unknown field "nme" (did you mean "name"?); known fields: name, duration, rate, connections, max_connections',
    ]);
  });

  it('max_connections belongs to the open model', () => {
    expect(
      problems(
        'name: x\nload:\n  phases: [{ duration: 1s, connections: 4, max_connections: 8 }]\n  requests: [{ path: / }]\n',
      ),
    ).toEqual([
      's.yaml:3:44  load.phases[0].max_connections  max_connections applies to the open model (rate); with connections it has no effect',
    ]);
  });

  it('readiness is exactly one of http, tcp, log, and log is a regular expression', () => {
    expect(problems(`name: x\nservice: { ready: { timeout: 5s } }\n${MINIMAL.slice(12)}`)).toEqual([
      's.yaml:2:19  service.ready  expected one of http, tcp or log, found none',
    ]);
    expect(problems(`name: x\nservice: { ready: { http: /h, tcp: true } }\n${MINIMAL.slice(12)}`)).toEqual([
      's.yaml:2:19  service.ready  expected one of http, tcp or log, found http and tcp',
    ]);
    expect(problems(`name: x\nservice: { ready: { log: "(" } }\n${MINIMAL.slice(12)}`)).toEqual([
      's.yaml:2:26  service.ready.log  expected a regular expression in RE2 syntax (no lookaround or backreferences): missing closing ): `(`',
    ]);
  });

  it('a command override must split into words', () => {
    expect(problems(`name: x\nservice: { command: "node 'x" }\n${MINIMAL.slice(12)}`)).toEqual([
      `s.yaml:2:21  service.command  unbalanced ' quote in "node 'x"`,
    ]);
  });

  it('builds are an image or a command, and both sides use the same kind', () => {
    const builds = (baseline: string, candidate: string) =>
      problems(`name: x\nbaseline: ${baseline}\ncandidate: ${candidate}\n${MINIMAL.slice(12)}`);
    expect(builds('{ image: a, command: b }', '{ image: c }')).toEqual([
      's.yaml:2:23  baseline.command  image and command exclude each other: image is for the docker driver, command for the process driver',
    ]);
    expect(builds('{ cwd: ./v1 }', '{ image: c }')).toEqual([
      's.yaml:2:11  baseline  expected { image } or { command, cwd, env }, found neither image nor command',
    ]);
    expect(builds('{ image: a, cwd: ./v1, env: { A: 1 } }', '{ image: c }')).toEqual([
      's.yaml:2:23  baseline.cwd  cwd applies to a command build; with image, set environment in service.env',
      's.yaml:2:34  baseline.env  env applies to a command build; with image, set environment in service.env',
    ]);
    expect(builds('{ image: a }', '{ command: node s.js }')).toEqual([
      's.yaml:3:12  candidate  baseline is an image but candidate is a command; both must use the same driver',
    ]);
  });

  it('max_rounds is at least rounds, and limits point the right way and are finite', () => {
    expect(problems(`${MINIMAL}compare: { rounds: 4, max_rounds: 2 }\n`)).toEqual([
      's.yaml:7:35  compare.max_rounds  expected max_rounds at least rounds (4), found 2',
    ]);
    expect(problems(`${MINIMAL}compare: { limits: { throughput: +5%, latency.p99: -5% } }\n`)).toEqual([
      's.yaml:7:34  compare.limits.throughput  a throughput limit is an allowed decrease; write -5%, found "+5%"',
      's.yaml:7:52  compare.limits["latency.p99"]  a latency.p99 limit is an allowed increase; write +5%, found "-5%"',
    ]);
    // Hundreds of digits pass the pattern but are Infinity: the judge needs a finite ratio.
    const huge = `+${'9'.repeat(400)}%`;
    expect(problems(`${MINIMAL}compare: { limits: { latency.p50: "${huge}" } }\n`)).toEqual([
      `s.yaml:7:35  compare.limits["latency.p50"]  expected a change like +10% or -5%, found "+${'9'.repeat(56)}..." (too large to be a number)`,
    ]);
  });
});

describe('parseScenario: the checks the load engine and the judge no longer repeat', () => {
  // loadgen's plan-validation.ts and the judge's validate() checked these again; now only the
  // schema and the rules do, so each must stay refused here.
  const scenario = (load: string, compare = ''): string =>
    `name: x\nload:\n${load}${compare === '' ? '' : `compare: ${compare}\n`}`;
  const oneRequest = '  requests: [{ path: / }]\n';
  const onePhase = '  phases: [{ duration: 1s, rate: 1 }]\n';
  it.each([
    ['no phase', `  phases: []\n${oneRequest}`, '', 'load.phases  expected a list with at least 1 item'],
    ['no request', `${onePhase}  requests: []\n`, '', 'load.requests  expected a list with at least 1 item'],
    [
      'a zero weight',
      `${onePhase}  requests: [{ path: /, weight: 0 }]\n`,
      '',
      'weight  expected a number greater than 0',
    ],
    ['an infinite weight', `${onePhase}  requests: [{ path: /, weight: .inf }]\n`, '', 'found Infinity'],
    ['body and json', `${onePhase}  requests: [{ path: /, body: a, json: 1 }]\n`, '', 'body and json exclude'],
    ['a bad placeholder', `${onePhase}  requests: [{ path: "/{{int 2 1}}" }]\n`, '', 'MIN must not be greater'],
    [
      'a zero timeout',
      `${onePhase}${oneRequest}  timeout: 0s\n`,
      '',
      'load.timeout  expected a duration greater than 0',
    ],
    [
      'a zero duration',
      `  phases: [{ duration: 0s, rate: 1 }]\n${oneRequest}`,
      '',
      'expected a duration greater than 0',
    ],
    [
      'zero connections',
      `  phases: [{ duration: 1s, connections: 0 }]\n${oneRequest}`,
      '',
      'connections  expected a whole',
    ],
    ['fractional connections', `  phases: [{ duration: 1s, connections: 1.5 }]\n${oneRequest}`, '', 'expected a whole'],
    [
      'a zero rate',
      `  phases: [{ duration: 1s, rate: 0 }]\n${oneRequest}`,
      '',
      'rate  expected a number greater than 0',
    ],
    ['a zero ramp', `  phases: [{ duration: 1s, rate: { from: 0, to: 0 } }]\n${oneRequest}`, '', 'rate.from  expected'],
    ['an infinite rate', `  phases: [{ duration: 1s, rate: .inf }]\n${oneRequest}`, '', 'found Infinity'],
    [
      'zero max_connections',
      `  phases: [{ duration: 1s, rate: 1, max_connections: 0 }]\n${oneRequest}`,
      '',
      'max_connections',
    ],
    [
      'a confidence of 1',
      onePhase + oneRequest,
      '{ confidence: 1 }',
      'compare.confidence  expected a number at least 0.5',
    ],
    ['a negative confidence', onePhase + oneRequest, '{ confidence: -0.5 }', 'compare.confidence  expected'],
    ['an infinite limit', onePhase + oneRequest, `{ limits: { error_rate: "+${'9'.repeat(400)}%" } }`, 'too large'],
  ])('refuses %s', (_, load, compare, expected) => {
    expect(problems(scenario(load, compare)).join('\n')).toContain(expected);
  });
});

describe('parseScenario: syntax errors', () => {
  const withLoad = (requests: string): string =>
    `name: x\nload:\n  phases: [{ duration: 1s, rate: 1 }]\n  requests:\n${requests}`;

  it('throws PG_ERR_SCENARIO_PARSE with the position of each syntax error', () => {
    let caught: unknown;
    try {
      parseScenario('name: x\nload: [1\n', 'broken.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScenarioParseError);
    const error = caught as ScenarioParseError;
    expect(error.code).toBe('PG_ERR_SCENARIO_PARSE');
    expect(error.exitCode).toBe(2);
    expect(error.details).toEqual([
      'broken.yaml:3:1  Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('hints at quoting when an unquoted placeholder breaks the YAML, one error per line', () => {
    expect(problems(withLoad('    - { path: /route?key={{int 1 1000}} }\n'))).toEqual([
      's.yaml:5:26  Unexpected flow-map-start at node end (quote values with {{placeholders}} in YAML: path: "/a?id={{uuid}}")',
    ]);
  });

  it('hints at quoting when an unquoted placeholder became a mapping, without a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      expect(problems(withLoad('    - path: {{uuid}}\n'))).toEqual([
        's.yaml:5:13  load.requests[0].path  expected a path starting with /, found a mapping (quote values with {{placeholders}} in YAML: path: "/a?id={{uuid}}")',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((warning) => warning.message)).toEqual([]);
  });

  it('rejects duplicate keys (the second would silently win otherwise)', () => {
    expect(problems('name: x\nname: y\nload: {}\n')).toEqual(['s.yaml:2:1  Map keys must be unique']);
  });

  it('rejects JSON syntax errors with positions', () => {
    expect(problems('{\n  "name": "x",\n  "load": {\n}\n', 's.json')).toEqual([
      expect.stringMatching(/^s\.json:\d+:\d+ {2}\S/),
    ]);
  });
});

describe('loadScenarioFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file, records its absolute path and resolves cwd against its directory', async () => {
    const file = path.join(dir, 'p.yaml');
    await writeFile(file, `name: p\nbaseline: { command: node s.js, cwd: ./v1 }\n${MINIMAL.slice(12)}`);
    const scenario = await loadScenarioFile(path.relative(process.cwd(), file));
    expect(scenario.sourcePath).toBe(file);
    expect(scenario.baseline).toEqual({ kind: 'command', command: 'node s.js', cwd: path.join(dir, 'v1'), env: {} });
  });

  it('names the file as given in errors', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'name: x\nload: { phases: [{ duration: 1s, rate: 1 }], requests: [{ path: nope }] }\n');
    await expect(loadScenarioFile(file)).rejects.toMatchObject({
      code: 'PG_ERR_SCENARIO_INVALID',
      details: [`${file}:2:65  load.requests[0].path  expected a path starting with /, found "nope"`],
    });
  });

  it('throws PG_ERR_SCENARIO_READ for a missing file and for a directory', async () => {
    await expect(loadScenarioFile(path.join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'PG_ERR_SCENARIO_READ',
      message: `cannot read scenario ${path.join(dir, 'missing.yaml')}: no such file`,
    });
    await expect(loadScenarioFile(dir)).rejects.toMatchObject({
      code: 'PG_ERR_SCENARIO_READ',
      message: `cannot read scenario ${dir}: it is a directory`,
    });
  });

  it.each(['balancer-peak.yaml', 'checkout-peak.yaml', 'target-smoke.yaml'])(
    'the shipped scenarios/%s is valid',
    async (name) => {
      const scenario = await loadScenarioFile(new URL(`../../../../scenarios/${name}`, import.meta.url).pathname);
      expect(scenario.name).toBe(name.replace('.yaml', ''));
    },
  );

  it('the demo scenario fits a short CI run on the sample balancer', async () => {
    const scenario = await loadScenarioFile(
      new URL('../../../../scenarios/balancer-peak.yaml', import.meta.url).pathname,
    );
    expect(scenario.baseline).toEqual({ kind: 'image', image: 'peakgate/balancer:good' });
    expect(scenario.candidate).toEqual({ kind: 'image', image: 'peakgate/balancer:regressed' });
    expect(scenario.service.ready).toMatchObject({ kind: 'http', path: '/healthz' });
    const measuredMs = scenario.load.phases.reduce((sum, phase) => sum + phase.durationMs, 0);
    // Many short rounds inside a budget (docs/judge.md): 5 s measured, 3 to 10 rounds, 90 s.
    expect(measuredMs).toBe(5_000);
    expect(scenario.compare).toMatchObject({ rounds: 3, maxRounds: 10, budgetMs: 90_000 });
    expect(scenario.compare.limits).toEqual({ 'cpu.per_request': 0.15, 'latency.p99': 0.25 });
    expect(scenario.compare.slo).toEqual({ error_rate: 0.01 });
  });
});
