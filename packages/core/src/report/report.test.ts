import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import { lookRecord } from '../judge/judgement.js';
import { fixtureScenario } from '../test-support/scenario-fixture.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import type { TrialResult } from '../trial.js';
import {
  formatChange,
  formatInterval,
  formatLimit,
  formatMetricChange,
  formatPoints,
  formatValue,
} from '../wording/format.js';
import { buildAbortedReport, buildReport } from './build-report.js';
import { renderHtml } from './render-html.js';
import { renderJUnit } from './render-junit.js';
import { renderMarkdown } from './render-markdown.js';
import { CURVE_PERCENTILES, type Report, type ReportEnvironment, type ReportFinding } from './report-types.js';

// One look (max_rounds = rounds): intervals at the stated 95%, as the rendered texts below expect.
const scenario = fixtureScenario({
  name: 'checkout <peak> & "burst"',
  service: { env: { TOKEN: 'secret' } },
  baseline: { kind: 'image', image: 'shop:1.4.2' },
  candidate: { kind: 'image', image: 'shop:1.5.0-rc1' },
  compare: { slo: { error_rate: 0.01 } },
});
const { compare } = scenario;
const environment: ReportEnvironment = {
  peakgateVersion: '0.1.0',
  node: 'v20.20.0',
  platform: 'linux',
  cores: 2,
  driver: 'docker',
  cpusets: { service: '1', load: '0' },
};
const same = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6 };

function failingReport(): Report {
  const trials: TrialResult[] = buildSyntheticComparison(2, 40, same, { ...same, cpuPerRequestMs: 0.3 }).map((trial) =>
    trial.role === 'candidate' && trial.round === 2
      ? {
          ...trial,
          exit: { ...trial.exit, crashed: true, exitCode: 1, logTail: ['ok', 'Error: <boom> & "bust" ]]> \u0007'] },
        }
      : trial,
  );
  const judgement = judge(trials, compare, { resamples: 400 });
  return buildReport({
    scenario,
    trials,
    judgement,
    environment,
    startedAt: new Date('2026-01-01T00:00:00Z'),
    finishedAt: '2026-01-01T00:02:30.000Z',
  });
}

function passingReport(): Report {
  const trials = buildSyntheticComparison(2, 41, same, same);
  return buildReport({
    scenario,
    trials,
    judgement: judge(trials, compare, { resamples: 400 }),
    environment,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  });
}

/** A strict little XML well-formedness check: one root, balanced tags, quoted attributes, known entities. */
function assertWellFormedXml(xml: string): string[] {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const names: string[] = [];
  let roots = 0;
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/gy;
  for (let match = token.exec(body); match !== null && token.lastIndex <= body.length; match = token.exec(body)) {
    const [, closing, name, , selfClosing, text, stray] = match;
    if (stray) throw new Error(`stray < at ${match.index}: ${body.slice(match.index, match.index + 40)}`);
    if (text !== undefined) {
      for (const entity of text.match(/&[^;\s]*;?/g) ?? []) {
        if (!/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(entity)) throw new Error(`bad entity ${entity}`);
      }
      if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root');
      continue;
    }
    if (closing) {
      if (stack.pop() !== name) throw new Error(`mismatched </${name}>`);
      continue;
    }
    if (stack.length === 0) roots++;
    names.push(name as string);
    if (!selfClosing) stack.push(name as string);
    if (token.lastIndex === body.length) break;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return names;
}

describe('format', () => {
  it('formats changes, intervals, limits and values', () => {
    expect(formatChange(1.382)).toBe('+38.2%');
    expect(formatChange(0.96)).toBe('-4.0%');
    expect(formatChange(0.99999)).toBe('+0.0%');
    expect(formatChange(Infinity)).toBe('+∞%');
    expect(formatInterval([1.31, 1.45])).toBe('+31.0%..+45.0%');
    expect(formatLimit(0.1, 'lower-is-better')).toBe('+10%');
    expect(formatLimit(0.1, 'higher-is-better')).toBe('-10%');
    expect(formatValue(12.4, 'ms')).toBe('12.40 ms');
    expect(formatValue(0.2314, 'ms')).toBe('0.231 ms');
    expect(formatValue(512 * 1048576, 'bytes')).toBe('512.0 MiB');
    expect(formatValue(0.0025, 'ratio')).toBe('0.25%');
    expect(formatValue(5200.4, 'req/s')).toBe('5,200 req/s');
    expect(formatPoints(0.0123)).toBe('+1.23 pts');
    expect(
      formatMetricChange({ change: 9, interval: [2, 40], difference: { estimate: 0.004, lower: 0.002, upper: 0.006 } }),
    ).toEqual({
      change: '+0.40 pts',
      interval: '+0.20 pts..+0.60 pts',
    });
  });
});

describe('report model', () => {
  it('has the contract fields and no secrets or histograms', () => {
    const report = failingReport();
    expect(report.verdict).toBe('fail');
    expect(report.reasons[0]).toMatch(/^candidate crashed \(exit 1\) in round 2: ok \| Error: <boom>/);
    expect(report.reasons.some((r) => r.startsWith('CPU per request +'))).toBe(true);
    const cpu = report.metrics.find((m) => m.name === 'cpu.per_request');
    expect(cpu).toMatchObject({ status: 'fail', unit: 'ms', confidence: 0.95, limit: 0.1, slo: null });
    expect(cpu?.interval).toHaveLength(2);
    expect(report.trials).toHaveLength(4);
    expect(report.trials.map((t) => t.order)).toEqual([0, 1, 2, 3]);
    expect(report.trials[0]).toMatchObject({ role: 'baseline', round: 1, ready: true });
    expect(report.trials[0]?.latency?.p99).toBeGreaterThan(0);
    expect(report.trials[0]?.resources.length).toBeGreaterThan(10);
    expect(report.rounds).toEqual({ completed: 2, planned: 2, max: 2 });
    expect(report.latencyOrigin).toBe('intended-start');
    expect(report.durationMs).toBe(150_000);
    expect(report.scenario).toMatchObject({ baseline: 'shop:1.4.2', candidate: 'shop:1.5.0-rc1', warmupMs: null });
    expect(report.reasonFindings[0]).toMatchObject({ kind: 'crashed', role: 'candidate', round: 2, exitCode: 1 });
    expect(report.findings[0]?.message).toBe(report.reasons[0]);
    const json = JSON.stringify(report);
    expect(json).not.toContain('secret');
    expect(json).not.toContain('"histogram"');
    expect(JSON.parse(json)).toEqual(report);
  });
});

describe('renderMarkdown', () => {
  it('leads with a plain FAIL line, then reasons, a metrics table and a trials table', () => {
    const markdown = renderMarkdown(failingReport());
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('## peakgate compare: checkout \\<peak\\> & "burst"');
    expect(lines[2]).toBe('**FAIL: the candidate is not safe to release**');
    expect(markdown).toMatch(/^- candidate crashed \(exit 1\) in round 2: /m);
    expect(markdown).toContain('| Metric | Baseline | Candidate | Change | 95% CI | Limit | SLO | Status |');
    expect(markdown).toMatch(
      /^\| CPU per request \| 0\.\d+ ms \| 0\.\d+ ms \| \+\d+\.\d% \| \+\d+\.\d%\.\.\+\d+\.\d% \| \+10% \| - \| FAIL \|$/m,
    );
    expect(markdown).toMatch(/^\| 2 \| candidate \| 2 \| [\d,]+ \| 0 \| .* \| crashed \(exit 1\) \|$/m);
    expect(markdown).toContain('service CPUs 1, load CPUs 0');
    expect(markdown).not.toMatch(/[\u{1F300}-\u{1FAFF}\u2705\u274C]/u);
  });

  it('heads a log excerpt with the finding, not with the text up to its first colon', () => {
    const report = failingReport();
    const crash = report.findings[0];
    if (crash?.kind !== 'crashed') throw new Error('no crash finding');
    const notReady: ReportFinding = {
      kind: 'not-ready',
      role: crash.role,
      round: crash.round,
      logTail: crash.logTail,
      detail: 'connect ECONNREFUSED 127.0.0.1:8080',
      message: '',
    };
    const markdown = renderMarkdown({ ...report, findings: [notReady] });
    expect(markdown).toContain(
      '<details><summary>candidate never became ready in round 2 (connect ECONNREFUSED 127.0.0.1:8080): last log lines</summary>',
    );
    const html = renderHtml({ ...report, findings: [notReady] });
    expect(html).toContain('<h3>candidate never became ready in round 2 (connect ECONNREFUSED 127.0.0.1:8080)</h3>');
  });

  it('says PASS for a passing run and has no reasons section', () => {
    const markdown = renderMarkdown(passingReport());
    expect(markdown.split('\n')[2]).toBe('**PASS: the candidate holds this load as well as the baseline**');
    expect(markdown).not.toContain('### Reasons');
  });
});

describe('renderJUnit', () => {
  it('is well-formed XML with one testcase per metric plus the outright checks', () => {
    const report = failingReport();
    const xml = renderJUnit(report);
    const elements = assertWellFormedXml(xml);
    expect(elements.filter((name) => name === 'testcase')).toHaveLength(report.metrics.length + 1);
    const failures = report.metrics.filter((m) => m.status === 'fail').length + 1;
    expect(xml).toContain(
      `<testsuites name="peakgate" tests="${report.metrics.length + 1}" failures="${failures}" errors="0"`,
    );
    expect(xml).toContain(
      'message="candidate crashed (exit 1) in round 2: ok | Error: &lt;boom&gt; &amp; &quot;bust&quot; ]]&gt;',
    );
    expect(xml).not.toContain('\u0007');
    expect(xml).toMatch(
      /<testcase classname="peakgate\.checkout &lt;peak&gt; &amp; &quot;burst&quot;" name="CPU per request" time="0">\n\s+<failure message="CPU per request \+/,
    );
  });

  it('reads error rates as a difference in points, like summary.md (no ratio of two zero rates)', () => {
    const xml = renderJUnit(passingReport());
    expect(xml).toMatch(/0\.00% -&gt; 0\.00%, change \+0\.00 pts \(CI -?[\d.]+ pts\.\.\+[\d.]+ pts at 95%\)/);
  });

  it('marks an infrastructure problem as an error, not a failure', () => {
    const report = { ...passingReport(), verdict: 'fail' as const, infrastructureError: 'the baseline is broken' };
    const xml = renderJUnit(report);
    assertWellFormedXml(xml);
    expect(xml).toContain('errors="1"');
    expect(xml).toContain('<error message="the baseline is broken" type="infrastructure">');
  });

  it('the checker itself rejects broken XML', () => {
    expect(() => assertWellFormedXml('<a><b></a></b>')).toThrow(/mismatched/);
    expect(() => assertWellFormedXml('<a>x & y</a>')).toThrow(/bad entity/);
    expect(() => assertWellFormedXml('<a x="1"></a><b/>')).toThrow(/2 root/);
  });
});

describe('renderHtml', () => {
  it('is one self-contained page: verdict first, forest plot, uPlot inlined, chart data as JSON', () => {
    const report = failingReport();
    const html = renderHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<div class="verdict fail">FAIL: the candidate is not safe to release</div>');
    expect(html.indexOf('class="verdict')).toBeLessThan(html.indexOf('<h2>Reasons</h2>'));
    expect(html.indexOf('<h2>Reasons</h2>')).toBeLessThan(html.indexOf('class="forest"'));
    // One forest row per judged metric, each with its limit line; an error rate with no error on
    // either side is a sentence instead (no bar of an interval in points on the ratio axis).
    const drawn = report.metrics.filter((m) => !(m.difference !== undefined && m.baseline === 0 && m.candidate === 0));
    expect(drawn.length).toBeLessThan(report.metrics.length);
    expect(html.match(/<g class="forest-row"/g)).toHaveLength(drawn.length);
    expect(html.match(/<line class="limit"/g)).toHaveLength(drawn.length);
    expect(html).toContain('Error rate: no errors on either side.');
    expect(html).toContain('data-metric="cpu.per_request" data-status="fail"');
    // No external assets: uPlot's code and CSS are inline.
    expect(html).not.toMatch(/<link|src="http|href="http|<script src=/);
    expect(html).toContain('https://github.com/leeoniya/uPlot');
    expect(html).toContain('checkout &lt;peak&gt; &amp; &quot;burst&quot;');
    expect(html).not.toContain('<boom>');
    const data = html.match(/<script type="application\/json" id="peakgate-data">(.*?)<\/script>/s)?.[1];
    const charts = (JSON.parse(data ?? 'null') as { charts: { id: string }[] }).charts.map((c) => c.id);
    expect(charts).toEqual(['latency-0', 'percentiles', 'throughput', 'cpu', 'memory', 'round-p99', 'round-cpu']);
    for (const id of charts) expect(html).toContain(`<div class="chart" id="chart-${id}"`);
    // No trial had an error: no empty errors chart or all-zero table, a sentence instead.
    expect(html).toContain('No errors: every request of every trial was answered as expected.');
    expect(html).not.toContain('<h3>Errors by kind, all trials of a side</h3>');
    expect(html).toContain('<h2>Scenario</h2>');
    expect(html).toContain('<dt>Service CPUs</dt><dd>1</dd>');
  });

  it('keeps </script> and line separators in the data from ending the script block', () => {
    const report = { ...passingReport(), scenario: { ...passingReport().scenario, name: 'x' } };
    const trial = report.trials[0];
    if (!trial) throw new Error('no trial');
    const evil = '</script><script>alert(1)</script>\u2028\u2029';
    const html = renderHtml({
      ...report,
      trials: [{ ...trial, series: trial.series.map((s) => ({ ...s, phase: evil })) }, ...report.trials.slice(1)],
    });
    const block = html.match(/<script type="application\/json" id="peakgate-data">(.*?)<\/script>/s)?.[1] ?? '';
    expect(block).not.toContain('</');
    expect(block).not.toMatch(/[\u2028\u2029]/);
    const parsed = JSON.parse(block) as { charts: { title: string }[] };
    expect(parsed.charts.some((chart) => chart.title.includes(evil))).toBe(true);
  });

  it('reports the latency percentile curve of each side from the merged histograms', () => {
    const report = failingReport();
    const curves = report.latencyPercentiles ?? [];
    expect(curves.map((c) => c.role)).toEqual(['baseline', 'candidate']);
    for (const curve of curves) {
      expect(curve.points.map((p) => p.percentile)).toEqual([...CURVE_PERCENTILES]);
      const values = curve.points.map((p) => p.ms);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      const total = report.trials.filter((t) => t.role === curve.role).reduce((n, t) => n + (t.latency?.count ?? 0), 0);
      expect(curve.count).toBe(total);
    }
  });
});

describe('rounds and the sequential decision in the report', () => {
  it('records why the rounds stopped and each look, and summary.md says so', () => {
    const trials = buildSyntheticComparison(2, 41, same, same);
    const judgement = judge(trials, { ...compare, maxRounds: 4 }, { resamples: 400 });
    const report = buildReport({
      scenario,
      trials,
      judgement,
      environment,
      startedAt: new Date('2026-01-01T00:00:00Z'),
      finishedAt: '2026-01-01T00:00:30.000Z',
      stop: { reason: 'budget', budgetMs: 30_000, looks: [lookRecord(judgement, 29_000)] },
    });
    expect(report.rounds).toMatchObject({ completed: 2, stoppedBy: 'budget', budgetMs: 30_000 });
    expect(report.rounds.looks?.[0]).toMatchObject({ round: 2, atMs: 29_000, state: judgement.sequential.state });
    expect(report.rounds.looks?.[0]?.metrics.map((m) => m.name)).toContain('cpu.per_request');
    expect(report.sequential?.lookConfidence).toBeGreaterThan(0.95);
    expect(renderMarkdown(report)).toContain(
      'Stopped after 2 of at most 2 rounds (29 s, budget 30 s): another round would have passed the time budget.',
    );
  });
});

describe('an aborted comparison (buildAbortedReport)', () => {
  // Round 1 whole; round 2's candidate stopped part-way (partial figures), its baseline never started.
  const trials = buildSyntheticComparison(2, 42, same, same)
    .filter((trial) => !(trial.round === 2 && trial.role === 'baseline'))
    .map((trial) =>
      trial.round === 2 && trial.load !== null ? { ...trial, load: { ...trial.load, interrupted: true } } : trial,
    );
  const report = buildAbortedReport({
    scenario,
    trials,
    environment,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:40.000Z',
    interruption: {
      signal: 'SIGTERM',
      reason: 'received SIGTERM',
      roundsCompleted: 1,
      cut: [
        { role: 'baseline', round: 2, started: false },
        { role: 'candidate', round: 2, started: true },
      ],
    },
  });

  it('holds what was measured and nothing judged: no pass, no fail', () => {
    expect(report.aborted).toBe(true);
    expect(report.verdict).toBe('aborted');
    expect(report.interruption?.signal).toBe('SIGTERM');
    expect([report.metrics, report.reasons, report.findings]).toEqual([[], [], []]);
    expect(report.rounds).toEqual({ completed: 1, planned: 2, max: compare.maxRounds });
    expect(report.trials.map((trial) => [trial.role, trial.round, trial.interrupted])).toEqual([
      ['baseline', 1, false],
      ['candidate', 1, false],
      ['candidate', 2, true],
    ]);
    expect(report.warnings[0]).toContain('cut: baseline of round 2, candidate of round 2');
  });

  it('reads as aborted in every rendering: summary.md, junit.xml (an error), report.html', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('**ABORTED: no verdict** (received SIGTERM)');
    expect(markdown).not.toMatch(/\*\*(PASS|FAIL)/);
    expect(markdown).toContain('cut: partial figures');
    const xml = renderJUnit(report);
    assertWellFormedXml(xml);
    expect(xml).toContain('errors="1"');
    expect(xml).toContain('failures="0"');
    expect(xml).toContain('type="aborted"');
    const html = renderHtml(report);
    expect(html).toContain('<div class="verdict error">ABORTED: no verdict (received SIGTERM)');
    expect(html).not.toMatch(/PASS: the candidate|FAIL: the candidate/);
  });
});
