/**
 * `peakgate init` in a temporary folder: what it writes (a scenario `validate` accepts, the GitHub
 * workflow pinned to this version's Action, the GitLab job on the template), what it refuses
 * (an existing file without --force, a symbolic link even with --force, a path outside the folder;
 * all checked before the first write), and the Action's own safety rule: no `${{ … }}` inside
 * shell text. test/ship-user-repo.test.ts runs what it writes.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../packages/cli/dist/index.js';
import { peakgateVersion } from '../packages/core/dist/index.js';
import { runCompositeAction, runShellStep } from './ci-emulation.js';
import { captureOutput, root } from './cli-support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pg-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function init(...args: string[]) {
  const output = captureOutput();
  const code = await main(['init', '--dir', dir, ...args], output);
  return { code, ...output };
}

describe('peakgate init', () => {
  it('writes a valid scenario and a workflow using the Action pinned to this version, then the next commands', async () => {
    const ran = await init('--image', 'shop', '--port', '3000', '--ready', '/health', '--path', '/products');
    expect(ran.code, ran.stderr).toBe(0);
    const scenario = parse(readFileSync(path.join(dir, 'peakgate/scenario.yaml'), 'utf8'));
    expect(scenario.service).toEqual({ port: 3000, ready: { http: '/health', timeout: '30s' } });
    expect(scenario.load.requests).toEqual([{ method: 'GET', path: '/products' }]);
    const validate = captureOutput();
    expect(await main(['validate', path.join(dir, 'peakgate/scenario.yaml')], validate)).toBe(0);
    const workflow = parse(readFileSync(path.join(dir, '.github/workflows/peakgate.yml'), 'utf8'));
    const steps = workflow.jobs.gate.steps as { uses?: string; run?: string; with?: Record<string, string> }[];
    const action = steps.find((s) => s.uses?.startsWith('peakgate/peakgate@'));
    expect(action?.uses).toBe(`peakgate/peakgate@v${peakgateVersion}`);
    expect(action?.with).toMatchObject({
      scenario: 'peakgate/scenario.yaml',
      baseline: 'shop:baseline',
      candidate: 'shop:candidate',
    });
    expect(steps.some((s) => s.run?.includes('docker build -t shop:candidate .'))).toBe(true);
    expect(ran.stdout).toContain('Next:\n  peakgate compare peakgate/scenario.yaml --baseline shop:baseline');
    expect(ran.stdout).toMatch(/\n {2}git add peakgate\/scenario.yaml .github\/workflows\/peakgate.yml/);
  });

  it('--ci gitlab with --cmd: a job extending the template at this version, process driver', async () => {
    const ran = await init('--cmd', 'node server.js', '--ci', 'gitlab');
    expect(ran.code, ran.stderr).toBe(0);
    const job = parse(readFileSync(path.join(dir, '.gitlab/peakgate.gitlab-ci.yml'), 'utf8'));
    expect(job.include[0].remote).toBe(
      `https://raw.githubusercontent.com/peakgate/peakgate/v${peakgateVersion}/ci/gitlab/peakgate.gitlab-ci.yml`,
    );
    expect(job.peakgate.extends).toBe('.peakgate');
    expect(job.peakgate.variables).toMatchObject({
      PEAKGATE_DRIVER: 'process',
      PEAKGATE_CANDIDATE_CMD: 'node server.js',
    });
    const template = parse(readFileSync(path.join(root, 'ci/gitlab/peakgate.gitlab-ci.yml'), 'utf8'));
    expect(template['.peakgate'].image.name).toBe(`peakgate/peakgate:${peakgateVersion}`);
    expect(template['.peakgate'].artifacts).toMatchObject({
      when: 'always',
      reports: { junit: 'peakgate-out/junit.xml' },
    });
    // The scenario of a process has no port: the process is told its port in $PORT.
    expect(parse(readFileSync(path.join(dir, 'peakgate/scenario.yaml'), 'utf8')).service.port).toBeUndefined();
  });

  it('--from-log imports the request mix through peakgate replay and adds the service', async () => {
    const log = path.join(root, 'test/fixtures/replay/balancer.log');
    const ran = await init('--image', 'balancer', '--from-log', log, '--ci', 'none', '--rate', '200');
    expect(ran.code, ran.stderr).toBe(0);
    const text = readFileSync(path.join(dir, 'peakgate/scenario.yaml'), 'utf8');
    expect(text).toMatch(/^# Imported by peakgate/);
    const scenario = parse(text);
    expect(scenario.service.ready.http).toBe('/healthz');
    expect(scenario.load.requests.map((r: { path: string }) => r.path)).toContain('/route?key={{int 1 1000}}');
    expect(Math.max(...scenario.load.phases.map((p: { rate: number }) => p.rate))).toBeCloseTo(200, 0);
    expect(existsSync(path.join(dir, '.github'))).toBe(false);
    // No temporary file of init's own is named (the log's path is, and a checkout may sit in /tmp).
    expect(ran.stderr.split(log).join('')).not.toContain(tmpdir());
  });

  it('refuses to overwrite without --force, checks every file before writing any', async () => {
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(path.join(dir, '.github/workflows/peakgate.yml'), 'mine\n');
    const ran = await init('--image', 'shop');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('.github/workflows/peakgate.yml exists; give --force');
    expect(ran.stderr).toContain('[PG_ERR_INIT_EXISTS]');
    expect(existsSync(path.join(dir, 'peakgate/scenario.yaml'))).toBe(false);
    expect(readFileSync(path.join(dir, '.github/workflows/peakgate.yml'), 'utf8')).toBe('mine\n');
    const forced = await init('--image', 'shop', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path.join(dir, '.github/workflows/peakgate.yml'), 'utf8')).toContain('peakgate/peakgate@v');
  });

  it('never writes through a symbolic link (file or folder), even with --force, nor outside the folder', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'pg-init-elsewhere-'));
    try {
      symlinkSync(elsewhere, path.join(dir, '.github'));
      let ran = await init('--image', 'shop', '--force');
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain('.github is a symbolic link');
      expect(ran.stderr).toContain('[PG_ERR_INIT_PATH]');
      rmSync(path.join(dir, '.github'));
      mkdirSync(path.join(dir, 'peakgate'));
      symlinkSync(path.join(elsewhere, 'target.yaml'), path.join(dir, 'peakgate/scenario.yaml'));
      ran = await init('--image', 'shop', '--force', '--ci', 'none');
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain('peakgate/scenario.yaml is a symbolic link');
      expect(existsSync(path.join(elsewhere, 'target.yaml'))).toBe(false);
      ran = await init('--image', 'shop', '--scenario', '../outside.yaml');
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain('is outside the repository folder');
      expect(existsSync(path.join(dir, '.github'))).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('--tarball: the workflow installs from a tarball in the repository, which must be there', async () => {
    let ran = await init('--image', 'shop', '--tarball', 'vendor/peakgate-0.1.0.tgz');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--tarball: no file vendor/peakgate-0.1.0.tgz');
    expect(existsSync(path.join(dir, 'peakgate'))).toBe(false);
    mkdirSync(path.join(dir, 'vendor'));
    writeFileSync(path.join(dir, 'vendor/peakgate-0.1.0.tgz'), 'tgz');
    ran = await init('--image', 'shop', '--tarball', 'vendor/peakgate-0.1.0.tgz');
    expect(ran.code, ran.stderr).toBe(0);
    const workflow = parse(readFileSync(path.join(dir, '.github/workflows/peakgate.yml'), 'utf8'));
    const step = workflow.jobs.gate.steps.find((s: { uses?: string }) => s.uses?.startsWith('peakgate/peakgate@'));
    expect(step.with.tarball).toBe('vendor/peakgate-0.1.0.tgz');
    expect(step.with.version).toBeUndefined();
    expect(ran.stdout).toContain(
      'git add peakgate/scenario.yaml .github/workflows/peakgate.yml vendor/peakgate-0.1.0.tgz',
    );
    ran = await init('--image', 'shop', '--ci', 'gitlab', '--tarball', 'vendor/peakgate-0.1.0.tgz');
    expect(ran.stderr).toContain('--tarball is for --ci github');
  });

  it('refuses bad flags with exit 2 and says which', async () => {
    for (const [args, message] of [
      [['--ci', 'github'], 'give one of --image NAME'],
      [['--image', 'a', '--cmd', 'b'], 'give one of --image NAME'],
      [['--image', 'Shop;rm -rf'], '--image: expected an image name'],
      [['--image', 'shop', '--port', '0'], '--port: expected a port'],
      [['--image', 'shop', '--ci', 'jenkins'], '--ci: expected one of github, gitlab, none'],
      [['--image', 'shop', '--ready', 'healthz'], '--ready: expected a path starting with /'],
      [['--image', 'shop', '--scenario', '/tmp/s.yaml'], '--scenario: a path relative to --dir'],
      [['--image', 'shop', '--scenario', '.github/workflows/peakgate.yml'], 'is where init writes the CI job'],
    ] as const) {
      const ran = await init(...args);
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr).toContain(message);
    }
    expect(existsSync(path.join(dir, 'peakgate'))).toBe(false);
  });
});

describe('action.yml', () => {
  const action = parse(readFileSync(path.join(root, 'action.yml'), 'utf8'));
  it('pins this version and passes inputs through env:, never into shell text', () => {
    expect(action.inputs.version.default).toBe(peakgateVersion);
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) {
      expect(step.run, step.name).not.toContain('${{');
      expect(step.shell).toBe('bash');
    }
    const used = JSON.stringify(action.runs.steps.map((s: { env?: unknown }) => s.env));
    for (const input of Object.keys(action.inputs).filter((name) => name !== 'working-directory'))
      expect(used, input).toContain(`inputs.${input} }}`);
    expect(Object.keys(action.outputs)).toEqual(['verdict', 'exit-code', 'report-dir']);
  });
});

describe('hostile inputs reach peakgate as words, never as shell text', () => {
  // A stand-in `peakgate` on PATH that records its arguments: what is tested is the shell layer
  // between the CI system and the command (test/ship-user-repo.test.ts runs the real one).
  const hostile = {
    scenario: 'p/$(touch pwned1).yaml',
    baseline: 'shop;touch pwned2',
    candidate: '`touch pwned3`',
    args: '--rounds $(touch pwned4) *',
  };
  const expected = [
    'compare',
    'p/$(touch pwned1).yaml',
    '--out',
    'peakgate-out',
    '--baseline',
    'shop;touch pwned2',
    '--candidate',
    '`touch pwned3`',
    '--rounds',
    '$(touch',
    'pwned4)',
    '*',
  ];
  function runner() {
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'peakgate'),
      "#!/usr/bin/env node\nrequire('node:fs').writeFileSync(process.env.ARGV_FILE, JSON.stringify(process.argv.slice(2)));\nprocess.exit(2);\n",
      { mode: 0o755 },
    );
    const work = path.join(dir, 'work');
    mkdirSync(work);
    writeFileSync(path.join(work, 'decoy'), '');
    return {
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, ARGV_FILE: path.join(dir, 'argv.json') },
      workspace: work,
      runnerTemp: path.join(dir, 'runner-temp'),
      timeoutMs: 20_000,
    };
  }
  const pwned = () => ['pwned1', 'pwned2', 'pwned3', 'pwned4'].filter((f) => existsSync(path.join(dir, 'work', f)));

  it("in the Action's compare step", () => {
    const run = runCompositeAction(path.join(root, 'action.yml'), hostile, runner(), ['compare']);
    expect(run.code).toBe(2);
    expect(JSON.parse(readFileSync(path.join(dir, 'argv.json'), 'utf8'))).toEqual(expected);
    expect(run.outputs).toMatchObject({ verdict: 'error', 'exit-code': '2' });
    expect(pwned()).toEqual([]);
  });

  it("in the GitLab template's script", () => {
    const template = parse(readFileSync(path.join(root, 'ci/gitlab/peakgate.gitlab-ci.yml'), 'utf8'))['.peakgate'];
    const variables = {
      ...template.variables,
      PEAKGATE_SCENARIO: hostile.scenario,
      PEAKGATE_BASELINE: hostile.baseline,
      PEAKGATE_CANDIDATE: hostile.candidate,
      PEAKGATE_ARGS: hostile.args,
    };
    const env = runner();
    const ran = runShellStep('gitlab', template.script.join('\n'), variables, env.workspace, env, 'sh');
    expect(ran.code, ran.stderr).toBe(2);
    expect(JSON.parse(readFileSync(path.join(dir, 'argv.json'), 'utf8'))).toEqual(expected);
    expect(pwned()).toEqual([]);
  });
});
