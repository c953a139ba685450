/**
 * Hostile text (issue 23, items 7 and 8), as a pull request would commit it: a scenario whose name,
 * phase name, request names and build commands hold backticks, `<img>`, `<strong>FORGED: PASS</strong>`,
 * CR/LF, an OSC title sequence and a `::error title=forged::` line, and a real process-driver
 * service that prints GitHub workflow commands (`::error`, `::add-mask::`, `::set-output`,
 * `::stop-commands::`, `##[error]`, Azure's `##vso[…]`), a GitLab section marker and an OSC title, then crashes so its
 * log tail reaches the reasons. Run through the real CLI with GITHUB_STEP_SUMMARY set, as CI runs it:
 * - stdout/stderr (validate, compare, run --service) hold no ESC, BEL or CR from the payload, and no
 *   line a CI runner would run;
 * - summary.md and the step summary, rendered by a CommonMark renderer, produce no element from
 *   the payload; the build commands stay inside their code spans;
 * - junit.xml parses and holds the payload as text;
 * - report.html, opened in Chromium (or parsed when there is none), has no element from the payload.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import MarkdownIt from 'markdown-it';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, chromiumPath } from '../browser-support.js';
import { peakgateBin, root } from '../cli-support.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const inCi = process.env.CI === 'true';

/** The payload in the scenario, written with YAML's double-quoted escapes (\e is ESC, \a is BEL). */
const NAME =
  'pwn `<img src=x onerror=alert(1)>` <strong>FORGED: PASS</strong>\\r\\n::error title=forged::name\\e]0;forged-title\\a';
const PHASE = 'peak\\e]0;phase-title\\a<img src=p>';
const REQUEST = '<strong>FORGED: PASS</strong>|`x`\\r\\n::error title=forged::req\\e]0;t\\a';
const BASELINE = 'node hostile-service.mjs # `<img src=b>` <strong>FORGED: PASS</strong>';
const CANDIDATE = 'HOSTILE_CRASH=1 node hostile-service.mjs # ``<strong>FORGED: PASS</strong>``';

let dir: string;
let stateHome: string;
let scenario: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-hostile-text-'));
  stateHome = await mkdtemp(path.join(tmpdir(), 'peakgate-hostile-text-state-'));
  scenario = path.join(dir, 'hostile.yaml');
  await writeFile(
    scenario,
    `name: "${NAME}"
service: { ready: { http: /healthz, timeout: 5s } }
baseline: { command: "${BASELINE}", cwd: ${JSON.stringify(fixtures)} }
candidate: { command: "${CANDIDATE}", cwd: ${JSON.stringify(fixtures)} }
load:
  timeout: 1s
  phases: [{ name: "${PHASE}", duration: 2s, rate: 40 }]
  requests:
    - { name: "${REQUEST}", path: /a }
    - { name: "<img src=r>", path: /b }
compare:
  rounds: 1
  max_rounds: 1
`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(stateHome, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a CI job runs it: CI=true, no terminal, no forced colour. */
function peakgate(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CI: 'true', XDG_STATE_HOME: stateHome, ...env };
  delete childEnv.MODE;
  delete childEnv.FORCE_COLOR;
  delete childEnv.NO_COLOR;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [peakgateBin, ...args], { cwd: root, env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What a CI runner or a terminal would act on in a stream. */
function expectInert(stream: string, what: string): void {
  // ESC, BEL, CR, backspace and every other C0/C1 control but tab and line feed.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
  expect(stream, what).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u);
  for (const line of stream.split('\n')) {
    expect(line.trimStart().startsWith('::'), `${what}: ${JSON.stringify(line)}`).toBe(false);
    expect(line, what).not.toContain('##[');
    // Azure Pipelines runs ##vso[…] from anywhere in a line.
    expect(line, what).not.toMatch(/##vso\[/i);
  }
}

const markdown = new MarkdownIt({ html: true });

/** Elements the payload would create if it were rendered as markup. */
function expectNoPayloadMarkup(html: string, what: string): void {
  expect(html, what).not.toMatch(/<img\b/i);
  expect(html, what).not.toMatch(/<strong>FORGED/i);
  expect(html, what).not.toMatch(/<h1\b/i);
}

describe('hostile scenario and service text', () => {
  it('validate prints the name with its controls shown, on one line', async () => {
    const run = await peakgate(['validate', scenario]);
    expect(run.code, run.stderr).toBe(0);
    expectInert(run.stdout + run.stderr, 'validate');
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toContain('\\r\\n::error title=forged::name\\x1b]0;forged-title\\a');
  });

  it("run --service: the crashed service's log tail is printed line by line, shown and inert", async () => {
    const run = await peakgate([
      'run',
      scenario,
      '--service',
      'HOSTILE_CRASH=1 node hostile-service.mjs',
      '--service-cwd',
      fixtures,
      '--driver',
      'process',
      '--out',
      path.join(dir, 'run-out'),
    ]);
    const explain = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
    expect(run.code, explain).toBe(1);
    expectInert(run.stdout, 'stdout');
    expectInert(run.stderr, 'stderr');
    // Each workflow command of the log tail is there, with the backslash that keeps GitHub from running it.
    expect(run.stderr, explain).toContain('  \\::error title=forged::FORGED annotation from the service log');
    expect(run.stderr).toContain('    \\::add-mask::peakgate');
    expect(run.stderr).toContain('  \\::stop-commands::hostile-token');
    expect(run.stderr).toContain('#\\u0023[error]forged v1 command');
    expect(run.stderr).toContain('azure #\\u0023vso[task.setvariable variable=PATH]/tmp/forged-path');
    expect(run.stderr).toContain('\\x1b[0Ksection_start:');
    expect(run.stderr).toContain('title \\x1b]0;FORGED-TITLE\\a bell and osc');
  });

  it('compare: terminal, summary.md, the step summary, junit.xml and report.html carry the payload as text only', async () => {
    const out = path.join(dir, 'out');
    const stepSummary = path.join(dir, 'step-summary.md');
    await writeFile(stepSummary, '# earlier step\n\n');
    const run = await peakgate(['compare', scenario, '--driver', 'process', '--out', out], {
      GITHUB_STEP_SUMMARY: stepSummary,
    });
    const explain = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
    // The candidate crashed: a fail verdict whose reason quotes the hostile log tail.
    expect(run.code, explain).toBe(1);
    expect(run.stdout, explain).toMatch(/candidate crashed \(exit 7\)/);

    // Terminal: the payload is there, shown, and inert.
    expectInert(run.stdout, 'stdout');
    expectInert(run.stderr, 'stderr');
    // The reason wraps at the terminal's width wherever its words fall: compare with the wraps undone.
    const unwrapped = run.stdout.replace(/\s*\n\s*/g, ' ');
    expect(unwrapped).toContain('\\x1b]0;FORGED-TITLE\\a');
    expect(unwrapped).toContain('cr overwrite\\rPASS');
    expect(unwrapped).toContain('\\r\\n::error title=forged::req');

    // summary.md and the step summary: the same text, appended after the earlier step's.
    const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
    const step = await readFile(stepSummary, 'utf8');
    expect(step.startsWith('# earlier step\n\n')).toBe(true);
    expect(step).toContain(summary);
    for (const [what, text] of [
      ['summary.md', summary],
      ['step summary', step.slice('# earlier step\n\n'.length)],
    ] as const) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
      expect(text, what).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u);
      const html = markdown.render(text);
      expectNoPayloadMarkup(html, what);
      // The payload is there, as text.
      expect(html, what).toContain('&lt;strong&gt;FORGED: PASS&lt;/strong&gt;');
      expect(html, what).toContain('&lt;img src=x onerror=alert(1)&gt;');
      // The build line: each command whole inside one code span.
      expect(html, what).toContain(`<code>${markdown.utils.escapeHtml(`${BASELINE} (in ${fixtures})`)}</code>`);
      expect(html, what).toContain(`<code>${markdown.utils.escapeHtml(`${CANDIDATE} (in ${fixtures})`)}</code>`);
      // The log tail: one code block inside the details, which ends where it should.
      expect(html, what).toMatch(
        /<details><summary>candidate crashed \(exit 7\) in round 1: last log lines<\/summary>/,
      );
      expect(html.match(/<pre>/g), what).toHaveLength(1);
      // The verdict is ours alone.
      expect(html.match(/<strong>[^<]*<\/strong>/g), what).toEqual([
        '<strong>FAIL: the candidate is not safe to release</strong>',
      ]);
    }

    // junit.xml: parses, and holds the payload as text.
    const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(junit)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit) as {
      testsuites: { testsuite: { name: string; testcase: { failure?: { message: string; '#text': string } }[] } };
    };
    expect(parsed.testsuites.testsuite.name).toContain('<strong>FORGED: PASS</strong>');
    const failure = parsed.testsuites.testsuite.testcase[0]?.failure;
    expect(failure?.message).toContain('<strong>FORGED: PASS</strong>');
    expect(failure?.['#text']).toContain('::error title=forged::FORGED annotation');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
    expect(junit).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/u);

    // report.html: no element from the payload.
    const page = path.join(out, 'report.html');
    const html = await readFile(page, 'utf8');
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/<strong>FORGED/i);
    if (!chromiumAvailable()) {
      if (inCi) throw new Error(`no Chromium at ${chromiumPath}`);
      console.warn(`report.html DOM check skipped: no Chromium at ${chromiumPath}`);
      return;
    }
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage();
      await tab.goto(pathToFileURL(page).href);
      const dom = await tab.evaluate(() => ({
        images: document.querySelectorAll('img').length,
        forged: [...document.querySelectorAll('strong, b, script')].filter((e) => e.textContent?.includes('FORGED'))
          .length,
        title: document.title,
        reasons: document.querySelector('.reasons')?.textContent ?? '',
      }));
      expect(dom.images).toBe(0);
      expect(dom.forged).toBe(0);
      expect(dom.title).toContain('<strong>FORGED: PASS</strong>');
      expect(dom.reasons).toContain('<img src=x onerror=alert(1)>');
    } finally {
      await browser.close();
    }
  });
});
