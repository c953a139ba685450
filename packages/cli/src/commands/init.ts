/**
 * `peakgate init (--image NAME | --cmd COMMAND) [--port N] [--ready PATH] [--path PATH] [--rate N]
 *  [--from-log FILE] [--ci github|gitlab|none] [--scenario FILE] [--dir DIR] [--force]`: sets a
 * user's repository up for peakgate. It writes a starter scenario for their service (or, with
 * --from-log, one imported from an access log through `peakgate replay`), validates it through the
 * loader `validate` uses, and writes the CI job: `.github/workflows/peakgate.yml` using the Action
 * (action.yml, pinned to this version) or `.gitlab/peakgate.gitlab-ci.yml` extending the GitLab
 * template (ci/gitlab/peakgate.gitlab-ci.yml), which the user includes from their .gitlab-ci.yml
 * (init never edits an existing file).
 *
 * Safety: every target is checked before anything is written: it must stay inside --dir, no
 * folder on the way may be a symbolic link (PG_ERR_INIT_PATH), and an existing file is replaced
 * only with --force (PG_ERR_INIT_EXISTS); a symbolic link is never written through, even with
 * --force. Each file is written to a temporary name beside it and renamed into place.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadScenarioFile, PeakgateError, peakgateVersion } from '@peakgate/core';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import type { Output } from '../output.js';
import type { PeakgateCommand } from './command.js';
import { replayCommand } from './replay.js';
import { summary } from './validate.js';

interface InitFlags {
  image?: string;
  cmd?: string;
  port: string;
  ready: string;
  path: string;
  rate: string;
  fromLog?: string;
  tarball?: string;
  ci: string;
  scenario: string;
  dir: string;
  name?: string;
  force?: boolean;
}

const CI_KINDS = ['github', 'gitlab', 'none'] as const;
type CiKind = (typeof CI_KINDS)[number];

/** Where the GitHub Action and the GitLab template live, at the tag of this version. */
export const ACTION_REF = `peakgate/peakgate@v${peakgateVersion}`;
export const GITLAB_TEMPLATE_URL = `https://raw.githubusercontent.com/peakgate/peakgate/v${peakgateVersion}/ci/gitlab/peakgate.gitlab-ci.yml`;
export const GITHUB_WORKFLOW_FILE = '.github/workflows/peakgate.yml';
export const GITLAB_JOB_FILE = '.gitlab/peakgate.gitlab-ci.yml';

export const initCommand: PeakgateCommand<InitFlags> = {
  define: (program: Command) =>
    program
      .command('init')
      .description(
        'set a repository up for peakgate: a starter scenario for the service and the CI job (GitHub Action or GitLab template); never overwrites without --force',
      )
      .option(
        '--image <name>',
        'the service is built as a Docker image from the Dockerfile at the repository root; NAME tags it (NAME:baseline, NAME:candidate)',
      )
      .option(
        '--cmd <command>',
        'the service runs as this shell command from the repository root (process driver); it must listen on $PORT',
      )
      .option('--port <n>', 'the port the service listens on inside its container', '8080')
      .option('--ready <path>', 'readiness path: peakgate waits for a 2xx from it', '/healthz')
      .option('--path <path>', 'the request path the starter scenario loads (without --from-log)', '/')
      .option('--rate <n>', 'the peak rate in requests per second (with --from-log: the busiest step)', '100')
      .option(
        '--from-log <file>',
        'import the request mix and rate curve from an access log, JSON lines or HAR (peakgate replay)',
      )
      .option('--ci <kind>', `the CI job to write: ${CI_KINDS.join(', ')}`, 'github')
      .option('--scenario <file>', 'the scenario to write, relative to --dir', 'peakgate/scenario.yaml')
      .option('--dir <dir>', 'the repository folder', '.')
      .option('--name <name>', 'scenario name (default: the folder name)')
      .option(
        '--tarball <file>',
        'GitHub: the Action installs peakgate from this peakgate-<version>.tgz in the repository instead of npm',
      )
      .option('--force', 'replace files that exist (never a symbolic link)')
      .addHelpText(
        'after',
        `\nWrites ${GITHUB_WORKFLOW_FILE} (--ci github, using ${ACTION_REF}) or ${GITLAB_JOB_FILE} (--ci gitlab;\ninclude it from .gitlab-ci.yml). Exit codes: 0 written; 2 bad flags, invalid scenario, or a file in the way\n(PG_ERR_INIT_EXISTS, PG_ERR_INIT_PATH; nothing written). See docs/ci.md.`,
      ),
  async run({ flags, output }) {
    const options = parseFlags(flags);
    const root = path.resolve(options.dir);
    const rootInfo = await lstat(root).catch(() => undefined);
    if (rootInfo === undefined || !(rootInfo.isDirectory() || rootInfo.isSymbolicLink()))
      throw invalid(`--dir: ${options.dir} is not a folder`);
    const ciFile =
      options.ci === 'github' ? GITHUB_WORKFLOW_FILE : options.ci === 'gitlab' ? GITLAB_JOB_FILE : undefined;
    const targets = [options.scenario, ...(ciFile === undefined ? [] : [ciFile])];
    // Every target before any write: a refusal leaves the repository as it was.
    for (const target of targets) await checkTarget(root, target, options.force);
    if (options.tarball !== undefined) await checkTarball(root, options.tarball);

    const name = options.name ?? scenarioName(path.basename(root));
    const scratch = await mkdtemp(path.join(tmpdir(), 'peakgate-init-'));
    const files = new Map<string, string>();
    try {
      const scenarioText =
        options.fromLog === undefined
          ? starterScenario(name, options)
          : await importedScenario(name, options, scratch, output);
      // The loader `peakgate validate` uses, on the exact text that will be written.
      const check = path.join(scratch, path.basename(options.scenario));
      await writeFile(check, scenarioText);
      const scenario = await loadScenarioFile(check);
      output.result(`${summary(options.scenario, scenario)}\n`);
      files.set(options.scenario, scenarioText);
      if (options.ci === 'github' && ciFile !== undefined) files.set(ciFile, githubWorkflow(options));
      if (options.ci === 'gitlab' && ciFile !== undefined) files.set(ciFile, gitlabJob(options));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    for (const [target, text] of files) {
      await writeTarget(root, target, text, options.force);
      output.result(`✓ wrote ${target}\n`);
    }
    output.result(nextSteps(options, ciFile));
    return 'done';
  },
};

export interface InitOptions {
  image?: string;
  cmd?: string;
  port: number;
  ready: string;
  path: string;
  rate: number;
  fromLog?: string;
  tarball?: string;
  ci: CiKind;
  scenario: string;
  dir: string;
  name?: string;
  force: boolean;
}

function invalid(message: string): PeakgateError {
  return new PeakgateError('PG_ERR_OPTS_INVALID', `init: ${message}`);
}

/** A Docker image name without a tag: what `docker build -t NAME:baseline` accepts. */
const IMAGE_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function parseFlags(flags: InitFlags): InitOptions {
  if ((flags.image === undefined) === (flags.cmd === undefined))
    throw invalid('give one of --image NAME (a Docker image built from ./Dockerfile) or --cmd COMMAND (a process)');
  if (flags.image !== undefined && !IMAGE_NAME.test(flags.image))
    throw invalid(
      `--image: expected an image name without a tag, such as shop or registry.example.com/team/shop, got "${flags.image}"`,
    );
  if (flags.cmd !== undefined && (flags.cmd.trim() === '' || /[\r\n]/.test(flags.cmd)))
    throw invalid('--cmd: expected one non-empty command line');
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port < 1 || port > 65_535)
    throw invalid(`--port: expected a port from 1 to 65535, got "${flags.port}"`);
  for (const [flag, value] of [
    ['--ready', flags.ready],
    ['--path', flags.path],
  ] as const) {
    if (!value.startsWith('/') || /[\s"'\\]/.test(value))
      throw invalid(`${flag}: expected a path starting with / and without spaces or quotes, got "${value}"`);
  }
  const rate = Number(flags.rate);
  if (!/^\d+(\.\d+)?$/.test(flags.rate) || !(rate > 0) || rate > 1_000_000)
    throw invalid(`--rate: expected requests per second (above 0, at most 1000000), got "${flags.rate}"`);
  if (!(CI_KINDS as readonly string[]).includes(flags.ci))
    throw invalid(`--ci: expected one of ${CI_KINDS.join(', ')}, got "${flags.ci}"`);
  if (path.isAbsolute(flags.scenario))
    throw invalid(
      `--scenario: a path relative to --dir (the CI job reads it from the checkout), got "${flags.scenario}"`,
    );
  if ([GITHUB_WORKFLOW_FILE, GITLAB_JOB_FILE].includes(path.normalize(flags.scenario)))
    throw invalid(`--scenario: ${flags.scenario} is where init writes the CI job`);
  if (flags.tarball !== undefined) {
    if (flags.ci !== 'github')
      throw invalid('--tarball is for --ci github (the GitLab template runs the peakgate image)');
    if (path.isAbsolute(flags.tarball) || /[\s"'\\$`]/.test(flags.tarball) || !flags.tarball.endsWith('.tgz'))
      throw invalid(`--tarball: a .tgz path relative to --dir, without spaces, quotes or $, got "${flags.tarball}"`);
  }
  if (!/\.(ya?ml|json)$/i.test(flags.scenario))
    throw invalid(`--scenario: expected a .yaml, .yml or .json file, got "${flags.scenario}"`);
  if (/[\s"'\\$`]/.test(flags.scenario))
    throw invalid(
      `--scenario: a path without spaces, quotes or $ (it is written into the CI job), got "${flags.scenario}"`,
    );
  return {
    ...(flags.image === undefined ? {} : { image: flags.image }),
    ...(flags.cmd === undefined ? {} : { cmd: flags.cmd }),
    port,
    ready: flags.ready,
    path: flags.path,
    rate,
    ...(flags.fromLog === undefined ? {} : { fromLog: flags.fromLog }),
    ...(flags.tarball === undefined ? {} : { tarball: flags.tarball }),
    ci: flags.ci as CiKind,
    scenario: flags.scenario,
    dir: flags.dir,
    ...(flags.name === undefined ? {} : { name: flags.name }),
    force: flags.force === true,
  };
}

function scenarioName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `${name === '' ? 'service' : name}-peak`;
}

/**
 * Refuses a target outside root, below a symbolic link, that is a symbolic link, or that exists
 * (without --force). Folders that do not exist yet are fine: writeTarget makes them.
 */
export async function checkTarget(root: string, target: string, force: boolean): Promise<void> {
  const absolute = path.resolve(root, target);
  const relative = path.relative(root, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative))
    throw new PeakgateError('PG_ERR_INIT_PATH', `init: ${target} is outside the repository folder ${root}`);
  const parts = relative.split(path.sep);
  let at = root;
  for (const [index, part] of parts.entries()) {
    at = path.join(at, part);
    const info = await lstat(at).catch(() => undefined);
    if (info === undefined) return;
    if (info.isSymbolicLink())
      throw new PeakgateError(
        'PG_ERR_INIT_PATH',
        `init: ${path.relative(root, at)} is a symbolic link; init never writes through one (${target})`,
      );
    const last = index === parts.length - 1;
    if (!last && !info.isDirectory())
      throw new PeakgateError('PG_ERR_INIT_PATH', `init: ${path.relative(root, at)} is not a folder (${target})`);
    if (last && !info.isFile()) throw new PeakgateError('PG_ERR_INIT_PATH', `init: ${target} exists and is not a file`);
    if (last && !force)
      throw new PeakgateError(
        'PG_ERR_INIT_EXISTS',
        `init: ${target} exists; give --force to replace it (nothing was written)`,
      );
  }
}

/** The tarball the workflow installs: a regular file inside the repository (the job checks it out). */
async function checkTarball(root: string, tarball: string): Promise<void> {
  const relative = path.relative(root, path.resolve(root, tarball));
  if (relative.startsWith('..'))
    throw new PeakgateError('PG_ERR_INIT_PATH', `init: --tarball ${tarball} is outside the repository folder ${root}`);
  const info = await lstat(path.join(root, relative)).catch(() => undefined);
  if (info === undefined || !info.isFile())
    throw invalid(
      `--tarball: no file ${tarball} in ${root} (copy dist/peakgate-${peakgateVersion}.tgz there and commit it)`,
    );
}

/** Makes the folders, checks again (a link may have appeared), writes beside the target, renames. */
async function writeTarget(root: string, target: string, text: string, force: boolean): Promise<void> {
  const absolute = path.resolve(root, target);
  await mkdir(path.dirname(absolute), { recursive: true });
  await checkTarget(root, target, force);
  const temporary = `${absolute}.${randomBytes(4).toString('hex')}.tmp`;
  // 'wx': fails rather than follow anything already at the temporary name.
  await writeFile(temporary, text, { flag: 'wx' });
  try {
    // rename replaces a file (or a link that appeared meanwhile) itself, never what a link points at.
    await rename(temporary, absolute);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

const header = (what: string): string =>
  `# Written by peakgate ${peakgateVersion} init for ${what}.\n# Point the requests at your endpoints and the rate at your peak; \`peakgate validate\` checks it.\n# yaml-language-server: $schema=https://raw.githubusercontent.com/peakgate/peakgate/v${peakgateVersion}/scenarios/scenario.schema.json\n`;

function serviceFor(options: InitOptions): Record<string, unknown> {
  // service.port matters to the docker driver only; a process gets its port in $PORT.
  return {
    ...(options.image === undefined ? {} : { port: options.port }),
    ready: { http: options.ready, timeout: '30s' },
  };
}

const COMPARE = { rounds: 3, limits: { 'cpu.per_request': '+15%', 'latency.p99': '+25%' }, slo: { error_rate: '1%' } };

export function starterScenario(name: string, options: InitOptions): string {
  const document = parseDocument('{}');
  document.contents = document.createNode({
    name,
    service: serviceFor(options),
    load: {
      warmup: { duration: '10s', rate: Math.max(1, Math.round(options.rate / 2)) },
      phases: [{ name: 'peak', duration: '30s', rate: options.rate }],
      requests: [{ method: 'GET', path: options.path }],
      expect: { status: [200] },
    },
    compare: COMPARE,
  }) as typeof document.contents;
  return `${header(options.image === undefined ? `the command "${options.cmd}"` : `the image ${options.image}`)}${document.toString()}`;
}

/** `peakgate replay` (the command itself) into a scratch file, then the service and compare sections. */
async function importedScenario(name: string, options: InitOptions, scratch: string, output: Output): Promise<string> {
  const imported = path.join(scratch, 'imported.yaml');
  const from = options.fromLog as string;
  // replay reports "wrote <scratch file>"; say which file it becomes instead.
  const relay: Output = {
    result: (text) => output.info(text.split(imported).join(`${options.scenario} (imported)`)),
    info: (text) => output.info(text),
    error: (text) => output.error(text),
  };
  await replayCommand.run({
    args: [from],
    flags: { out: imported, format: 'auto', top: '50', warmup: '5s', peakRate: String(options.rate), name },
    output: relay,
  });
  const document = parseDocument(await readFile(imported, 'utf8'));
  document.set('service', document.createNode(serviceFor(options)));
  if (!document.has('compare')) document.set('compare', document.createNode(COMPARE));
  return document.toString();
}

/** Shell-safe because parseFlags allows only [a-z0-9._/:-] in an image name. */
function githubWorkflow(options: InitOptions): string {
  const buildLines =
    options.image !== undefined
      ? [
          `          docker build -t ${options.image}:baseline "$RUNNER_TEMP/peakgate-baseline"`,
          `          docker build -t ${options.image}:candidate .`,
        ]
      : [];
  const inputs =
    options.image !== undefined
      ? [
          `          baseline: ${options.image}:baseline`,
          `          candidate: ${options.image}:candidate`,
          '          driver: docker',
        ]
      : [
          `          baseline-cmd: ${JSON.stringify(options.cmd)}`,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, written as is
          '          baseline-cwd: ${{ runner.temp }}/peakgate-baseline',
          `          candidate-cmd: ${JSON.stringify(options.cmd)}`,
          '          driver: process',
        ];
  return `# Written by peakgate ${peakgateVersion} init: gates every pull request on ${options.scenario}.
# The baseline is the pull request's base branch, the candidate its head; the step fails with
# peakgate's exit code (1 the candidate is unsafe, 2 usage or scenario, 3 broken sandbox) and the
# reports are kept as the artifact peakgate-report. docs/ci.md explains every line.
name: peakgate
on:
  pull_request:
permissions:
  contents: read
jobs:
  gate:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Check out the baseline (the base branch)${options.image === undefined ? '' : ' and build both images'}
        run: |
          git fetch --no-tags --depth 1 origin "$GITHUB_BASE_REF"
          git worktree add --detach "$RUNNER_TEMP/peakgate-baseline" FETCH_HEAD
${buildLines.length > 0 ? `${buildLines.join('\n')}\n` : ''}      - name: peakgate
        id: peakgate
        uses: ${ACTION_REF}
        with:
${options.tarball === undefined ? `          version: "${peakgateVersion}"` : `          tarball: ${options.tarball}`}
          scenario: ${options.scenario}
${inputs.join('\n')}
          out: peakgate-out
      - name: Keep the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: peakgate-report
          path: peakgate-out/
          if-no-files-found: ignore
`;
}

/** A GitLab variable value taken as written: GitLab would expand `$PORT` in a command before the job saw it. */
function gitlabLiteral(value: string): string {
  return value.includes('$') ? `{ value: ${JSON.stringify(value)}, expand: false }` : JSON.stringify(value);
}

function gitlabJob(options: InitOptions): string {
  const variables =
    options.image !== undefined
      ? [
          "    # Your build jobs push these two tags; the baseline is the default branch's build.",
          `    PEAKGATE_BASELINE: "$CI_REGISTRY_IMAGE/${options.image}:$CI_DEFAULT_BRANCH"`,
          `    PEAKGATE_CANDIDATE: "$CI_REGISTRY_IMAGE/${options.image}:$CI_COMMIT_SHORT_SHA"`,
          '    PEAKGATE_DRIVER: docker',
          '    # The Docker-in-Docker service publishes the builds\' ports on the host "docker".',
          '    DOCKER_HOST: tcp://docker:2375',
          '    DOCKER_TLS_CERTDIR: ""',
          '    PEAKGATE_SERVICE_HOST: docker',
        ]
      : [
          `    PEAKGATE_BASELINE_CMD: ${gitlabLiteral(options.cmd as string)}`,
          '    # A folder holding the baseline build, e.g. the artifact of an earlier job (needs:).',
          '    PEAKGATE_BASELINE_CWD: peakgate-baseline',
          `    PEAKGATE_CANDIDATE_CMD: ${gitlabLiteral(options.cmd as string)}`,
          '    PEAKGATE_DRIVER: process',
        ];
  return `# Written by peakgate ${peakgateVersion} init. Add it to your .gitlab-ci.yml:
#   include:
#     - local: ${GITLAB_JOB_FILE}
# The job extends .peakgate from the template (image peakgate/peakgate:${peakgateVersion}); it fails with
# peakgate's exit code, retries once on 3 (a broken sandbox), never on 1, and keeps peakgate-out/.
include:
  - remote: ${GITLAB_TEMPLATE_URL}
peakgate:
  extends: .peakgate
${options.image === undefined ? '' : '  services:\n    - docker:27-dind\n'}  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  variables:
    PEAKGATE_SCENARIO: ${options.scenario}
${variables.join('\n')}
`;
}

function nextSteps(options: InitOptions, ciFile: string | undefined): string {
  const builds =
    options.image !== undefined
      ? `--baseline ${options.image}:baseline --candidate ${options.image}:candidate`
      : `--driver process --baseline-cmd ${JSON.stringify(options.cmd)} --baseline-cwd ../baseline --candidate-cmd ${JSON.stringify(options.cmd)}`;
  const lines = ['', 'Next:', `  peakgate compare ${options.scenario} ${builds} --out peakgate-out`];
  if (ciFile !== undefined)
    lines.push(
      `  git add ${[options.scenario, ciFile, ...(options.tarball === undefined ? [] : [options.tarball])].join(' ')} && git commit -m "ci: gate releases with peakgate"`,
    );
  if (options.ci === 'gitlab')
    lines.push(`  (and include ${GITLAB_JOB_FILE} from your .gitlab-ci.yml: include: [{ local: ${GITLAB_JOB_FILE} }])`);
  return `${lines.join('\n')}\n`;
}
