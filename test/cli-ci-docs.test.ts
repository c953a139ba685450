/**
 * docs/ci.md's GitHub Actions workflow and GitLab CI job are parsed as YAML and checked against
 * the real CLI: the peakgate command line they run uses flags `peakgate compare --help` lists and
 * a scenario that exists, the exit codes 1 and 3 are told apart, and the report, the JUnit file
 * and report.html are kept from the --out folder whatever the verdict.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../packages/cli/dist/index.js';
import { captureOutput, root } from './cli-support.js';

type Yaml = Record<string, unknown>;

/** The YAML blocks of docs/ci.md, by the file name on their first comment line. */
async function yamlBlocks(): Promise<Map<string, Yaml>> {
  const text = await readFile(path.join(root, 'docs', 'ci.md'), 'utf8');
  const blocks = new Map<string, Yaml>();
  for (const match of text.matchAll(/```yaml\n# (\S+)\n([\s\S]*?)```/g)) {
    blocks.set(match[1] as string, parse(match[2] as string) as Yaml);
  }
  return blocks;
}

let compareFlags: string[] = [];

/** The `peakgate compare ...` invocation inside a shell script, as arguments. */
function compareArgs(script: string): string[] {
  const joined = script.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((l) => /peakgate compare /.test(l));
  if (line === undefined) throw new Error(`no peakgate compare in:\n${script}`);
  const after = line.slice(line.indexOf('peakgate compare ') + 'peakgate compare '.length);
  return [...after.matchAll(/"[^"]*"|\S+/g)].map((m) => m[0].replace(/^"|"$/g, ''));
}

function checkCommandLine(args: string[]): void {
  const [scenario, ...rest] = args;
  expect(scenario).toBe('scenarios/peak.yaml');
  for (const flag of rest.filter((a) => a.startsWith('--'))) expect(compareFlags, flag).toContain(flag);
  const out = rest[rest.indexOf('--out') + 1];
  expect(out).toBe('peakgate-out');
}

describe('docs/ci.md', () => {
  let blocks: Map<string, Yaml>;
  beforeAll(async () => {
    blocks = await yamlBlocks();
    const help = captureOutput();
    expect(await main(['compare', '--help'], help)).toBe(0);
    compareFlags = [...help.stdout.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]);
    // The scenario both snippets use is one the project ships and that validates.
    const validate = captureOutput();
    expect(await main(['validate', 'scenarios/peak.yaml'], validate)).toBe(0);
  });

  it('has a GitHub Actions workflow that gates on the exit code and keeps the reports', () => {
    const workflow = blocks.get('.github/workflows/peakgate.yml');
    expect(workflow, 'the workflow block').toBeDefined();
    const jobs = workflow?.jobs as Record<string, { steps: Yaml[] }>;
    const steps = Object.values(jobs)[0]?.steps ?? [];
    const compare = steps.find((s) => typeof s.run === 'string' && s.run.includes('peakgate compare'));
    if (compare === undefined) throw new Error('no compare step');
    checkCommandLine(compareArgs(compare.run as string));
    const run = compare.run as string;
    expect(run).toContain('set +e');
    expect(run).toMatch(/^\s*1\)/m);
    expect(run).toMatch(/^\s*3\)/m);
    expect(run).toContain('exit "$code"');
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    const paths = String((upload?.with as Yaml | undefined)?.path)
      .trim()
      .split('\n');
    for (const file of ['report.html', 'report.json', 'summary.md', 'junit.xml']) {
      expect(paths).toContain(`peakgate-out/${file}`);
    }
    const junit = steps.find((s) => String(s.uses).startsWith('mikepenz/action-junit-report@'));
    expect(junit?.if).toBe('always()');
    expect((junit?.with as Yaml | undefined)?.report_paths).toBe('peakgate-out/junit.xml');
    // pnpm from Node alone, as the README's Quick start says.
    expect(steps.some((s) => String(s.run).includes('npm i -g pnpm@10'))).toBe(true);
  });

  it('has a GitLab CI job with JUnit, the report as an artifact, and a retry only on exit 3', () => {
    const pipeline = blocks.get('.gitlab-ci.yml');
    expect(pipeline, 'the GitLab block').toBeDefined();
    const job = pipeline?.peakgate as Yaml;
    const script = (job.script as string[]).join('\n');
    checkCommandLine(compareArgs(script));
    expect(job.retry).toEqual({ max: 1, exit_codes: [3] });
    const artifacts = job.artifacts as { when: string; paths: string[]; reports: { junit: string } };
    expect(artifacts.when).toBe('always');
    expect(artifacts.reports.junit).toBe('peakgate-out/junit.xml');
    expect(artifacts.paths).toEqual(expect.arrayContaining(['peakgate-out/report.html', 'peakgate-out/junit.xml']));
    expect((job.before_script as string[]).includes('npm i -g pnpm@10')).toBe(true);
  });
});
