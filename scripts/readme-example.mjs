#!/usr/bin/env node
/**
 * `node scripts/readme-example.mjs`: the README's demo example and its picture, from one run, so
 * they cannot drift apart again (issue 27).
 *
 * 1. Runs `peakgate demo --out <temporary folder>` (built CLI: run `pnpm build` and `pnpm images`
 *    first), its stdout and stderr into one file, in the order they were written.
 * 2. Puts that terminal output into README.md's example block, between the markers
 *    `<!-- readme-example:start run=<id> -->` and `<!-- readme-example:end -->`.
 * 3. Opens the run's report.html in headless Chromium (playwright-core driving the Debian
 *    `chromium` package, PEAKGATE_CHROMIUM overrides /usr/bin/chromium; no browser download) and
 *    saves the top of the page as docs/report-demo.png.
 * 4. Writes docs/report-demo.json: the run id, the verdict and headline figures of report.json,
 *    and the SHA-256 of the README block and of the PNG. test/readme-example.test.ts checks that
 *    the README block, the sidecar and the PNG agree.
 *
 * Options: --reuse DIR re-renders from a folder an earlier run of this script kept (terminal.txt
 * and report.html), without running the demo again. The demo takes one to two minutes; run it on
 * a quiet machine.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = path.join(root, 'README.md');
const pngPath = path.join(root, 'docs', 'report-demo.png');
const sidecarPath = path.join(root, 'docs', 'report-demo.json');
const chromiumPath = process.env.PEAKGATE_CHROMIUM ?? '/usr/bin/chromium';
const START = /<!-- readme-example:start run=([0-9a-zA-Z-]+) -->\n/;
const END = '<!-- readme-example:end -->';

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function fail(message) {
  console.error(`readme-example: ${message}`);
  process.exit(1);
}

function runDemo() {
  const folder = mkdtempSync(path.join(tmpdir(), 'peakgate-readme-'));
  // Run from the temporary folder with a relative --out, so the example shows `demo-out/…` as a
  // user's run would, not a temporary path.
  const out = path.join(folder, 'demo-out');
  const terminal = path.join(folder, 'terminal.txt');
  // One file for both streams: the lines keep the order the CLI wrote them in.
  const fd = openSync(terminal, 'w');
  console.error(`readme-example: running peakgate demo --out ${out} (one to two minutes)`);
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'packages/cli/bin/peakgate.js'), 'demo', '--out', 'demo-out'],
    {
      cwd: folder,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 10 * 60_000,
    },
  );
  closeSync(fd);
  if (result.status !== 0) fail(`peakgate demo exited ${result.status ?? result.signal}; its output is in ${terminal}`);
  writeFileSync(path.join(folder, 'report.html'), readFileSync(path.join(out, 'report.html')));
  writeFileSync(path.join(folder, 'report.json'), readFileSync(path.join(out, 'report.json')));
  console.error(`readme-example: kept the run in ${folder} (--reuse ${folder} re-renders from it)`);
  return folder;
}

async function screenshot(htmlPath) {
  if (!existsSync(chromiumPath))
    fail(`no Chromium at ${chromiumPath} (apt-get install chromium, or set PEAKGATE_CHROMIUM)`);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1500 } });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    const charts = await page.locator('.chart').count();
    await page.waitForFunction(
      (n) => document.querySelectorAll('.chart[data-drawn], .chart[data-error]').length >= n,
      charts,
      { timeout: 15_000 },
    );
    // The top of the page: the verdict, its reasons, the forest plot, the metrics and the first charts.
    return await page.screenshot({ clip: { x: 0, y: 0, width: 1280, height: 1500 } });
  } finally {
    await browser.close();
  }
}

async function main() {
  const reuse = process.argv.indexOf('--reuse');
  const folder = reuse >= 0 ? process.argv[reuse + 1] : runDemo();
  if (folder === undefined) fail('--reuse needs a folder');
  const terminal = readFileSync(path.join(folder, 'terminal.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    // The CLI prints the reports' absolute path: shown from the run's folder, as `demo-out/…`.
    .map((line) => line.split(`${path.resolve(folder)}${path.sep}`).join(''))
    .join('\n')
    .trim();
  const runId = terminal.match(/\(run ([0-9a-zA-Z-]+)\)/)?.[1];
  if (runId === undefined) fail('the demo output names no run id ("(run …)")');
  const report = JSON.parse(readFileSync(path.join(folder, 'report.json'), 'utf8'));

  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.match(START);
  const end = readme.indexOf(END);
  if (start?.index === undefined || end < start.index)
    fail('README.md has no `<!-- readme-example:start run=… -->` … `<!-- readme-example:end -->` block');
  const block = `\`\`\`text\n${terminal}\n\`\`\`\n`;
  writeFileSync(
    readmePath,
    `${readme.slice(0, start.index)}<!-- readme-example:start run=${runId} -->\n${block}${readme.slice(end)}`,
  );

  const png = await screenshot(path.join(folder, 'report.html'));
  writeFileSync(pngPath, png);
  const cpu = report.metrics.find((metric) => metric.name === 'cpu.per_request');
  const sidecar = {
    runId,
    startedAt: report.startedAt,
    verdict: report.verdict,
    rounds: report.rounds.completed,
    lookConfidence: report.sequential?.lookConfidence ?? report.confidence,
    cpuPerRequestChange: cpu === undefined ? null : cpu.change,
    readmeBlockSha256: sha256(block),
    pngSha256: sha256(png),
  };
  writeFileSync(sidecarPath, `${JSON.stringify(sidecar, null, 2)}\n`);
  console.error(`readme-example: README.md, docs/report-demo.png and docs/report-demo.json are from run ${runId}`);
}

await main();
