/**
 * Issue 23, items 3 to 6: a scenario file committed in a pull request is hostile. Each attack is set
 * up as the PR would commit it: the scenario sits in a temporary "PR checkout" folder, the victim's
 * files outside it. Every refusal is exit 2, quick, and echoes nothing of the victim.
 *
 * 3. `load.timeline` naming a host file (absolute, `../`, a symlink out, /proc/self/environ), an
 *    endless device (/dev/zero), a FIFO or an oversized file: refused before a byte is read.
 * 4. `ready.log: "^(a+)+$"` against a real process-driver service printing a long line of a's: RE2
 *    answers at once, and SIGTERM still ends the run (V8's backtracking pegged a core forever).
 * 5. `ready.http: "//127.0.0.1:PORT/..."` on deployed builds: refused at load, and the deployed
 *    launcher refuses it on a hand-built plan too; a real listener on that port sees no connection.
 * 6. `content-length: 0` + `transfer-encoding: chunked` + a body holding `GET /SMUGGLED`: refused in
 *    both load models; a raw TCP server records that nothing arrives.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComparisonMetrics, deployedLauncher } from '../../packages/controller/dist/index.js';
import { isPeakgateError, parseScenario, type ServiceSpec } from '../../packages/core/dist/index.js';
import { createServer } from '../../packages/server/dist/index.js';
import { type CliRun, explainRun, peakgateBin, root, runPeakgate } from '../cli-support.js';

const top = mkdtempSync(path.join(tmpdir(), 'peakgate-hostile-scenario-'));
const checkout = path.join(top, 'pr-checkout');
const victim = path.join(top, 'victim');
/** Looks like what the probe printed: an AWS key id and a secret key. */
const CREDENTIALS =
  '[default]\naws_access_key_id = AKIAHOSTILETESTVICTIM\naws_secret_access_key = victimSecretKey/K7MDENG/bPxRfiCYEXAMPLEKEY\n';
const VICTIM_WORDS = [
  'AKIAHOSTILETESTVICTIM',
  'victimSecretKey',
  'aws_access_key_id',
  'root:x:0:0',
  'PEAKGATE_VICTIM_ENV',
];
const ENV_MARKER = { PEAKGATE_VICTIM_ENV: 'environ-secret-5f3a9c' };
/** A runner's file shaped like a scenario: its token sits where a port belongs. */
const RUNNER_TOKEN = 'gho_16C7e42F292c6912E7710c838347Ae178B4a';
const RUNNER_FILE = `name: gh\nload: { phases: [{ duration: 1s, rate: 1 }], requests: [{ path: / }] }\nservice: { port: ${RUNNER_TOKEN} }\n`;

/** Laid out when the file loads: the describe blocks below commit more files into the checkout. */
function layOutCheckout(): void {
  mkdirSync(checkout, { recursive: true });
  mkdirSync(victim);
  writeFileSync(path.join(victim, 'credentials'), CREDENTIALS);
  // Inside the checkout, the way a PR can commit them: links out, a FIFO, an oversized (sparse) file.
  symlinkSync(path.join(victim, 'credentials'), path.join(checkout, 'linked.timeline'));
  symlinkSync('/dev/zero', path.join(checkout, 'zero.timeline'));
  symlinkSync(victim, path.join(checkout, 'victim-dir'));
  execFileSync('mkfifo', [path.join(checkout, 'fifo.timeline')]);
  writeFileSync(path.join(checkout, 'huge.timeline'), '');
  truncateSync(path.join(checkout, 'huge.timeline'), 401 * 1024 * 1024);
  mkdirSync(path.join(checkout, 'folder.timeline'));
  writeFileSync(path.join(checkout, 'good.timeline'), '0 0\n100 0\n');
  // The scenario itself as a link to a file of the runner's whose values a schema error would quote
  // (a 40-character token where a port belongs), directly and through a linked folder.
  writeFileSync(path.join(victim, 'hosts.yml'), RUNNER_FILE);
  symlinkSync(path.join(victim, 'hosts.yml'), path.join(checkout, 'gate.yaml'));
  // A link inside the checkout, as a monorepo shares one scenario: still read.
  mkdirSync(path.join(checkout, 'shared'));
  writeFileSync(
    path.join(checkout, 'shared', 'gate.yaml'),
    'name: shared\nload: { phases: [{ duration: 1s, rate: 1 }], requests: [{ path: / }] }\n',
  );
  symlinkSync('shared', path.join(checkout, 'scenarios'));
}
layOutCheckout();
afterAll(() => rmSync(top, { recursive: true, force: true }));

/** Writes `name` into the PR checkout and returns its path. */
function commit(name: string, text: string): string {
  const file = path.join(checkout, name);
  writeFileSync(file, text);
  return file;
}

const timelineScenario = (timeline: string): string => `name: hostile-timeline
baseline: { image: "shop:1" }
candidate: { image: "shop:2" }
load:
  timeline: ${JSON.stringify(timeline)}
  requests:
    - { path: / }
`;

/** explainRun, cut: the regex cases print 10,000-character log lines. */
const short = (run: CliRun): string => explainRun(run).slice(0, 3000);

function expectNothingEchoed(run: CliRun): void {
  for (const word of [...VICTIM_WORDS, ENV_MARKER.PEAKGATE_VICTIM_ENV])
    expect(`${run.stdout}\n${run.stderr}`, explainRun(run)).not.toContain(word);
}

describe('3b. the scenario file itself is not read through a link out of its folder (red team)', () => {
  it.each([
    ['a link to a file of the runner', 'gate.yaml'],
    ['a path through a linked folder', 'victim-dir/hosts.yml'],
  ])('%s: exit 2 PG_ERR_SCENARIO_READ, nothing of the file echoed', async (_what, name) => {
    const run = await runPeakgate(['validate', path.join(checkout, name)], 20_000);
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain('[PG_ERR_SCENARIO_READ]');
    expect(run.stderr).toContain('link that leads outside');
    expect(`${run.stdout}\n${run.stderr}`).not.toContain(RUNNER_TOKEN);
    expect(`${run.stdout}\n${run.stderr}`).not.toContain('gho_');
  });

  it('a link that stays inside the checkout is read; the same file named directly is read (control)', async () => {
    const shared = await runPeakgate(['validate', path.join(checkout, 'scenarios', 'gate.yaml')], 20_000);
    expect(shared.code, explainRun(shared)).toBe(0);
    // Control: the runner's file named directly by the runner is read, and the error quotes the
    // token: what the link would have shown the pull request.
    const direct = await runPeakgate(['validate', path.join(victim, 'hosts.yml')], 20_000);
    expect(direct.code, explainRun(direct)).toBe(2);
    expect(direct.stderr).toContain(RUNNER_TOKEN);
  });
});

describe('3. load.timeline reads nothing outside the scenario folder', () => {
  it.each([
    ['an absolute host file', '/etc/passwd', 'is outside it'],
    ['an absolute path to the victim', path.join(top, 'victim', 'credentials'), 'is outside it'],
    ['../victim/credentials', '../victim/credentials', 'is outside it'],
    ['/proc/self/environ', '/proc/self/environ', 'is outside it'],
    ['/dev/zero', '/dev/zero', 'is outside it'],
    ['a symlink to the victim', 'linked.timeline', 'is a link that leads outside it'],
    ['a symlink to /dev/zero', 'zero.timeline', 'is a link that leads outside it'],
    ['a path through a linked folder', 'victim-dir/credentials', 'is a link that leads outside it'],
    ['a FIFO', 'fifo.timeline', 'it is a FIFO, not a regular file'],
    ['a folder', 'folder.timeline', 'it is a directory, not a regular file'],
    ['a 401 MiB file', 'huge.timeline', 'the limit is 400 MiB'],
  ])('%s: validate exits 2 at once, naming the field, echoing nothing', async (_what, timeline, words) => {
    const file = commit('scenario.yaml', timelineScenario(timeline));
    const started = Date.now();
    const run = await runPeakgate(['validate', file], 20_000, { env: ENV_MARKER });
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain('[PG_ERR_SCENARIO_INVALID]');
    expect(run.stderr).toMatch(/scenario\.yaml:5:\d+ +load\.timeline/);
    expect(run.stderr).toContain(words);
    expectNothingEchoed(run);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('validate --json says the same and echoes nothing; a timeline inside the folder still loads', async () => {
    const file = commit('scenario.yaml', timelineScenario('../victim/credentials'));
    const run = await runPeakgate(['validate', file, '--json'], 20_000);
    expect(run.code, explainRun(run)).toBe(2);
    expectNothingEchoed(run);
    const ok = await runPeakgate(['validate', commit('ok.yaml', timelineScenario('good.timeline'))], 20_000);
    expect(ok.code, explainRun(ok)).toBe(0);
  });

  it('a timeline file inside the folder that is not a timeline: the line is named, its content is not', async () => {
    commit('secrets.timeline', CREDENTIALS);
    const run = await runPeakgate(['validate', commit('scenario.yaml', timelineScenario('secrets.timeline'))], 20_000);
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toContain('line 1: expected "<offset ms> <request index>"');
    expectNothingEchoed(run);
  });

  it('run refuses it the same way before starting anything', async () => {
    const file = commit('scenario.yaml', timelineScenario('/etc/passwd'));
    const run = await runPeakgate(['run', file, '--target', 'http://127.0.0.1:9'], 20_000);
    expect(run.code, explainRun(run)).toBe(2);
    expectNothingEchoed(run);
  });

  it('the HTTP API: an inline or named scenario cannot name a file at all (400, nothing echoed)', async () => {
    const dataDir = path.join(top, 'server-data');
    // A named scenario in the server's own folder, with a timeline beside it: refused too.
    const scenariosDir = path.join(top, 'server-scenarios');
    mkdirSync(scenariosDir, { recursive: true });
    writeFileSync(path.join(scenariosDir, 'beside.timeline'), '0 0\n');
    writeFileSync(path.join(scenariosDir, 'named.yaml'), timelineScenario('beside.timeline'));
    let executed = 0;
    const server = await createServer({
      dataDir,
      scenariosDir,
      token: 'hostile-test-token',
      executor: async () => {
        executed++;
        throw new Error('never started');
      },
      metrics: new ComparisonMetrics({ processMetrics: false }),
    });
    try {
      for (const timeline of ['/etc/passwd', '../victim/credentials', path.join(victim, 'credentials')]) {
        const response = await server.app.inject({
          method: 'POST',
          url: '/runs',
          headers: { authorization: 'Bearer hostile-test-token' },
          payload: { inline: timelineScenario(timeline) },
        });
        expect(response.statusCode, response.body).toBe(400);
        expect(response.body).toContain('load.timeline');
        for (const word of VICTIM_WORDS) expect(response.body).not.toContain(word);
      }
      const named = await server.app.inject({
        method: 'POST',
        url: '/runs',
        headers: { authorization: 'Bearer hostile-test-token' },
        payload: { scenario: 'named' },
      });
      expect(named.statusCode, named.body).toBe(400);
      expect(named.body).toContain('load.timeline');
      expect(executed).toBe(0);
    } finally {
      await server.app.close();
    }
  });
});

describe('4. a pathological ready.log cannot stall the gate', () => {
  /** Listens on PORT and prints 10,000 a's per line (with a "!" when mode is "miss"), every 100 ms. */
  const service = commit(
    'service.mjs',
    `import http from 'node:http';
const line = 'a'.repeat(10_000) + (process.argv[2] === 'miss' ? '!' : '');
http.createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => {
  process.stdout.write(line + '\\n');
  setInterval(() => process.stdout.write(line + '\\n'), 100);
});
`,
  );
  const scenario = (timeout: string): string =>
    commit(
      `regex-${timeout}.yaml`,
      `name: hostile-regex
service:
  ready: { log: "^(a+)+$", timeout: ${timeout} }
load:
  phases: [{ name: p, duration: 1s, rate: 20 }]
  requests: [{ path: / }]
`,
    );

  it('a matching line: ready at once, the run completes', async () => {
    const started = Date.now();
    const run = await runPeakgate(
      [
        'run',
        scenario('20s'),
        '--service',
        `node ${service} match`,
        '--driver',
        'process',
        '--out',
        path.join(top, 'out-match'),
        '--json',
      ],
      60_000,
    );
    expect(run.code, short(run)).toBe(0);
    expect(JSON.parse(run.stdout).service.readyMs).toBeLessThan(10_000);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('lines that never match: "not ready" at the timeout, not a pegged core', async () => {
    const started = Date.now();
    const run = await runPeakgate(
      [
        'run',
        scenario('2s'),
        '--service',
        `node ${service} miss`,
        '--driver',
        'process',
        '--out',
        path.join(top, 'out-miss'),
      ],
      60_000,
    );
    expect(run.code, short(run)).toBe(1);
    expect(run.stderr).toContain('did not become ready in time');
    expect(run.stderr).toContain('[PG_ERR_RUNTIME_NOT_READY]');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('SIGTERM while waiting for the line ends the run with 143', async () => {
    const child = spawn(
      process.execPath,
      [
        peakgateBin,
        'run',
        scenario('60s'),
        '--service',
        `node ${service} miss`,
        '--driver',
        'process',
        '--out',
        path.join(top, 'out-term'),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Long enough that the service runs and its lines are being matched.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(killer);
    expect(code, stderr.slice(0, 2000)).toBe(143);
    expect(Date.now() - sentAt).toBeLessThan(10_000);
  });

  it('lookaround and backreferences are refused at load, naming the field', async () => {
    const file = commit(
      'lookahead.yaml',
      'name: x\nservice:\n  ready: { log: "ready(?=!)" }\nload:\n  phases: [{ name: p, duration: 1s, rate: 1 }]\n  requests: [{ path: / }]\n',
    );
    const run = await runPeakgate(['validate', file], 20_000);
    expect(run.code, explainRun(run)).toBe(2);
    expect(run.stderr).toMatch(
      /lookahead\.yaml:3:\d+ +service\.ready\.log +expected a regular expression in RE2 syntax/,
    );
  });
});

/** A TCP listener that counts connections and keeps what arrives. */
interface Recorder {
  port: number;
  connections: number;
  received(): string;
  close(): Promise<void>;
}

async function startRecorder(answer: boolean): Promise<Recorder> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createTcpServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (answer) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    get connections() {
      return state.connections;
    },
    received: () => Buffer.concat(chunks).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('5. the readiness probe goes only to the build', () => {
  let attacker: Recorder;
  let build: ReturnType<typeof createHttpServer>;
  let buildUrl: string;
  const buildRequests: string[] = [];
  beforeAll(async () => {
    attacker = await startRecorder(true);
    build = createHttpServer((request, response) => {
      buildRequests.push(request.url ?? '');
      response.end('ok');
    });
    await new Promise<void>((resolve) => build.listen(0, '127.0.0.1', resolve));
    const address = build.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    buildUrl = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await attacker.close();
    await new Promise((resolve) => build.close(resolve));
  });

  const hostilePaths = (): string[] => [`//127.0.0.1:${attacker.port}/steal`, `/\\127.0.0.1:${attacker.port}/steal`];

  it('compare --baseline-url/--candidate-url refuses ready.http naming another host: exit 2, no connection there', async () => {
    for (const readyPath of hostilePaths()) {
      const file = commit(
        'deployed.yaml',
        `name: hostile-ready
service:
  ready: { http: ${JSON.stringify(readyPath)}, timeout: 5s }
load:
  phases: [{ name: p, duration: 1s, rate: 5 }]
  requests: [{ path: / }]
`,
      );
      const started = Date.now();
      const run = await runPeakgate(
        [
          'compare',
          file,
          '--baseline-url',
          buildUrl,
          '--candidate-url',
          buildUrl,
          '--out',
          path.join(top, 'out-ready'),
        ],
        30_000,
      );
      expect(run.code, explainRun(run)).toBe(2);
      expect(run.stderr).toMatch(/deployed\.yaml:3:\d+ +service\.ready\.http/);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
    expect(attacker.connections).toBe(0);
  });

  it('the deployed launcher refuses such a path on a plan built by hand, before any connection', async () => {
    const launcher = deployedLauncher({ baseline: { url: buildUrl }, candidate: { url: buildUrl }, allowHosts: [] });
    const good = parseScenario(
      'name: x\nload:\n  phases: [{ name: p, duration: 1s, rate: 1 }]\n  requests: [{ path: / }]\n',
      'x',
    );
    const outDir = path.join(top, 'out-launcher');
    mkdirSync(outDir, { recursive: true });
    for (const readyPath of hostilePaths()) {
      // What the launcher did before: `new URL(path, buildUrl)` names the attacker's host and port.
      expect(new URL(readyPath, buildUrl).port).toBe(String(attacker.port));
      const service: ServiceSpec = { ...good.service, ready: { kind: 'http', path: readyPath, timeoutMs: 2000 } };
      const error = await launcher
        .start({ kind: 'url', url: buildUrl }, service, { runId: 'r', role: 'candidate', trial: 1, outDir })
        .then(
          () => undefined,
          (reason: unknown) => reason,
        );
      expect(isPeakgateError(error) && error.code, String(error)).toBe('PG_ERR_SCENARIO_INVALID');
      expect((error as Error).message).toMatch(/^service\.ready\.http: /);
    }
    // The same launcher with a plain path probes the build itself.
    const plain: ServiceSpec = { ...good.service, ready: { kind: 'http', path: '/healthz', timeoutMs: 2000 } };
    const outcome = await launcher.start({ kind: 'url', url: buildUrl }, plain, {
      runId: 'r',
      role: 'candidate',
      trial: 2,
      outDir,
    });
    expect(outcome.ok).toBe(true);
    expect(buildRequests).toContain('/healthz');
    expect(attacker.connections).toBe(0);
  });
});

describe('6. no smuggled request in either load model', () => {
  let raw: Recorder;
  beforeAll(async () => {
    raw = await startRecorder(true);
  });
  afterAll(() => raw.close());

  const smuggling = (model: 'closed' | 'open'): string =>
    commit(
      `smuggle-${model}.yaml`,
      `name: hostile-smuggling
load:
  phases: [{ name: p, duration: 1s, ${model === 'closed' ? 'connections: 2' : 'rate: 50'} }]
  requests:
    - method: POST
      path: /
      headers: { Content-Length: "0", Transfer-Encoding: chunked }
      body: "0\\r\\n\\r\\nGET /SMUGGLED HTTP/1.1\\r\\nhost: x\\r\\n\\r\\n"
`,
    );

  it.each(['closed', 'open'] as const)(
    '%s model: refused at load naming the request and header; nothing arrives',
    async (model) => {
      const file = smuggling(model);
      const validate = await runPeakgate(['validate', file], 20_000);
      expect(validate.code, explainRun(validate)).toBe(2);
      expect(validate.stderr).toMatch(
        /load\.requests\[0\]\.headers\.Content-Length +the load engine writes Content-Length itself/,
      );
      expect(validate.stderr).toMatch(/load\.requests\[0\]\.headers\.Transfer-Encoding/);
      const run = await runPeakgate(['run', file, '--target', `http://127.0.0.1:${raw.port}`], 20_000);
      expect(run.code, explainRun(run)).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(raw.connections).toBe(0);
      expect(raw.received()).not.toContain('SMUGGLED');
    },
  );
});
