/**
 * The verdict as a person reads it in a terminal: one line with the verdict, the reasons, and a
 * table of judged metrics. Files for CI (summary.md, junit.xml) come from core's renderers.
 */
import {
  describeReason,
  type Finding,
  formatLimit,
  formatMetricChange,
  formatValue,
  type Judgement,
  REQUEST_KIND_HEADER,
  type ReportMetric,
  type ReportRequestKind,
  type Role,
  requestKindRows,
  roundsText,
  VERDICT_HEADLINE,
  verdictState,
} from '@peakgate/core';
import pc from 'picocolors';
import { fitsWhole, fitTable } from '../fit-table.js';
import { logExcerptLines } from '../log-excerpt.js';
import { oneLine } from '../terminal-text.js';
import { printable, terminalColumns, wrapText } from '../terminal-width.js';

export interface VerdictOptions {
  driver: string;
  rounds: number;
  color: boolean;
  requestKinds?: ReportRequestKind[];
  /** report.json's metric rows, in the judgement's order: their `warnings` mark cells and print as notes. */
  metrics?: readonly Pick<ReportMetric, 'warnings'>[];
  /**
   * A trial's service log: where it was written (to point at it under a reason) and its tail (the
   * judge's findings keep the last 10 lines; the trial has more, to find the line that says why).
   */
  trialLog?: (role: Role, round: number) => { path?: string; tail: readonly string[] } | undefined;
  /** Columns to fit (default: the terminal's, terminalColumns()). */
  width?: number;
}

/** A sentence (or several) wrapped to `width`, its first line after `lead`, the rest under it. */
function wrapped(lead: string, text: string, width: number, color: boolean): string[] {
  const indent = ' '.repeat(lead.length);
  return wrapText(printable(text, color), Math.max(20, width - lead.length))
    .split('\n')
    .map((line, i) => `${i === 0 ? lead : indent}${line}`);
}

/**
 * A reason as the terminal shows it: a trial finding quotes the lines of its log that say why
 * (log-excerpt.ts) instead of its last lines; a broken baseline's causes too. The words are core's
 * (describeReason): only the log lines it is given differ.
 */
function reasonText(finding: Finding, options: VerdictOptions): string {
  if (finding.kind === 'baseline-broken')
    return describeReason({ ...finding, findings: finding.findings.map((cause) => withExcerpt(cause, options)) });
  return describeReason(withExcerpt(finding, options));
}

function withExcerpt<F extends Finding>(finding: F, options: VerdictOptions): F {
  if (!('logTail' in finding) || finding.logTail.length === 0) return finding;
  const trialTail = trialLogOf(finding, options)?.tail ?? [];
  return {
    ...finding,
    logTail: logExcerptLines(trialTail.length > finding.logTail.length ? trialTail : finding.logTail),
  };
}

/** The log of the trial a finding is about, when it has one. */
function trialLogOf(finding: Finding, options: VerdictOptions): { path?: string; tail: readonly string[] } | undefined {
  const { role, round } = finding as { role?: Role; round?: number };
  if (role === undefined || round === undefined || options.trialLog === undefined) return undefined;
  return options.trialLog(role, round);
}

const logOf = (finding: Finding, options: VerdictOptions): string | undefined => trialLogOf(finding, options)?.path;

export function renderVerdict(judgement: Judgement, options: VerdictOptions): string {
  const c = options.color ? pc : pc.createColors(false);
  const width = options.width ?? terminalColumns(process.stdout);
  const head = [
    'metric',
    'phase',
    'baseline',
    'candidate',
    'change',
    `CI ${Math.round(judgement.sequential.lookConfidence * 1000) / 10}%`,
    'limit',
    'status',
  ];
  const notes: string[] = [];
  const rows = judgement.metrics.map((metric, index) => {
    const status =
      metric.status === 'fail' ? c.red('FAIL') : metric.status === 'marginal' ? c.yellow('marginal') : c.green('pass');
    // Error rates read as a difference in points, like summary.md and report.html.
    const change = formatMetricChange(metric);
    const name = oneLine(metric.request === undefined ? metric.label : `${metric.label} of ${metric.request}`);
    const warnings = options.metrics?.[index]?.warnings ?? [];
    const mark = warnings.length > 0 ? ' *' : '';
    for (const warning of warnings)
      notes.push(`${name}${metric.phase === undefined ? '' : ` (${oneLine(metric.phase)})`}: ${warning}`);
    return [
      name,
      oneLine(metric.phase ?? ''),
      `${formatValue(metric.baseline, metric.unit)}${mark}`,
      `${formatValue(metric.candidate, metric.unit)}${mark}`,
      change.change,
      change.interval,
      formatLimit(metric.limit, metric.direction),
      status,
    ];
  });
  const lines: string[] = [];
  // The same words as report.html, summary.md and junit.xml (core's verdict-wording.ts).
  const state = verdictState(judgement);
  const headline = state === 'pass' ? c.green(c.bold(VERDICT_HEADLINE.pass)) : c.red(c.bold(VERDICT_HEADLINE[state]));
  lines.push('', headline, `  ${roundsText(judgement.rounds)}, driver ${options.driver}`);
  if (judgement.infrastructureError !== undefined) {
    const broken = judgement.reasonFindings.find((finding) => finding.kind === 'baseline-broken');
    const cause = broken === undefined ? judgement.infrastructureError : reasonText(broken, options);
    lines.push(...wrapped('  ', oneLine(cause), width, options.color));
  }
  // A broken baseline is the line above; the list holds what the candidate did.
  for (const finding of judgement.reasonFindings) {
    if (finding.kind === 'baseline-broken') continue;
    lines.push(...wrapped('  - ', oneLine(reasonText(finding, options)), width, options.color));
    const log = logOf(finding, options);
    if (log !== undefined) lines.push(...wrapped('    full log: ', oneLine(log), width, options.color));
  }
  // The baseline's own failures point at their logs too (the reason above quotes them).
  if (judgement.infrastructureError !== undefined)
    for (const finding of judgement.findings) {
      const log = finding.role === 'baseline' ? logOf(finding, options) : undefined;
      if (log !== undefined) lines.push(...wrapped('    full log: ', oneLine(log), width, options.color));
    }
  for (const warning of judgement.warnings)
    lines.push(...wrapped('  note: ', oneLine(warning), width, options.color).map((l) => c.dim(l)));
  if (rows.length > 0) {
    const fit = { width, color: options.color, keyColumns: 1, names: [0, 1] };
    // Narrow terminals: the phase goes into the metric's name ("p99 latency (peak)"), one column
    // fewer, so a row's status stays on its line instead of going to a second table.
    const merged = fitsWhole(head, rows, fit)
      ? undefined
      : rows.map(([name = '', phase = '', ...rest]) => [phase === '' ? name : `${name} (${phase})`, ...rest]);
    const table =
      merged === undefined
        ? fitTable(head, rows, fit)
        : fitTable(
            head.filter((_, i) => i !== 1),
            merged,
            { ...fit, names: [0] },
          );
    lines.push('', table);
  }
  for (const note of notes) lines.push(...wrapped('  * ', note, width, options.color));
  // Per request name, both sides (report.json's requestKinds), when the mix has more than one name.
  const kinds = options.requestKinds ?? [];
  const kindRows = requestKindRows({ requestKinds: kinds });
  if (kindRows.length > 0) {
    const kindNotes: string[] = [];
    const marked = kindRows.map((row, index) => {
      const kind = kinds[index];
      const cells = row.map(oneLine);
      if (kind?.warnings === undefined || kind.warnings.length === 0) return cells;
      for (const warning of kind.warnings) kindNotes.push(`${oneLine(kind.name)} (${oneLine(kind.phase)}): ${warning}`);
      // The p99 cell of each side its notes speak of carries the mark (5: baseline's, 9: candidate's).
      const thin = (role: Role): boolean => kind.warnings?.some((w) => w.includes(` ${role} sample`)) === true;
      return cells.map((cell, i) =>
        (i === 5 && thin('baseline')) || (i === 9 && thin('candidate')) ? `${cell} *` : cell,
      );
    });
    const fit = { width, color: options.color, keyColumns: 2, names: [0, 1] };
    // Both sides on one row when that fits; else a row per side (Request, Phase, Side, and its four
    // figures), so a narrow terminal never splits a side's figures from the header that names it.
    const table = fitsWhole(REQUEST_KIND_HEADER, marked, fit)
      ? fitTable([...REQUEST_KIND_HEADER], marked, fit)
      : fitTable(
          ['Request', 'Phase', 'Side', 'Requests', 'Errors', 'p50', 'p99'],
          marked.flatMap((cells) => [
            [cells[0] ?? '', cells[1] ?? '', 'baseline', ...cells.slice(2, 6)],
            ['', '', 'candidate', ...cells.slice(6, 10)],
          ]),
          { ...fit, keyColumns: 3 },
        );
    lines.push('', table);
    for (const note of kindNotes) lines.push(...wrapped('  * ', note, width, options.color));
  }
  return `${lines.join('\n')}\n`;
}
