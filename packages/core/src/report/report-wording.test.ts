/**
 * The verdict's words in every renderer (issue 27, report part): one headline, a stop reason as a
 * sentence, rounds pluralised, a zero-width interval never shown as a confidence interval, the
 * confidence overall and per look, and a marginal metric visible in junit.xml.
 */
import { describe, expect, it } from 'vitest';
import { judge } from '../judge/judge.js';
import { fixtureScenario } from '../test-support/scenario-fixture.js';
import { buildSyntheticComparison } from '../test-support/synthetic-trials.js';
import { describeReason } from '../wording/describe-reason.js';
import {
  confidenceText,
  intervalEstimated,
  plannedLooks,
  roundsText,
  stopReasonText,
  VERDICT_HEADLINE,
} from '../wording/verdict-wording.js';
import { buildReport } from './build-report.js';
import { renderHtml } from './render-html.js';
import { renderJUnit } from './render-junit.js';
import { renderMarkdown } from './render-markdown.js';
import type { Report } from './report-types.js';

const scenario = fixtureScenario({
  name: 'wording',
  service: { ready: { kind: 'tcp', timeoutMs: 1000 } },
  baseline: { kind: 'image', image: 'shop:1' },
  candidate: { kind: 'image', image: 'shop:2' },
  peak: { durationMs: 8000, rate: 200 },
  timeoutMs: 1000,
  compare: { rounds: 1, maxRounds: 1 },
});
const { compare } = scenario;
const phases = [{ name: 'peak', model: 'open' as const, seconds: 8, rate: 200 }];
const same = { latencyMedianMs: 2, cpuPerRequestMs: 0.2, memoryPeakBytes: 100e6, phases };

function oneRoundReport(candidate = { ...same, cpuPerRequestMs: 0.3 }): Report {
  const trials = buildSyntheticComparison(1, 5, same, candidate);
  return buildReport({
    scenario,
    trials,
    judgement: judge(trials, compare, { resamples: 200 }),
    environment: { peakgateVersion: '0', node: 'v20', platform: 'linux', cores: 2, driver: 'docker' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:30.000Z',
    stop: { reason: 'decided', looks: [] },
  });
}

/** The one-round CPU finding of the issue: one trial a side, a zero-width interval. */
function withZeroWidthCpu(report: Report): Report {
  return {
    ...report,
    metrics: report.metrics.map((m) => (m.name === 'cpu.per_request' ? { ...m, interval: [m.change, m.change] } : m)),
  };
}

describe('verdict wording', () => {
  it('pluralises rounds, states a stop reason as a sentence, and says both confidence levels', () => {
    expect(roundsText(1)).toBe('1 round');
    expect(roundsText(3)).toBe('3 rounds');
    expect(stopReasonText('decided', 'pass')).toBe('every metric was decided');
    expect(stopReasonText('decided', 'fail')).toBe('a failure decided it');
    expect(stopReasonText('max-rounds', 'pass')).toBe('max_rounds was reached');
    expect(confidenceText(0.95, 0.95, 1)).toBe('95%');
    expect(confidenceText(0.95, 0.9817, plannedLooks(3, 6))).toBe(
      '95% overall; each interval at 98.2% (corrected for up to 4 looks)',
    );
    expect(intervalEstimated([1.08, 1.08])).toBe(false);
    expect(intervalEstimated([1.02, 1.14])).toBe(true);
  });

  it('uses one headline in summary.md and report.html ("not safe to release")', () => {
    const report = oneRoundReport();
    expect(report.verdict).toBe('fail');
    expect(renderMarkdown(report).split('\n')[2]).toBe(`**${VERDICT_HEADLINE.fail}**`);
    expect(renderHtml(report)).toContain(`<div class="verdict fail">${VERDICT_HEADLINE.fail}</div>`);
    expect(VERDICT_HEADLINE.fail).toBe('FAIL: the candidate is not safe to release');
  });

  it('says "stopped because …" in words and "1 round", never the enum value or "round(s)"', () => {
    const report = oneRoundReport();
    const html = renderHtml(report);
    const markdown = renderMarkdown(report);
    expect(html).toMatch(/<p class="run-line">.*; 1 round of at most 1; stopped because a failure decided it\.<\/p>/);
    expect(markdown).toContain('Stopped after 1 of at most 1 round (30 s): a failure decided it.');
    for (const text of [html, markdown, renderJUnit(report)]) {
      expect(text).not.toMatch(/stopped by decided|round\(s\)|\b1 rounds\b/);
    }
  });

  it('never shows a zero-width interval as a CI: "no interval" in every renderer and in the reasons', () => {
    const report = withZeroWidthCpu(oneRoundReport());
    const html = renderHtml(report);
    const markdown = renderMarkdown(report);
    const junit = renderJUnit(report);
    const sameEnds = /([+-]\d+\.\d%)\.\.\1/;
    for (const text of [html, markdown, junit]) expect(text).not.toMatch(sameEnds);
    expect(markdown).toMatch(/^\| CPU per request \| [\d.]+ ms \| [\d.]+ ms \| \+\d+\.\d% \| no interval \|/m);
    expect(markdown).toContain('1 round: no interval for CPU per request');
    expect(html).toContain('1 round: no interval for CPU per request');
    expect(html).toMatch(/<g class="forest-row" data-metric="cpu.per_request" data-status="\w+" data-interval="none">/);
    expect(junit).toMatch(/change \+\d+\.\d% \(no interval after 1 round\)/);
    const finding = report.reasonFindings.find((f) => f.kind === 'limit' && f.metric === 'cpu.per_request');
    if (finding?.kind !== 'limit') throw new Error('no CPU finding');
    const text = describeReason({ ...finding, interval: [finding.change, finding.change] });
    expect(text).toMatch(/^CPU per request \+\d+\.\d% \(no interval, limit \+10%/);
  });

  it('states the confidence once in words: overall and per look', () => {
    const report = oneRoundReport();
    const corrected: Report = {
      ...report,
      rounds: { ...report.rounds, planned: 3, max: 6 },
      scenario: { ...report.scenario, compare: { ...report.scenario.compare, rounds: 3, maxRounds: 6 } },
      ...(report.sequential ? { sequential: { ...report.sequential, lookConfidence: 0.9817 } } : {}),
    };
    const line = 'Confidence: 95% overall; each interval at 98.2% (corrected for up to 4 looks).';
    expect(renderMarkdown(corrected)).toContain(line);
    const html = renderHtml(corrected);
    expect(html).toContain(`<p class="confidence-line">${line}`);
    expect(html).toContain(
      '<dt>Confidence</dt><dd>95% overall; each interval at 98.2% (corrected for up to 4 looks)</dd>',
    );
    expect(html).toContain('<th class="num">CI (98.2%)</th>');
  });

  it('marks a marginal metric in junit.xml (status property, MARGINAL output) and fails it when it failed the run', () => {
    const report = oneRoundReport(same);
    const index = report.metrics.findIndex((m) => m.name === 'cpu.per_request');
    const metrics = report.metrics.map((m, i) =>
      i === index ? { ...m, status: 'marginal' as const, reason: 'CPU per request +12.0% (past the limit)' } : m,
    );
    const marginal = renderJUnit({ ...report, verdict: 'pass', metrics });
    expect(marginal).toMatch(
      /<testcase classname="peakgate\.wording" name="CPU per request" time="0">\n\s+<properties>\n\s+<property name="status" value="marginal" \/>\n\s+<\/properties>\n\s+<system-out>MARGINAL: CPU per request \+12\.0% \(past the limit\)\n/,
    );
    expect(marginal).toContain('failures="0"');
    // GitLab shows no output of a passing case: a skipped note case names the marginal metric.
    expect(marginal).toMatch(
      /<testcase classname="peakgate\.wording" name="CPU per request: marginal" time="0">\n\s+<skipped message="MARGINAL: CPU per request \+12\.0% \(past the limit\)" \/>/,
    );
    expect(marginal).toMatch(/<testsuite [^>]* tests="\d+" failures="0" errors="0" skipped="1"/);
    const cpu = metrics[index];
    if (cpu === undefined) throw new Error('no CPU metric');
    const failed = renderJUnit({
      ...report,
      verdict: 'fail',
      metrics,
      reasonFindings: [
        {
          kind: 'marginal',
          metric: 'cpu.per_request',
          label: cpu.label,
          unit: cpu.unit,
          direction: cpu.direction,
          baseline: cpu.baseline,
          candidate: cpu.candidate,
          change: cpu.change,
          interval: cpu.interval,
          confidence: cpu.confidence,
          limit: cpu.limit,
          afterRounds: 1,
        },
      ],
    });
    expect(failed).toMatch(/name="CPU per request" time="0">\n\s+<failure /);
    expect(failed).not.toContain('<skipped');
  });
});
