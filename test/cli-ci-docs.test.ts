/**
 * docs/ci.md's recipes against the real thing: the GitHub workflow and the GitLab job it shows are
 * what `peakgate init` writes today (but for the header comments), every input and variable they
 * set exists in action.yml and in the GitLab template, the template keeps the reports and the
 * JUnit file whatever the verdict and retries only on exit 3, and every peakgate flag the page
 * uses is one `peakgate compare --help` lists. test/ship-user-repo.test.ts runs these files.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../packages/cli/dist/index.js';
import { peakgateVersion } from '../packages/core/dist/index.js';
import { captureOutput, root } from './cli-support.js';

type Yaml = Record<string, unknown>;

/** The YAML blocks of docs/ci.md that name a file on their first comment line, as text. */
async function yamlBlocks(): Promise<Map<string, string>> {
  const text = await readFile(path.join(root, 'docs', 'ci.md'), 'utf8');
  const blocks = new Map<string, string>();
  for (const match of text.matchAll(/```yaml\n# (\S+)\n([\s\S]*?)```/g))
    blocks.set(match[1] as string, match[2] as string);
  return blocks;
}

/** A generated file without its leading comment lines. */
function withoutHeader(text: string): string {
  const lines = text.split('\n');
  while (lines[0]?.startsWith('#')) lines.shift();
  return lines.join('\n');
}

let docs: string;
let blocks: Map<string, string>;
let compareFlags: string[] = [];
let scratch: string;

async function initOutput(args: string[], file: string): Promise<string> {
  const dir = await mkdtemp(path.join(scratch, 'init-'));
  const output = captureOutput();
  expect(await main(['init', '--dir', dir, ...args], output), output.stderr).toBe(0);
  return withoutHeader(await readFile(path.join(dir, file), 'utf8'));
}

beforeAll(async () => {
  docs = await readFile(path.join(root, 'docs', 'ci.md'), 'utf8');
  blocks = await yamlBlocks();
  scratch = await mkdtemp(path.join(tmpdir(), 'pg-ci-docs-'));
  const help = captureOutput();
  expect(await main(['compare', '--help'], help)).toBe(0);
  compareFlags = [...help.stdout.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('docs/ci.md', () => {
  it('shows the GitHub workflow peakgate init --image shop writes, on the Action pinned to this version', async () => {
    const block = blocks.get('.github/workflows/peakgate.yml');
    expect(block, 'the workflow block').toBeDefined();
    expect(block).toBe(await initOutput(['--image', 'shop'], '.github/workflows/peakgate.yml'));
    const workflow = parse(block as string) as { jobs: Record<string, { steps: Yaml[] }> };
    const steps = Object.values(workflow.jobs)[0]?.steps ?? [];
    const step = steps.find((s) => String(s.uses).startsWith('peakgate/peakgate@'));
    expect(step?.uses).toBe(`peakgate/peakgate@v${peakgateVersion}`);
    const action = parse(await readFile(path.join(root, 'action.yml'), 'utf8')) as { inputs: Yaml };
    for (const input of Object.keys(step?.with as Yaml)) expect(Object.keys(action.inputs), input).toContain(input);
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    expect((upload?.with as Yaml | undefined)?.path).toBe(`${(step?.with as Yaml | undefined)?.out}/`);
  });

  it('shows the GitLab job peakgate init --ci gitlab writes, on the template at this version', async () => {
    const block = blocks.get('.gitlab/peakgate.gitlab-ci.yml');
    expect(block, 'the GitLab block').toBeDefined();
    const generated = await initOutput(['--image', 'shop', '--ci', 'gitlab'], '.gitlab/peakgate.gitlab-ci.yml');
    expect(block).toBe(generated);
    const job = parse(block as string) as {
      include: { remote: string }[];
      peakgate: { extends: string; variables: Yaml };
    };
    const remote = job.include[0]?.remote ?? '';
    expect(remote).toBe(
      `https://raw.githubusercontent.com/peakgate/peakgate/v${peakgateVersion}/ci/gitlab/peakgate.gitlab-ci.yml`,
    );
    expect(docs).toContain(`- remote: ${remote}`);
    const template = parse(await readFile(path.join(root, 'ci/gitlab/peakgate.gitlab-ci.yml'), 'utf8')) as Record<
      string,
      { image: { name: string }; variables: Yaml; retry: unknown; artifacts: Yaml; script: string[] }
    >;
    const hidden = template[job.peakgate.extends];
    if (hidden === undefined) throw new Error(`${job.peakgate.extends} is not in the template`);
    expect(hidden.image.name).toBe(`peakgate/peakgate:${peakgateVersion}`);
    for (const name of Object.keys(job.peakgate.variables).filter((n) => n.startsWith('PEAKGATE_')))
      expect(Object.keys(hidden.variables), name).toContain(name);
    expect(hidden.retry).toEqual({ max: 1, exit_codes: [3] });
    expect(hidden.artifacts).toMatchObject({
      when: 'always',
      paths: ['peakgate-out/'],
      reports: { junit: 'peakgate-out/junit.xml' },
    });
    // Every flag the template's script passes is one compare has.
    for (const flag of hidden.script.join('\n').match(/--[a-z][a-z-]+/g) ?? [])
      expect(compareFlags, flag).toContain(flag);
  });

  it('uses only flags peakgate compare has, and names every exit code', () => {
    for (const line of docs.split('\n').filter((l) => l.includes('peakgate compare ') || l.includes('args: --'))) {
      for (const flag of line.match(/ --[a-z][a-z-]+/g) ?? [])
        expect(compareFlags, `${flag} in: ${line}`).toContain(flag.trim());
    }
    expect(compareFlags).toContain('--env');
    for (const code of ['0', '1', '2', '3']) expect(docs).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });
});
