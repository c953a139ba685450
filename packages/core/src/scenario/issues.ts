/**
 * Scenario problems as data: every problem names the file, line, column and field path, and says
 * what was expected and what was found. The loader collects all of them before throwing one
 * {@link ScenarioInvalidError}, so a user fixes a file in one pass, not one error per run.
 */
import { PeakgateError } from '../errors.js';

/** A field path as segments: ['load', 'phases', 1, 'rate']. */
export type FieldPath = readonly (string | number)[];

/** A problem found before positions are known (schema checks and rules work on plain values). */
export interface UnlocatedIssue {
  path: FieldPath;
  message: string;
  /** Point at the key rather than the value (unknown fields); default the value. */
  at?: 'key' | 'value';
}

export interface ScenarioIssue {
  /** The file as the user named it (or the source name given to parseScenario). */
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Field path such as `load.phases[1].rate`; empty for the document itself. */
  path: string;
  message: string;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `['load', 'phases', 1, 'rate']` → `load.phases[1].rate`; odd keys are quoted: `limits["latency.p99"]`. */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** One line per issue: `file:line:col  path  message`. */
export function formatScenarioIssue(issue: ScenarioIssue): string {
  const where = `${issue.source}:${issue.line}:${issue.column}`;
  return issue.path === '' ? `${where}  ${issue.message}` : `${where}  ${issue.path}  ${issue.message}`;
}

/** PG_ERR_SCENARIO_INVALID with the issues as structured data (for the HTTP API) and as detail lines. */
export class ScenarioInvalidError extends PeakgateError {
  readonly issues: readonly ScenarioIssue[];

  constructor(source: string, issues: readonly ScenarioIssue[]) {
    const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
    super('PG_ERR_SCENARIO_INVALID', `${source} is not a valid scenario (${count})`, {
      details: issues.map(formatScenarioIssue),
    });
    this.issues = issues;
  }
}

/** PG_ERR_SCENARIO_PARSE: the text is not YAML or JSON; issues carry the syntax errors' positions. */
export class ScenarioParseError extends PeakgateError {
  readonly issues: readonly ScenarioIssue[];

  constructor(source: string, issues: readonly ScenarioIssue[]) {
    const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
    super('PG_ERR_SCENARIO_PARSE', `${source} is not valid YAML or JSON (${count})`, {
      details: issues.map(formatScenarioIssue),
    });
    this.issues = issues;
  }
}
