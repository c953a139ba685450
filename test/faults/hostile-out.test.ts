/**
 * Issue 23, items 1 and 11a: whatever already sits in `--out` came from the pull request under
 * test. Each case builds a temporary folder the way a PR checkout would hold it (the CI job's
 * current folder: the CLI runs there with a relative `--out`), with a victim file outside it that
 * stands for `~/.bashrc`, and proves: the victim is unchanged, nothing was written outside the
 * output folder, the error names what is wrong with exit 2, and no service is left running.
 * The services print a line the PR controls; with the old code it landed in the victim.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliRun, explainRun, peakgateBin } from '../cli-support.js';

/** In every service's command line, so a leftover process can be found by it. */
const TOKEN = `pg-hostile-out-${process.pid}`;
/** What the services print: built at run time, so the command line (which peakgate notes in the log) does not hold it. */
const PAYLOAD = 'echo pwned-by-the-pull-request';
const PAYLOAD_SOURCE = "'echo pwned-'+'by-the-pull-request'";
const VICTIM_TEXT = '# the runner user’s shell profile\n';
const service = (name: string) =>
  `node -e "console.log(${PAYLOAD_SOURCE}); require('http').createServer((q,r)=>r.end('${name}')).listen(+process.env.PORT,'127.0.0.1')" ${TOKEN}`;

let root: string;
let checkout: string;
let victim: string;
let elsewhere: string;
let stateHome: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'peakgate-hostile-out-'));
  stateHome = path.join(root, 'state');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A fresh checkout, victim and foreign folder per case.
beforeEach(async (context) => {
  const base = path.join(root, context.task.id);
  checkout = path.join(base, 'checkout');
  victim = path.join(base, 'bashrc');
  elsewhere = path.join(base, 'elsewhere');
  await mkdir(checkout, { recursive: true });
  await mkdir(elsewhere);
  await writeFile(victim, VICTIM_TEXT);
  await writeFile(path.join(checkout, 'tiny.yaml'), scenario(1));
  await writeFile(path.join(checkout, 'slow.yaml'), scenario(4));
});

afterEach(() => {
  expect(leftoverServices(), 'services left running').toEqual([]);
});

function scenario(seconds: number): string {
  return `name: tiny
baseline: { command: ${JSON.stringify(service('a'))} }
candidate: { command: ${JSON.stringify(service('b'))} }
service: { ready: { http: /, timeout: 10s } }
load:
  phases: [{ duration: ${seconds}s, rate: 20 }]
  requests: [{ path: / }]
compare: { rounds: 1, max_rounds: 1 }
`;
}

/** `peakgate ...args` with the checkout as the current folder, as a CI job runs it. */
function start(args: readonly string[]): { child: ChildProcess; done: Promise<CliRun>; stderr: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: stateHome };
  delete env.MODE;
  delete env.GITHUB_STEP_SUMMARY;
  const child = spawn(process.execPath, [peakgateBin, ...args], {
    cwd: checkout,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid ?? -1 });
    }),
  );
  return { child, done, stderr: () => stderr };
}
const peakgate = (...args: string[]): Promise<CliRun> => start(args).done;
const compare = (...args: string[]): Promise<CliRun> =>
  peakgate('compare', 'tiny.yaml', '--driver', 'process', ...args);

/** Polls every 50 ms, for at most 20 s. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function leftoverServices(): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes(TOKEN) && !line.includes('ps -eo'));
}

function expectRefused(run: CliRun, code: string, ...words: string[]): void {
  expect(run.code, explainRun(run)).toBe(2);
  expect(run.stderr).toContain(`[${code}]`);
  for (const word of words) expect(run.stderr).toContain(word);
  expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/); // no stack trace
  expect(run.stderr).not.toContain('starting'); // refused before anything started
}

/** The victim holds what it held, and nothing new appeared outside the checkout's own files. */
async function expectNothingOutside(...allowedInCheckout: string[]): Promise<void> {
  expect(await readFile(victim, 'utf8')).toBe(VICTIM_TEXT);
  expect(await readdir(elsewhere)).toEqual([]);
  expect((await readdir(checkout)).sort()).toEqual(['slow.yaml', 'tiny.yaml', ...allowedInCheckout].sort());
}

const out = (...parts: string[]) => path.join(checkout, 'out', ...parts);

async function plantOut(...links: string[]): Promise<void> {
  await mkdir(out(), { recursive: true });
  for (const name of links) await symlink(victim, out(name));
}

describe('links the pull request commits into --out', () => {
  it('out/candidate-1.log -> victim: refused with exit 2, the victim untouched', async () => {
    await plantOut('candidate-1.log');
    const run = await compare('--out', 'out');
    expectRefused(run, 'PG_ERR_OUTPUT_UNSAFE', 'symbolic link candidate-1.log', victim);
    await expectNothingOutside('out');
    expect((await lstat(out('candidate-1.log'))).isSymbolicLink()).toBe(true);
  }, 30_000);

  it('out/report.html -> victim: refused, --force or not', async () => {
    await plantOut('report.html');
    expectRefused(await compare('--out', 'out'), 'PG_ERR_OUTPUT_UNSAFE', 'report.html');
    expectRefused(await compare('--out', 'out', '--force'), 'PG_ERR_OUTPUT_UNSAFE', 'report.html');
    await expectNothingOutside('out');
  }, 30_000);

  it('a forged marker with planted links wins nothing: still refused', async () => {
    await plantOut('candidate-1.log', 'baseline-0.log', 'report.json', 'trials.json');
    await writeFile(out('.peakgate-out'), 'peakgate output folder (forged)\n');
    expectRefused(await compare('--out', 'out', '--force'), 'PG_ERR_OUTPUT_UNSAFE', 'symbolic link');
    await expectNothingOutside('out');
  }, 30_000);

  it('out -> elsewhere (the folder itself a link), and a link on the way to it', async () => {
    await symlink(elsewhere, out());
    expectRefused(await compare('--out', 'out', '--force'), 'PG_ERR_OUTPUT_UNSAFE', 'is a symbolic link');
    await symlink(elsewhere, path.join(checkout, 'reports'));
    expectRefused(
      await compare('--out', 'reports/peakgate'),
      'PG_ERR_OUTPUT_UNSAFE',
      `reached through the symbolic link ${path.join(checkout, 'reports')}`,
    );
    await expectNothingOutside('out', 'reports');
  }, 30_000);

  it('the default run folder: a committed .peakgate -> elsewhere is refused', async () => {
    await symlink(elsewhere, path.join(checkout, '.peakgate'));
    expectRefused(await compare(), 'PG_ERR_OUTPUT_UNSAFE', '.peakgate');
    await expectNothingOutside('.peakgate');
  }, 30_000);

  it('run --service, report --out and replay --out refuse the same links', async () => {
    await plantOut('candidate-1.log');
    expectRefused(
      await peakgate('run', 'tiny.yaml', '--service', service('c'), '--driver', 'process', '--out', 'out'),
      'PG_ERR_OUTPUT_UNSAFE',
      'candidate-1.log',
    );
    const saved = path.join(root, 'saved-run');
    if (!existsSync(saved)) {
      const made = await peakgate('compare', 'tiny.yaml', '--driver', 'process', '--out', saved);
      expect([0, 1], explainRun(made)).toContain(made.code);
    }
    await symlink(victim, out('summary.md'));
    expectRefused(await peakgate('report', saved, '--out', 'out'), 'PG_ERR_OUTPUT_UNSAFE', 'symbolic link');
    await symlink(victim, path.join(checkout, 'imported.yaml'));
    const log = path.join(root, 'access.log');
    await writeFile(log, '127.0.0.1 - - [07/Dec/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 2 "-" "curl"\n');
    expectRefused(await peakgate('replay', log, '--out', 'imported.yaml'), 'PG_ERR_OUTPUT_UNSAFE', 'imported.yaml');
    await expectNothingOutside('out', 'imported.yaml');
  }, 60_000);
});

describe('render k8s --out', () => {
  it('refuses a linked folder; a link at a manifest name is replaced, never followed', async () => {
    const scenario = path.join(checkout, 'tiny.yaml');
    await symlink(elsewhere, path.join(checkout, 'k8s'));
    expectRefused(
      await peakgate('render', 'k8s', scenario, '--out', 'k8s', '--image-baseline', 'a:1', '--image-candidate', 'b:1'),
      'PG_ERR_OUTPUT_UNSAFE',
      'is a symbolic link',
    );
    await rm(path.join(checkout, 'k8s'));
    await mkdir(path.join(checkout, 'k8s'));
    const first = await peakgate(
      'render',
      'k8s',
      scenario,
      '--out',
      'k8s',
      '--image-baseline',
      'a:1',
      '--image-candidate',
      'b:1',
    );
    expect(first.code, explainRun(first)).toBe(0);
    const name = (await readdir(path.join(checkout, 'k8s'))).sort()[0] as string;
    await rm(path.join(checkout, 'k8s', name));
    await symlink(victim, path.join(checkout, 'k8s', name));
    const again = await peakgate(
      'render',
      'k8s',
      scenario,
      '--out',
      'k8s',
      '--image-baseline',
      'a:1',
      '--image-candidate',
      'b:1',
    );
    expect(again.code, explainRun(again)).toBe(0);
    expect((await lstat(path.join(checkout, 'k8s', name))).isFile()).toBe(true);
    await expectNothingOutside('k8s');
  }, 30_000);
});

describe("a folder that is not peakgate's own", () => {
  it('a foreign file in --out: refused without --force; with it the run writes its files and leaves that one alone', async () => {
    await mkdir(out());
    await writeFile(out('README.md'), 'the PR’s own file\n');
    expectRefused(await compare('--out', 'out'), 'PG_ERR_OUTPUT_FOREIGN', 'README.md', '--force');
    expect(await readdir(out())).toEqual(['README.md']);
    const forced = await compare('--out', 'out', '--force');
    expect([0, 1], explainRun(forced)).toContain(forced.code);
    expect(await readFile(out('README.md'), 'utf8')).toBe('the PR’s own file\n');
    expect(await readdir(out())).toEqual(
      expect.arrayContaining(['.peakgate-out', 'report.json', 'report.html', 'candidate-1.log']),
    );
    await expectNothingOutside('out');
  }, 60_000);

  it('replay --out over a file replay did not write: refused unless --force; its own file is replaced on a rerun', async () => {
    const log = path.join(root, 'replay-access.log');
    await writeFile(log, '127.0.0.1 - - [07/Dec/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 2 "-" "curl"\n');
    await writeFile(path.join(checkout, 'mine.yaml'), 'name: hand-written\n');
    expectRefused(await peakgate('replay', log, '--out', 'mine.yaml'), 'PG_ERR_OUTPUT_FOREIGN', 'mine.yaml');
    expect(await readFile(path.join(checkout, 'mine.yaml'), 'utf8')).toBe('name: hand-written\n');
    const first = await peakgate('replay', log, '--out', 'imported.yaml');
    expect(first.code, explainRun(first)).toBe(0);
    const again = await peakgate('replay', log, '--out', 'imported.yaml');
    expect(again.code, explainRun(again)).toBe(0);
    await expectNothingOutside('mine.yaml', 'imported.yaml');
  }, 30_000);
});

describe('the real CI flow and two runs at once (item 11a)', () => {
  it("a rerun into the previous run's --out works, replacing its files", async () => {
    const first = await compare('--out', 'out');
    expect([0, 1], explainRun(first)).toContain(first.code);
    const before = JSON.parse(await readFile(out('report.json'), 'utf8')) as { startedAt: string };
    const second = await compare('--out', 'out');
    expect([0, 1], explainRun(second)).toContain(second.code);
    const after = JSON.parse(await readFile(out('report.json'), 'utf8')) as { startedAt: string };
    expect(after.startedAt).not.toBe(before.startedAt);
    expect(await readFile(out('candidate-1.log'), 'utf8')).toContain(PAYLOAD);
    expect(await readdir(out())).not.toContain('.peakgate-lock');
    await expectNothingOutside('out');
  }, 60_000);

  it('a second run on the same --out is refused naming the first one’s pid; the first is unharmed', async () => {
    const first = start(['compare', 'slow.yaml', '--driver', 'process', '--out', 'out']);
    await until(async () => existsSync(out('.peakgate-lock')));
    const second = await compare('--out', 'out');
    expectRefused(second, 'PG_ERR_OUTPUT_LOCKED', `pid ${first.child.pid}`);
    const done = await first.done;
    expect([0, 1], explainRun(done)).toContain(done.code);
    for (const log of ['baseline-0.log', 'candidate-1.log']) {
      const text = await readFile(out(log), 'utf8');
      expect(text).not.toContain('\0');
      expect(text.split(PAYLOAD).length - 1).toBe(1);
    }
    await expectNothingOutside('out');
  }, 60_000);

  it('the lock a killed run left behind (its process is gone) is taken over', async () => {
    const first = start(['compare', 'slow.yaml', '--driver', 'process', '--out', 'out']);
    await until(async () => existsSync(out('.peakgate-lock')));
    // Killed during the measured load: both services ready, and on record for the reaper.
    await until(async () => ['baseline', 'candidate'].every((role) => first.stderr().includes(`${role} measuring`)));
    first.child.kill('SIGKILL');
    await first.done;
    expect(existsSync(out('.peakgate-lock'))).toBe(true);
    // The SIGKILLed run's services outlive it: reap them as the next start of peakgate would.
    const reaped = await peakgate('reap');
    expect(reaped.code, explainRun(reaped)).toBe(0);
    const next = await compare('--out', 'out');
    expect([0, 1], explainRun(next)).toContain(next.code);
    expect(await readdir(out())).not.toContain('.peakgate-lock');
    await expectNothingOutside('out');
  }, 60_000);
});
