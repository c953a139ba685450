/**
 * `peakgate validate` as a user runs it: the built CLI in a real process, exit codes and streams.
 * Needs a build first (`npx tsc -b packages/cli packages/server`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'packages/cli/bin/peakgate.js');

function peakgate(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return peakgateIn(root, ...args);
}

function peakgateIn(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('peakgate validate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'peakgate-validate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 and prints a one-line summary for a valid scenario', () => {
    const { code, stdout, stderr } = peakgate('validate', 'scenarios/balancer-peak.yaml');
    expect(stderr).toBe('');
    expect(stdout).toBe(
      '✓ scenarios/balancer-peak.yaml: scenario "balancer-peak" is valid (1 phase, 2 request kinds, total duration 7s incl. 2s warm-up)\n',
    );
    expect(code).toBe(0);
  });

  it('validates every shipped scenario', () => {
    for (const name of ['checkout-peak.yaml', 'target-smoke.yaml']) {
      const { code, stdout } = peakgate('validate', `scenarios/${name}`);
      expect(stdout).toMatch(/^✓ scenarios\/.+ is valid \(\d+ phases?, \d+ request kinds?, total duration \S+/);
      expect(code).toBe(0);
    }
  });

  it('--json prints only the resolved scenario on stdout', () => {
    const { code, stdout, stderr } = peakgate('validate', '--json', 'scenarios/checkout-peak.yaml');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const scenario = JSON.parse(stdout) as {
      name: string;
      sourcePath: string;
      service: { resources: { memoryBytes: number } };
      load: { phases: { durationMs: number }[]; expectStatus: number[] };
      compare: { slo: Record<string, number> };
    };
    expect(scenario.name).toBe('checkout-peak');
    expect(scenario.sourcePath).toBe(path.join(root, 'scenarios/checkout-peak.yaml'));
    expect(scenario.service.resources.memoryBytes).toBe(512 * 1024 * 1024);
    expect(scenario.load.phases.map((phase) => phase.durationMs)).toEqual([20_000, 30_000, 10_000]);
    expect(scenario.load.expectStatus).toEqual([200, 201]);
    expect(scenario.compare.slo).toEqual({ 'latency.p99': 250, error_rate: 0.001 });
  });

  it('exits 2 and lists every problem as file:line:col  path  message, without a stack trace', async () => {
    const file = path.join(dir, 'typos.yaml');
    await writeFile(
      file,
      `name: typos
load:
  phases:
    - { name: peak, duration: 10 sec, rate: 100 }
  requests:
    - { path: "/items?page={{int 1}}" }
compare:
  limits:
    latency.p9: +10%
`,
    );
    const { code, stdout, stderr } = peakgate('validate', file);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      `peakgate: ${file} is not a valid scenario (3 errors) [PG_ERR_SCENARIO_INVALID]`,
      `  ${file}:4:31  load.phases[0].duration  expected a duration like 250ms, 10s or 2m, found "10 sec"`,
      `  ${file}:6:15  load.requests[0].path  {{int 1}}: expected {{int MIN MAX}} with two integers`,
      `  ${file}:9:5  compare.limits["latency.p9"]  unknown field "latency.p9" (did you mean "latency.p90"?); known fields: latency.p50, latency.p90, latency.p99, latency.p999, cpu.per_request, memory.peak, error_rate, throughput; or a metric with a request selector, e.g. latency.p99{name=checkout} (latency.p50/p90/p99/p999, error_rate)`,
      '',
    ]);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a JSON file with errors, with positions', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{\n  "name": "j",\n  "load": { "phases": [], "requests": [{ "path": "/" }] }\n}\n');
    const { code, stderr } = peakgate('validate', file);
    expect(code).toBe(2);
    expect(stderr).toContain(`  ${file}:3:23  load.phases  expected a list with at least 1 item, found an empty list`);
  });

  it('exits 2 with PG_ERR_SCENARIO_PARSE for broken YAML', async () => {
    const file = path.join(dir, 'broken.yaml');
    await writeFile(file, 'name: x\nload: [1\n');
    const { code, stderr } = peakgate('validate', file);
    expect(code).toBe(2);
    expect(stderr).toContain('[PG_ERR_SCENARIO_PARSE]');
    expect(stderr).toContain(`  ${file}:3:1  `);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with PG_ERR_SCENARIO_READ for a missing file', () => {
    const { code, stdout, stderr } = peakgate('validate', 'scenarios/no-such.yaml');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('peakgate: cannot read scenario scenarios/no-such.yaml: no such file [PG_ERR_SCENARIO_READ]\n');
  });

  it('prints exactly the example error output of docs/scenario.md', async () => {
    const doc = await readFile(path.join(root, 'docs/scenario.md'), 'utf8');
    const example =
      /A real run on this file[^\n]*\n\n```yaml\n([\s\S]*?)```\n\n```console\n\$ peakgate validate (\S+)\n([\s\S]*?)\$ echo/.exec(
        doc,
      );
    expect(example).not.toBeNull();
    const [, yaml, name, output] = example as unknown as [string, string, string, string];
    await writeFile(path.join(dir, name), yaml);
    const { code, stderr } = peakgateIn(dir, 'validate', name);
    expect(code).toBe(2);
    expect(stderr).toBe(output);
  });

  // Each of these once passed validate (exit 0) and went to the wire as written: CR LF in a path or a
  // header smuggled a second request or injected a Host header; a key holding a line break skipped
  // the rules altogether. YAML double quotes turn \r \n into the characters themselves.
  it.each([
    [
      'path with CR LF',
      '    - path: "/a\\r\\nGET /smuggled HTTP/1.1"\n',
      '5:13  load.requests[0].path  a path cannot hold',
    ],
    [
      'header value with CR LF',
      '    - { path: /, headers: { x-a: "v\\r\\nHost: evil" } }\n',
      '5:34  load.requests[0].headers.x-a  a header value cannot hold CR, LF, NUL',
    ],
    [
      'header name with LF',
      '    - { path: /, headers: { "x\\nHost": evil } }\n',
      '5:29  load.requests[0].headers["x\\nHost"]  expected a header name',
    ],
    [
      'header name with a colon',
      '    - { path: /, headers: { "x-a:b": v } }\n',
      '5:29  load.requests[0].headers["x-a:b"]  expected a header name',
    ],
    [
      'header name with a space',
      '    - { path: /, headers: { "x a": v } }\n',
      '5:29  load.requests[0].headers["x a"]  expected a header name',
    ],
    [
      'method with a space',
      '    - { path: /, method: "GET /x" }\n',
      '5:26  load.requests[0].method  expected one of GET',
    ],
    [
      'env name with a line break',
      '    - path: /\nservice: { env: { "X=1\\nY": a } }\n',
      '6:19  service.env["X=1\\nY"]  expected an environment variable name',
    ],
    [
      'env name with "="',
      '    - path: /\nservice: { env: { "A=B": a } }\n',
      '6:19  service.env["A=B"]  expected an environment variable name',
    ],
  ])('exits 2 naming the field for a %s', async (name, tail, where) => {
    const file = path.join(dir, `wire-${name.replaceAll(/\W+/g, '-')}.yaml`);
    await writeFile(file, `name: wire\nload:\n  phases: [{ duration: 1s, rate: 1 }]\n  requests:\n${tail}`);
    const { code, stdout, stderr } = peakgate('validate', file);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('[PG_ERR_SCENARIO_INVALID]');
    expect(stderr).toContain(`\n  ${file}:${where}`);
    // Exactly one problem, and nothing but printable text reaches the terminal.
    expect(stderr).toContain('(1 error)');
    expect([...stderr].filter((c) => c !== '\n' && (c < ' ' || c === '\u007f'))).toEqual([]);
  });

  it('exits 2 when the scenario argument is missing', () => {
    const { code, stderr } = peakgate('validate');
    expect(code).toBe(2);
    expect(stderr).toContain("missing required argument 'scenario'");
  });
});
