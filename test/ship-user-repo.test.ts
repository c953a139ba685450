/**
 * Issue 24's proof that peakgate ships to a repository that is not this one. A "user repository"
 * in a temporary folder outside the workspace (a tiny node HTTP service, its Dockerfile on the
 * offline base, work.json as its CPU knob) gets:
 * - the packed tarball (`pnpm pack:release --skip-build` of this checkout, into the temp folder) installed
 *   with npm into a fresh HOME and npm prefix, as a user would;
 * - `peakgate init` run there (an image build for GitHub, a process for GitLab), refusing to
 *   overwrite and writing nothing outside the folder;
 * - the generated GitHub workflow run as GitHub would: its `run:` steps and the composite
 *   action's (action.yml at the root) as written, with bash, the env they pass and the runner's
 *   variables (test/ci-emulation.ts). actions/checkout is emulated by a `git clone` of the
 *   repository's origin at the pull request branch, actions/setup-node is skipped (Node 20 is on
 *   PATH), actions/upload-artifact is emulated by checking its path exists. The Action installs
 *   peakgate from the tarball committed in the repository (`init --tarball vendor/peakgate-<v>.tgz`:
 *   the registry has no peakgate of this version); nothing is added to the workflow's inputs.
 *   The pull request triples the service's CPU per request: exit 1, verdict=fail in
 *   GITHUB_OUTPUT, the verdict table in the step summary; the branch against itself: exit 0, pass.
 * - the generated GitLab job (its local file extending the template ci/gitlab/peakgate.gitlab-ci.yml)
 *   run as GitLab would: the merged variables and the `script` lines as one `sh -e` script, inside
 *   the peakgate/peakgate image when it has a shell, else with the installed bin: exit 1 and the
 *   JUnit file where artifacts:reports:junit says.
 * - bad input: a missing tarball, a scenario outside the repository, no Docker engine (no socket):
 *   each a clear error with exit 2 or 3, and no process left running from the temp folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { peakgateVersion } from '../packages/core/dist/index.js';
import { type RunnerEnv, runCompositeAction, runShellStep, runWorkflow } from './ci-emulation.js';
import { printFailedAttempts, VERDICT_TESTS } from './cli-support.js';
import { dockerMissingInCi, dockerOk, dockerSkipReason, ensureImages, root } from './runtime-support.js';

const VERSION = peakgateVersion;
printFailedAttempts();
const ACTION = path.join(root, 'action.yml');
const GITLAB_TEMPLATE = path.join(root, 'ci/gitlab/peakgate.gitlab-ci.yml');
const PEAKGATE_IMAGE = `peakgate/peakgate:${VERSION}`;
const STEP_TIMEOUT = 240_000;

const SERVER = `import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

// The CPU knob: SHA-256 rounds per request, from work.json beside this file.
const { rounds } = JSON.parse(readFileSync(new URL('./work.json', import.meta.url), 'utf8'));
const port = Number(process.env.PORT ?? 8080);
const server = http.createServer((request, response) => {
  if (request.url === '/healthz') return response.end('ok');
  let hash = request.url ?? '';
  for (let i = 0; i < rounds; i++) hash = createHash('sha256').update(hash).digest('hex');
  response.setHeader('content-type', 'text/plain');
  response.end(hash);
});
server.listen(port, '0.0.0.0');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
const DOCKERFILE = `ARG BASE_IMAGE=peakgate/node-base:local
FROM \${BASE_IMAGE}
WORKDIR /app
COPY server.mjs work.json /app/
EXPOSE 8080
CMD ["node", "/app/server.mjs"]
`;

let tmp: string;
let tarball: string;
let home: string;
let prefix: string;
let repo: string;
let origin: string;
const image = `userapp-${process.pid}`;
let baseEnv: NodeJS.ProcessEnv;

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = baseEnv): string {
  return execFileSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    timeout: STEP_TIMEOUT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function peakgate(args: string[], cwd: string, env: NodeJS.ProcessEnv = baseEnv) {
  return spawnSync(path.join(prefix, 'bin', 'peakgate'), args, { cwd, env, encoding: 'utf8', timeout: STEP_TIMEOUT });
}

/** A fresh runner: its own temp folder and a checkout of origin at the pull request branch. */
let runners = 0;
function freshRunner(label: string, extra: NodeJS.ProcessEnv = {}): RunnerEnv {
  // A new folder each time: a retried verdict test gets a fresh runner too.
  runners += 1;
  const runnerTemp = path.join(tmp, `${label}-${runners}-runner-temp`);
  const workspace = path.join(tmp, `${label}-${runners}-workspace`);
  mkdirSync(runnerTemp, { recursive: true });
  sh('git', ['clone', '--quiet', '--branch', 'slow', origin, workspace], tmp);
  return {
    env: { ...baseEnv, GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp, ...extra },
    workspace,
    runnerTemp,
    timeoutMs: STEP_TIMEOUT,
  };
}

/** What the workflow's other `uses:` steps are stood in for by. */
function emulateUses(runner: RunnerEnv) {
  return (uses: string, withInputs: Record<string, string>): void => {
    if (uses.startsWith('actions/checkout@') || uses.startsWith('actions/setup-node@')) return;
    if (uses.startsWith('actions/upload-artifact@')) {
      expect(existsSync(path.join(runner.workspace, withInputs.path ?? '')), `artifact path ${withInputs.path}`).toBe(
        true,
      );
      return;
    }
    throw new Error(`no emulation for uses: ${uses}`);
  };
}

/** Processes whose working directory is inside the temp folder: none may outlive a step. */
function processesInTmp(): string[] {
  const left: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(tmp))
        left.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return left;
}

/** Containers of the user's two images, running or not: none may outlive a step. */
function containersOfOurImages(): string[] {
  return ['baseline', 'candidate'].flatMap((tag) =>
    execFileSync('docker', ['ps', '-aq', '--filter', `ancestor=${image}:${tag}`], { encoding: 'utf8' })
      .split('\n')
      .filter((id) => id !== ''),
  );
}

/** The user tunes the starter scenario to a short CI run: the verdict is certain at 3x CPU. */
function shortenScenario(file: string): void {
  const scenario = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  scenario.load = {
    ...scenario.load,
    warmup: { duration: '1s', rate: 50 },
    phases: [{ name: 'peak', duration: '4s', rate: 100 }],
  };
  // One short round on a shared 2-core machine: the gate is CPU per request (tripled by the pull
  // request); latency and memory get room, so the branch against itself does not fail on noise.
  scenario.compare = {
    ...scenario.compare,
    rounds: 1,
    max_rounds: 1,
    limits: {
      'cpu.per_request': '+15%',
      'latency.p50': '+100%',
      'latency.p99': '+100%',
      'latency.p999': '+200%',
      'memory.peak': '+50%',
    },
  };
  writeFileSync(file, stringify(scenario));
}

describe.skipIf(!dockerOk && !dockerMissingInCi)(
  dockerOk || dockerMissingInCi
    ? `a user repository with peakgate ${VERSION}`
    : `a user repository (skipped: ${dockerSkipReason})`,
  () => {
    beforeAll(() => {
      expect(dockerMissingInCi, 'CI=true needs a Docker engine').toBe(false);
      // The user's Dockerfile is FROM peakgate/node-base:local, the offline base `pnpm images` makes.
      ensureImages();
      tmp = mkdtempSync(path.join(tmpdir(), 'pg-user-repo-'));
      home = path.join(tmp, 'home');
      prefix = path.join(tmp, 'npm-prefix');
      repo = path.join(tmp, 'userapp');
      origin = path.join(tmp, 'origin.git');
      for (const dir of [home, prefix, repo]) mkdirSync(dir, { recursive: true });
      // The machine's environment (its CA certificates and proxies are the machine's, not the
      // user's), without what pnpm, npm or an outer CI put there, and with a fresh HOME.
      const machine = Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => !/^(npm_|pnpm_|GITHUB_|RUNNER_|CI_|GITLAB|VITEST|PEAKGATE_)/i.test(name),
        ),
      );
      baseEnv = {
        ...machine,
        PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}`,
        HOME: home,
        // Installs go to the temp prefix; the package cache is shared between runs only to save time.
        NPM_CONFIG_PREFIX: prefix,
        NPM_CONFIG_CACHE: path.join(tmpdir(), 'peakgate-test-npm-cache'),
        // The file installs the release four times (here, then each action run). Without this npm
        // asks the registry again about every dependency it has cached, about 30 s an install here;
        // with it, what the first install fetched is used as it is (a runner with a warm cache).
        NPM_CONFIG_PREFER_OFFLINE: 'true',
        NPM_CONFIG_UPDATE_NOTIFIER: 'false',
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GIT_AUTHOR_NAME: 'user',
        GIT_AUTHOR_EMAIL: 'user@example.com',
        GIT_COMMITTER_NAME: 'user',
        GIT_COMMITTER_EMAIL: 'user@example.com',
        ...(process.env.DOCKER_HOST === undefined ? {} : { DOCKER_HOST: process.env.DOCKER_HOST }),
      };

      // `pnpm pack:release --skip-build` of the built workspace (what is tested is this checkout,
      // not an older dist/peakgate-<v>.tgz), into the temp folder: 2-3 s.
      sh(
        'node',
        [path.join(root, 'scripts/pack-release.mjs'), '--skip-build', '--out', path.join(tmp, 'dist')],
        root,
        process.env,
      );
      tarball = path.join(tmp, 'dist', `peakgate-${VERSION}.tgz`);
      // A user installs the release as documented (docs/install.md): npm, no workspace.
      sh('npm', ['install', '--global', '--no-audit', '--no-fund', tarball], tmp);
      expect(peakgate(['--version'], tmp).stdout.trim()).toBe(VERSION);

      // The repository: main has the service at 200 rounds; the pull request branch "slow" at 600.
      writeFileSync(path.join(repo, 'server.mjs'), SERVER);
      writeFileSync(path.join(repo, 'work.json'), '{ "rounds": 200 }\n');
      writeFileSync(path.join(repo, 'Dockerfile'), DOCKERFILE);
      // peakgate is not on the npm registry yet: the repository carries the release tarball.
      mkdirSync(path.join(repo, 'vendor'));
      copyFileSync(tarball, path.join(repo, 'vendor', path.basename(tarball)));
      sh('git', ['init', '--quiet', '--initial-branch', 'main'], repo);
      const init = peakgate(
        [
          'init',
          '--image',
          image,
          '--port',
          '8080',
          '--ready',
          '/healthz',
          '--path',
          '/work?id=1',
          '--tarball',
          `vendor/${path.basename(tarball)}`,
        ],
        repo,
      );
      expect(init.status, init.stderr).toBe(0);
      shortenScenario(path.join(repo, 'peakgate/scenario.yaml'));
      sh('git', ['add', '.'], repo);
      sh('git', ['commit', '--quiet', '-m', 'service and peakgate'], repo);
      sh('git', ['clone', '--quiet', '--bare', repo, origin], tmp);
      sh('git', ['remote', 'add', 'origin', origin], repo);
      sh('git', ['checkout', '--quiet', '-b', 'slow'], repo);
      writeFileSync(path.join(repo, 'work.json'), '{ "rounds": 600 }\n');
      sh('git', ['commit', '--quiet', '-am', 'three times the hashing per request'], repo);
      sh('git', ['push', '--quiet', 'origin', 'slow'], repo);
    }, 480_000);

    afterAll(() => {
      spawnSync('docker', ['rmi', '-f', `${image}:baseline`, `${image}:candidate`], { stdio: 'ignore' });
      if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    });

    it('peakgate init wrote the scenario and the workflow pinned to this version, and refuses to overwrite', () => {
      const workflow = readFileSync(path.join(repo, '.github/workflows/peakgate.yml'), 'utf8');
      expect(workflow).toContain(`uses: peakgate/peakgate@v${VERSION}`);
      expect(workflow).toContain(`tarball: vendor/peakgate-${VERSION}.tgz`);
      const before = readFileSync(path.join(repo, 'peakgate/scenario.yaml'), 'utf8');
      const again = peakgate(['init', '--image', image], repo);
      expect(again.status).toBe(2);
      expect(again.stderr).toContain('peakgate/scenario.yaml exists');
      expect(again.stderr).toContain('PG_ERR_INIT_EXISTS');
      expect(readFileSync(path.join(repo, 'peakgate/scenario.yaml'), 'utf8')).toBe(before);
    });

    it('the GitHub workflow fails the pull request that triples CPU per request (exit 1, verdict=fail)', {
      ...VERDICT_TESTS,
      timeout: 150_000,
    }, () => {
      const runner = freshRunner('gh-slow', { GITHUB_BASE_REF: 'main', GITHUB_HEAD_REF: 'slow' });
      const run = runWorkflow(
        path.join(runner.workspace, '.github/workflows/peakgate.yml'),
        runner,
        ACTION,
        {},
        emulateUses(runner),
      );
      const log = run.steps.map((s) => `--- ${s.name} (exit ${s.code})\n${s.stdout}\n${s.stderr}`).join('\n');
      expect(run.emulated).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'actions/upload-artifact@v4']);
      expect(run.code, log).toBe(1);
      const compare = run.action?.steps.at(-1);
      expect(compare?.outputs).toEqual({
        verdict: 'fail',
        'exit-code': '1',
        'report-dir': path.join(runner.workspace, 'peakgate-out'),
      });
      expect(run.action?.outputs.verdict).toBe('fail');
      // peakgate appended summary.md itself, once: the verdict and the metrics table.
      expect(compare?.summary).toMatch(/FAIL/);
      expect(compare?.summary).toMatch(/\| CPU per request \|/);
      expect(compare?.summary.match(/\| Metric \| Baseline \|/g)?.length).toBe(1);
      expect(compare?.stdout).toContain('::error title=peakgate::');
      expect(existsSync(path.join(runner.workspace, 'peakgate-out/junit.xml'))).toBe(true);
      expect(processesInTmp()).toEqual([]);
      expect(containersOfOurImages()).toEqual([]);
    });

    it('the same workflow passes the branch against itself (exit 0, verdict=pass)', {
      ...VERDICT_TESTS,
      timeout: 150_000,
    }, () => {
      const runner = freshRunner('gh-same', { GITHUB_BASE_REF: 'slow', GITHUB_HEAD_REF: 'slow' });
      const run = runWorkflow(
        path.join(runner.workspace, '.github/workflows/peakgate.yml'),
        runner,
        ACTION,
        {},
        emulateUses(runner),
      );
      const log = run.steps.map((s) => `--- ${s.name} (exit ${s.code})\n${s.stdout}\n${s.stderr}`).join('\n');
      expect(run.code, log).toBe(0);
      expect(run.action?.outputs).toMatchObject({ verdict: 'pass', 'exit-code': '0' });
      expect(run.action?.steps.at(-1)?.summary).toMatch(/PASS/);
      expect(processesInTmp()).toEqual([]);
      expect(containersOfOurImages()).toEqual([]);
    });

    it('the GitLab job (template + the file init writes) fails the slow build and leaves junit.xml where GitLab reads it', () => {
      const init = peakgate(
        ['init', '--cmd', 'node server.mjs', '--ci', 'gitlab', '--scenario', 'peakgate/process.yaml'],
        repo,
      );
      expect(init.status, init.stderr).toBe(0);
      shortenScenario(path.join(repo, 'peakgate/process.yaml'));
      sh('git', ['add', '.'], repo);
      sh('git', ['commit', '--quiet', '-m', 'the GitLab job'], repo);
      sh('git', ['push', '--quiet', 'origin', 'slow'], repo);

      const project = path.join(tmp, 'gitlab-project');
      sh('git', ['clone', '--quiet', '--branch', 'slow', origin, project], tmp);
      const local = parse(readFileSync(path.join(project, '.gitlab/peakgate.gitlab-ci.yml'), 'utf8')) as {
        include: { remote: string }[];
        peakgate: { extends: string; variables: Record<string, string> };
      };
      // The include is this repository's template at this version's tag.
      expect(local.include[0]?.remote).toBe(
        `https://raw.githubusercontent.com/peakgate/peakgate/v${VERSION}/ci/gitlab/peakgate.gitlab-ci.yml`,
      );
      const template = parse(readFileSync(GITLAB_TEMPLATE, 'utf8')) as Record<
        string,
        {
          image: { name: string };
          variables: Record<string, string>;
          script: string[];
          artifacts: { when: string; reports: { junit: string } };
          retry: unknown;
        }
      >;
      const job = template[local.peakgate.extends];
      if (job === undefined) throw new Error(`no ${local.peakgate.extends} in the template`);
      expect(job.image.name).toBe(PEAKGATE_IMAGE);
      expect(job.artifacts.when).toBe('always');
      expect(job.retry).toEqual({ max: 1, exit_codes: [3] });
      const variables = { ...job.variables, ...local.peakgate.variables };
      // The baseline build, as an earlier job's artifact would hand it over.
      sh(
        'git',
        ['worktree', 'add', '--quiet', '--detach', variables.PEAKGATE_BASELINE_CWD ?? '', 'origin/main'],
        project,
      );

      const script = job.script.join('\n');
      const inImage = spawnSync(
        'docker',
        [
          'run',
          '--rm',
          '--entrypoint',
          'sh',
          PEAKGATE_IMAGE,
          '-c',
          'command -v peakgate || test -f /usr/local/lib/node_modules/peakgate/bin/peakgate.js',
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      let code: number;
      if (inImage.status === 0) {
        const uid = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
        const env = Object.entries({
          ...variables,
          CI: 'true',
          CI_PROJECT_DIR: '/builds/userapp',
          GITLAB_CI: 'true',
        }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
        const ran = spawnSync(
          'docker',
          [
            'run',
            '--rm',
            '--user',
            uid,
            '--network',
            'none',
            '-v',
            `${project}:/builds/userapp`,
            '-w',
            '/builds/userapp',
            ...env,
            '--entrypoint',
            'sh',
            PEAKGATE_IMAGE,
            '-e',
            '-c',
            script,
          ],
          { encoding: 'utf8', timeout: STEP_TIMEOUT },
        );
        code = ran.status ?? -1;
      } else {
        // CI builds the image (with its shell) before the tests: there the in-image run must happen.
        if (process.env.CI === 'true') {
          throw new Error(`${PEAKGATE_IMAGE} is missing or has no shell: ${inImage.stdout}${inImage.stderr}`);
        }
        console.warn(
          `ship-user-repo: ${PEAKGATE_IMAGE} is missing or has no shell (run pnpm images), so the job's script runs with the installed bin`,
        );
        const ran = runShellStep(
          'gitlab peakgate',
          script,
          { ...variables, CI_PROJECT_DIR: project, GITLAB_CI: 'true' },
          project,
          { env: baseEnv, workspace: project, runnerTemp: path.join(tmp, 'gitlab-temp'), timeoutMs: STEP_TIMEOUT },
          'sh',
        );
        code = ran.code;
        expect(code, `${ran.stdout}\n${ran.stderr}`).toBe(1);
      }
      expect(code).toBe(1);
      expect(readFileSync(path.join(project, job.artifacts.reports.junit), 'utf8')).toMatch(/<failure/);
      expect(processesInTmp()).toEqual([]);
      expect(containersOfOurImages()).toEqual([]);
    }, 150_000);

    it('bad input: a missing tarball, a scenario outside the repository, no Docker engine: exit 2 or 3, nothing left running', () => {
      const runner = freshRunner('bad', { GITHUB_BASE_REF: 'main' });
      const missing = runCompositeAction(
        ACTION,
        { scenario: 'peakgate/scenario.yaml', tarball: path.join(tmp, 'nope.tgz') },
        runner,
      );
      expect(missing.code).toBe(2);
      expect(missing.steps).toHaveLength(1);
      expect(missing.steps[0]?.stdout).toContain(
        `::error title=peakgate::input tarball: no such file: ${path.join(tmp, 'nope.tgz')}`,
      );

      const outside = peakgate(
        ['init', '--cmd', 'node server.mjs', '--scenario', '../elsewhere.yaml', '--force'],
        runner.workspace,
      );
      expect(outside.status).toBe(2);
      expect(outside.stderr).toContain('../elsewhere.yaml is outside the repository folder');
      expect(outside.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(path.join(tmp, 'elsewhere.yaml'))).toBe(false);

      // No socket: the action's compare step against an engine that is not there.
      const noEngine = { ...runner, env: { ...runner.env, DOCKER_HOST: `unix://${path.join(tmp, 'no-docker.sock')}` } };
      const broken = runCompositeAction(
        ACTION,
        { scenario: 'peakgate/scenario.yaml', baseline: `${image}:baseline`, candidate: `${image}:candidate`, tarball },
        noEngine,
      );
      const compare = broken.steps.at(-1);
      expect(broken.code, `${compare?.stdout}\n${compare?.stderr}`).toBe(3);
      expect(compare?.stderr).toContain('PG_ERR_RUNTIME_UNREACHABLE');
      expect(broken.outputs).toMatchObject({ verdict: 'error', 'exit-code': '3' });
      expect(compare?.summary).toContain('the sandbox is broken (exit 3)');
      if (spawnSync('docker', ['image', 'inspect', PEAKGATE_IMAGE], { stdio: 'ignore' }).status === 0) {
        // The image without /var/run/docker.sock mounted.
        const ran = spawnSync(
          'docker',
          [
            'run',
            '--rm',
            '-v',
            `${runner.workspace}:/work`,
            PEAKGATE_IMAGE,
            'compare',
            'peakgate/scenario.yaml',
            '--baseline',
            `${image}:baseline`,
            '--candidate',
            `${image}:candidate`,
            '--driver',
            'docker',
          ],
          { encoding: 'utf8', timeout: 60_000 },
        );
        expect(ran.status, ran.stderr).toBe(3);
        expect(ran.stderr).toContain('PG_ERR_RUNTIME_UNREACHABLE');
      }
      expect(processesInTmp()).toEqual([]);
      expect(containersOfOurImages()).toEqual([]);
    }, 150_000);
  },
);
