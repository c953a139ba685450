/**
 * Issue 23, item 2: a scenario reads only the environment variables the person running peakgate
 * hands it (`--env NAME`), and those values are masked in everything peakgate writes.
 *
 * Each attack is written the way a pull request would commit it, and run through the real CLI
 * (and a real `peakgate serve`) with real processes:
 * - a scenario that reads `{{env GITHUB_TOKEN}}` (path, header, body) while the runner holds the
 *   secret: exit 2 naming the variable and `--env`, the same message when the variable is unset,
 *   and the secret in no file under --out, the step summary, stdout or stderr;
 * - a handed-in secret that a real service echoes (request headers logged to stdout and stderr,
 *   echoed in a JSON error body, then a crash so its log tail becomes a reason): `***` in every
 *   report, log file, the step summary and both streams, in raw, JSON and URL-encoded forms, while
 *   the service did receive the real value;
 * - the process build does not inherit the runner's secrets unless the runner passes --inherit-env;
 * - the API: an inline scenario cannot read the server's PEAKGATE_TOKEN or anything not given to
 *   `serve --env`, and a handed-in value a service echoes comes back masked in replies and reports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, explainRun, runPeakgate } from '../cli-support.js';

/** What a CI runner holds: none of these may leak unless handed in. */
const RUNNER_SECRET = 'ghp_RunnerSecret0123456789abcdef';
const AWS_SECRET = 'aws/Secret+Key0123456789=';
/** The value handed in with --env API_TOKEN: characters that JSON, URL and HTML encode differently. */
const HANDED_IN = 'pg-S3cr3t/Tok+en"q&<x>=1';
const SERVER_TOKEN = 'server-bearer-token-0123456789';
/** A multi-line value handed in with --env TLS_KEY (a PEM key): each line must be masked on its own. */
const TLS_KEY =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----';

/**
 * Every form a leaked value could take in output: the value, its JSON and URL encodings, and its
 * longest run of letters and digits, which no escaping (JSON, URL, HTML, XML, Markdown, terminal)
 * changes: a value escaped past the mask still shows it.
 */
function forms(value: string): string[] {
  const core = (value.match(/[A-Za-z0-9]+/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');
  return [
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    ...(core.length >= 6 ? [core] : []),
  ];
}

/** Each place (file or stream) where one of the values appears in any form. */
function leaks(texts: ReadonlyMap<string, string>, values: readonly string[]): string[] {
  const found: string[] = [];
  for (const [where, text] of texts)
    for (const value of values)
      for (const form of forms(value)) if (text.includes(form)) found.push(`${where}: ${form}`);
  return found;
}

/** Every regular file under dir, recursively, by path. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  if (!existsSync(dir)) return texts;
  for (const entry of await readdir(dir, { recursive: true })) {
    const file = path.join(dir, entry);
    if ((await stat(file)).isFile()) texts.set(file, await readFile(file, 'utf8'));
  }
  return texts;
}

const ECHO_SERVICE = `
const http = require('node:http');
const fs = require('node:fs');
let echoed = 0;
const crashAfter = Number(process.env.CRASH_AFTER || 0);
// A build that prints the runner's secrets if it was handed them (the leak checks then catch it).
console.log('runner env: ' + [process.env.GITHUB_TOKEN, process.env.AWS_SECRET_ACCESS_KEY, process.env.PEAKGATE_TOKEN].join(' '));
http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => { body += chunk; });
  request.on('end', () => {
    if (request.url === '/ready') return response.end('ok');
    const token = request.headers['x-api-token'] || '';
    let key;
    try { key = JSON.parse(body).key; } catch {}
    echoed++;
    if (echoed === 1 && process.env.SEEN_FILE) fs.writeFileSync(process.env.SEEN_FILE, token);
    if (echoed <= 3) {
      console.log('headers: ' + JSON.stringify(request.headers));
      console.log('x-api-token: ' + token + ' path ' + request.url);
      console.log('encoded: ' + encodeURIComponent(token));
      // PHP's json_encode writes "/" as "\\/" (and Python's json.dumps non-ASCII as \\uXXXX).
      console.log('php: ' + JSON.stringify({ got: token }).replace(/\\//g, '\\\\/'));
      console.error('body: ' + body);
      if (key) console.log('key:\\n' + key);
    }
    if (crashAfter > 0 && echoed >= crashAfter) {
      console.log('crashing on token ' + token);
      // A multi-line value printed raw last: the crash reason quotes the tail line by line.
      if (key) console.log(key);
      process.exit(3);
    }
    response.statusCode = 401;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ error: 'bad token', got: token, body }));
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

let dir: string;
let echo: string;

const SCENARIO_TAIL = `load:
  timeout: 1s
  phases: [{ name: peak, duration: 1s, rate: 20 }]
compare:
  rounds: 1
  max_rounds: 1
  limits: { latency.p50: +1000%, latency.p90: +1000%, latency.p99: +1000%, latency.p999: +1000%, cpu.per_request: +1000%, memory.peak: +1000% }
`;

/** The attack as a pull request commits it: the runner's token in the path, a header and the body. */
function stealing(variable: string): string {
  return `name: steal
service: { ready: { http: /ready, timeout: 10s } }
${SCENARIO_TAIL.replace(
  'load:\n',
  `load:
  requests:
    - method: POST
      path: /echo?t={{env ${variable}}}
      headers: { x-api-token: "{{env ${variable}}}" }
      json: { token: "{{env ${variable}}}" }
`,
)}`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-hostile-env-'));
  echo = path.join(dir, 'echo.cjs');
  await writeFile(echo, ECHO_SERVICE);
  await writeFile(path.join(dir, 'steal.yaml'), stealing('GITHUB_TOKEN'));
  await writeFile(path.join(dir, 'steal-aws.yaml'), stealing('AWS_SECRET_ACCESS_KEY'));
  await writeFile(
    path.join(dir, 'handed-in.yaml'),
    `name: handed-in
service: { ready: { http: /ready, timeout: 10s }, env: { SEEN_FILE: ${JSON.stringify(path.join(dir, 'seen.txt'))} } }
${SCENARIO_TAIL.replace(
  'load:\n',
  `load:
  requests:
    - method: POST
      path: /echo
      headers: { x-api-token: "{{env API_TOKEN}}" }
      json: { token: "{{env API_TOKEN}}" }
`,
)}`,
  );
  await writeFile(
    path.join(dir, 'multi-line.yaml'),
    (await readFile(path.join(dir, 'handed-in.yaml'), 'utf8'))
      .replace('name: handed-in', 'name: multi-line')
      .replace('json: { token: "{{env API_TOKEN}}" }', 'json: { token: "{{env API_TOKEN}}", key: "{{env TLS_KEY}}" }'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const runnerEnv = { GITHUB_TOKEN: RUNNER_SECRET, AWS_SECRET_ACCESS_KEY: AWS_SECRET, PEAKGATE_TOKEN: SERVER_TOKEN };

function compareArgs(scenario: string, out: string, extra: readonly string[] = []): string[] {
  const node = `node ${JSON.stringify(echo)}`;
  return [
    'compare',
    path.join(dir, scenario),
    '--driver',
    'process',
    '--baseline-cmd',
    node,
    '--candidate-cmd',
    `CRASH_AFTER=5 ${node}`,
    '--out',
    out,
    ...extra,
  ];
}

describe('a scenario reads only what --env hands in', () => {
  it.each([
    ['GITHUB_TOKEN', 'steal.yaml'],
    ['AWS_SECRET_ACCESS_KEY', 'steal-aws.yaml'],
  ])(
    '{{env %s}} not handed in: exit 2 naming it and --env, same when unset, nothing leaks',
    async (name, file) => {
      const out = path.join(dir, `out-steal-${name}`);
      const summary = path.join(dir, `step-summary-${name}.md`);
      const set = await runPeakgate(compareArgs(file, out), 60_000, {
        env: { ...runnerEnv, GITHUB_STEP_SUMMARY: summary },
      });
      const unset = await runPeakgate(compareArgs(file, `${out}-unset`), 60_000, {
        env: { ...runnerEnv, [name]: undefined },
      });
      for (const run of [set, unset]) {
        expect(run.code, explainRun(run)).toBe(2);
        expect(run.stderr).toContain(`{{env ${name}}}`);
        expect(run.stderr).toContain(`--env ${name}`);
        expect(run.stderr).toContain('[PG_ERR_SCENARIO_ENV_NOT_ALLOWED]');
      }
      // No existence oracle: the answer does not depend on whether the runner has the variable.
      expect(unset.stderr.replaceAll(`${out}-unset`, out)).toBe(set.stderr);
      const texts = await filesUnder(out);
      if (existsSync(summary)) texts.set(summary, await readFile(summary, 'utf8'));
      texts.set('stdout', set.stdout);
      texts.set('stderr', set.stderr);
      expect(leaks(texts, [RUNNER_SECRET, AWS_SECRET, SERVER_TOKEN])).toEqual([]);
      // Refused before any build started: no service log exists.
      expect([...texts.keys()].filter((file) => file.endsWith('.log'))).toEqual([]);
    },
    120_000,
  );

  it('validate and run refuse the same way (validate reads no value)', async () => {
    const validate = await runPeakgate(['validate', path.join(dir, 'steal.yaml')], 30_000, { env: runnerEnv });
    expect(validate.code, explainRun(validate)).toBe(2);
    expect(validate.stderr).toContain('--env GITHUB_TOKEN');
    const allowed = await runPeakgate(['validate', path.join(dir, 'steal.yaml'), '--env', 'GITHUB_TOKEN'], 30_000, {
      env: { ...runnerEnv, GITHUB_TOKEN: undefined },
    });
    expect(allowed.code, explainRun(allowed)).toBe(0);
    const run = await runPeakgate(
      ['run', path.join(dir, 'steal.yaml'), '--service', `node ${JSON.stringify(echo)}`, '--driver', 'process'],
      30_000,
      { env: runnerEnv },
    );
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain('[PG_ERR_SCENARIO_ENV_NOT_ALLOWED]');
    expect(
      leaks(
        new Map([
          ['validate', validate.stderr + validate.stdout],
          ['run', run.stderr + run.stdout],
        ]),
        [RUNNER_SECRET],
      ),
    ).toEqual([]);
  }, 60_000);

  it('a handed-in variable that is unset gets its own error', async () => {
    const run = await runPeakgate(
      compareArgs('handed-in.yaml', path.join(dir, 'out-unset'), ['--env', 'API_TOKEN']),
      60_000,
      {
        env: { ...runnerEnv, API_TOKEN: undefined },
      },
    );
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain('[PG_ERR_SCENARIO_ENV_UNSET]');
    expect(run.stderr).toContain('API_TOKEN');
  }, 60_000);
});

describe('a handed-in value is masked everywhere', () => {
  let run: CliRun;
  let out: string;
  let summary: string;
  beforeAll(async () => {
    out = path.join(dir, 'out-echo');
    summary = path.join(dir, 'step-summary-echo.md');
    run = await runPeakgate(compareArgs('handed-in.yaml', out, ['--env', 'API_TOKEN']), 120_000, {
      env: { ...runnerEnv, API_TOKEN: HANDED_IN, GITHUB_STEP_SUMMARY: summary, CI: 'true' },
    });
  }, 150_000);

  it('the service got the real value, and the candidate crashed on it (exit 1)', async () => {
    expect(run.code, explainRun(run)).toBe(1);
    expect(await readFile(path.join(dir, 'seen.txt'), 'utf8')).toBe(HANDED_IN);
  });

  it('no report, log, step summary or stream holds it in any form; the echoes are ***', async () => {
    const texts = await filesUnder(out);
    const names = [...texts.keys()].map((file) => path.basename(file));
    for (const report of ['report.json', 'summary.md', 'junit.xml', 'report.html', 'trials.json'])
      expect(names, `${report} under --out`).toContain(report);
    const logs = [...texts.entries()].filter(([file]) => file.endsWith('.log'));
    expect(logs.length).toBeGreaterThanOrEqual(2);
    // The echoes happened, masked: a test that could not see the service's output would prove nothing.
    for (const [file, text] of logs) {
      expect(text, file).toContain('x-api-token: ***');
      expect(text, file).toContain('encoded: ***');
      expect(text, file).toMatch(/"x-api-token":"\*\*\*"/);
    }
    // The crash's log tail reached the verdict's reasons, masked.
    const report = JSON.parse(texts.get(path.join(out, 'report.json')) ?? '{}') as { reasons: string[] };
    expect(report.reasons.join('\n')).toContain('***');
    texts.set('step summary', await readFile(summary, 'utf8'));
    texts.set('stdout', run.stdout);
    texts.set('stderr', run.stderr);
    expect(leaks(texts, [HANDED_IN, RUNNER_SECRET, AWS_SECRET, SERVER_TOKEN])).toEqual([]);
  });
});

describe('a multi-line value is masked line by line (red team of issue 23)', () => {
  it('a PEM key the service prints raw before it crashes: no line of it in any report, log, summary or stream', async () => {
    const out = path.join(dir, 'out-multi-line');
    const summary = path.join(dir, 'step-summary-multi-line.md');
    const run = await runPeakgate(
      compareArgs('multi-line.yaml', out, ['--env', 'API_TOKEN', '--env', 'TLS_KEY']),
      120_000,
      { env: { ...runnerEnv, API_TOKEN: HANDED_IN, TLS_KEY, GITHUB_STEP_SUMMARY: summary, CI: 'true' } },
    );
    expect(run.code, explainRun(run)).toBe(1);
    const texts = await filesUnder(out);
    const report = JSON.parse(texts.get(path.join(out, 'report.json')) ?? '{}') as { reasons: string[] };
    // The crash reason quotes the last lines, which were the key's (before: its lines were shown there).
    expect(report.reasons.join('\n')).toMatch(/crashed.*\*\*\* \| \*\*\*/);
    texts.set('step summary', await readFile(summary, 'utf8'));
    texts.set('stdout', run.stdout);
    texts.set('stderr', run.stderr);
    expect(leaks(texts, [HANDED_IN, ...TLS_KEY.split('\n')])).toEqual([]);
  }, 150_000);
});

describe('the process build inherits the runner’s environment only when the runner says so', () => {
  const PRINTS_ENV = `node -e "console.log('secret:' + (process.env.GITHUB_TOKEN === undefined ? 'absent' : 'present')); require('http').createServer((q, r) => r.end('ok')).listen(+process.env.PORT, '127.0.0.1')"`;
  const runWith = (extra: readonly string[]) =>
    runPeakgate(
      [
        'run',
        path.join(dir, 'plain.yaml'),
        '--service',
        PRINTS_ENV,
        '--driver',
        'process',
        '--out',
        path.join(dir, `out-inherit-${extra.length}`),
        ...extra,
      ],
      30_000,
      { env: runnerEnv },
    );
  beforeAll(async () => {
    await writeFile(
      path.join(dir, 'plain.yaml'),
      `name: plain\nservice: { ready: { http: /, timeout: 5s } }\nload:\n  phases: [{ duration: 1s, rate: 10 }]\n  requests: [{ path: / }]\n`,
    );
  });

  it('without --inherit-env the build does not see GITHUB_TOKEN; with it, it does', async () => {
    const plain = await runWith([]);
    expect(plain.code, explainRun(plain)).toBe(0);
    const log = async (n: number) => [...(await filesUnder(path.join(dir, `out-inherit-${n}`))).values()].join('\n');
    expect(await log(0)).toContain('secret:absent');
    const inherit = await runWith(['--inherit-env']);
    expect(inherit.code, explainRun(inherit)).toBe(0);
    expect(await log(1)).toContain('secret:present');
  }, 60_000);
});

describe('the API: serve --env decides what inline scenarios read', () => {
  let server: ChildProcess;
  let url: string;
  let serverLog = '';
  const auth = { authorization: `Bearer ${SERVER_TOKEN}`, 'content-type': 'application/json' };
  beforeAll(async () => {
    server = spawn(
      process.execPath,
      [
        path.join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'peakgate.js'),
        'serve',
        '--port',
        '0',
        '--data',
        path.join(dir, 'server-data'),
        '--allow-process',
        '--env',
        'API_TOKEN',
      ],
      {
        env: { ...process.env, ...runnerEnv, API_TOKEN: HANDED_IN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const collect = (chunk: Buffer) => {
      serverLog += chunk.toString();
    };
    server.stdout?.on('data', collect);
    server.stderr?.on('data', collect);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const match = /listening on (http:\/\/\S+?)[\s(]/.exec(serverLog);
      if (match?.[1] !== undefined) {
        url = match[1];
        return;
      }
      if (server.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`peakgate serve did not start:\n${serverLog}`);
  }, 30_000);
  afterAll(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });

  async function submit(
    scenario: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ status: number; body: string }> {
    const response = await fetch(`${url}/runs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ inline: scenario, driver: 'process', ...extra }),
    });
    return { status: response.status, body: await response.text() };
  }

  it.each(['PEAKGATE_TOKEN', 'GITHUB_TOKEN', 'NOT_SET_ANYWHERE'])(
    'an inline scenario reading %s (not given to serve --env) is a 400 naming it, leaking nothing',
    async (name) => {
      const reply = await submit(stealing(name), { baseline: `node ${echo}`, candidate: `node ${echo}` });
      expect(reply.status, reply.body).toBe(400);
      const error = (JSON.parse(reply.body) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('PG_ERR_SCENARIO_ENV_NOT_ALLOWED');
      expect(error.message).toContain(`--env ${name}`);
      expect(leaks(new Map([['reply', reply.body]]), [SERVER_TOKEN, RUNNER_SECRET])).toEqual([]);
    },
  );

  it('a handed-in value the service echoes comes back masked in the run, its reasons and its reports', async () => {
    const scenario = (await readFile(path.join(dir, 'handed-in.yaml'), 'utf8')).replace(
      /SEEN_FILE: "[^"]*"/,
      `SEEN_FILE: ${JSON.stringify(path.join(dir, 'seen-api.txt'))}`,
    );
    const submitted = await submit(scenario, { kind: 'run', service: `CRASH_AFTER=5 node ${echo}` });
    expect(submitted.status, submitted.body).toBe(202);
    const { id } = JSON.parse(submitted.body) as { id: string };
    let view = '';
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      view = await (await fetch(`${url}/runs/${id}`, { headers: auth })).text();
      if (!/"status":"(queued|running)"/.test(view)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(view).not.toMatch(/"status":"(queued|running)"/);
    expect(await readFile(path.join(dir, 'seen-api.txt'), 'utf8')).toBe(HANDED_IN);
    const texts = new Map([['GET /runs/:id', view]]);
    for (const name of (JSON.parse(view) as { reports: string[] }).reports)
      texts.set(name, await (await fetch(`${url}/runs/${id}/${name}`, { headers: auth })).text());
    for (const [file, text] of await filesUnder(path.join(dir, 'server-data'))) texts.set(file, text);
    texts.set('server output', serverLog);
    const logs = [...texts.entries()].filter(([file]) => file.endsWith('.log'));
    expect(logs.length, [...texts.keys()].join('\n')).toBeGreaterThanOrEqual(1);
    expect(logs.map(([, text]) => text).join('\n')).toContain('x-api-token: ***');
    expect(leaks(texts, [HANDED_IN, SERVER_TOKEN, RUNNER_SECRET])).toEqual([]);
  }, 90_000);
});
