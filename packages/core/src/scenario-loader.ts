/**
 * Reads a scenario file (YAML or JSON: JSON is YAML, so both get positions), validates it against
 * the schema and the rules, and resolves it. Every problem is collected, located (file:line:column)
 * and thrown at once: PG_ERR_SCENARIO_READ (unreadable), PG_ERR_SCENARIO_PARSE (syntax),
 * PG_ERR_SCENARIO_INVALID (schema or rules).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { PeakgateError } from './errors.js';
import { formatFieldPath, ScenarioInvalidError, ScenarioParseError, type UnlocatedIssue } from './scenario-errors.js';
import type { Scenario } from './scenario-model.js';
import { type ResolveOptions, resolveScenario } from './scenario-resolve.js';
import { ruleIssues } from './scenario-rules.js';
import { type ScenarioFile, ScenarioSchema } from './scenario-schema.js';
import { checkTimelineFile, type TimelineFacts } from './scenario-timeline.js';
import { schemaIssues } from './schema-issues.js';

export interface ParseScenarioOptions {
  /** Directory that relative `cwd` values are resolved against (loadScenarioFile: the file's directory). */
  baseDir?: string;
  /** Recorded as `scenario.sourcePath`. */
  sourcePath?: string;
  /** Decides the default Docker network. Default process.platform. */
  platform?: NodeJS.Platform;
}

/** Reads, validates and resolves a scenario file. `file` is shown in messages as given. */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PeakgateError('PG_ERR_SCENARIO_READ', `cannot read scenario ${file}: ${readFailure(error)}`, {
      cause: error,
    });
  }
  const absolute = path.resolve(file);
  return parseScenario(text, file, { sourcePath: absolute, baseDir: path.dirname(absolute) });
}

/** Validates and resolves scenario text; `sourceName` names it in messages (a file name or "request body"). */
export function parseScenario(text: string, sourceName: string, options: ParseScenarioOptions = {}): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    // Merge keys (`<<: *defaults`) as docker compose files use them.
    merge: true,
    // Problems become issues; nothing goes to process warnings (stderr) behind the caller's back.
    logLevel: 'error',
  });
  const source = text.replace(/^\uFEFF/, '');
  const position = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => {
      const at = position(error.pos[0]);
      const hint = lineAt(source, at.line).includes('{{') ? PLACEHOLDER_QUOTE_HINT : '';
      return { source: sourceName, ...at, path: '', message: `${firstLine(error.message)}${hint}` };
    });
    // One syntax error per line: the parser's follow-on complaints about the same line add nothing.
    const firstPerLine = issues.filter(
      (issue, index) => issues.findIndex((other) => other.line === issue.line) === index,
    );
    throw new ScenarioParseError(sourceName, firstPerLine);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Alias bombs and similar: the document is well-formed but cannot become plain data.
    const message = error instanceof Error ? error.message : String(error);
    throw new ScenarioParseError(sourceName, [{ source: sourceName, line: 1, column: 1, path: '', message }]);
  }

  const unlocated: UnlocatedIssue[] =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? [...schemaIssues(ScenarioSchema, value), ...ruleIssues(value)]
      : [{ path: [], message: topLevelMessage(value) }];
  // A timeline file is checked once the document itself is sound (it needs the request count).
  const timeline = unlocated.length === 0 ? checkScenarioTimeline(value as ScenarioFile, options.baseDir) : undefined;
  if (timeline !== undefined && 'issue' in timeline) unlocated.push(timeline.issue);
  if (unlocated.length > 0) {
    const issues = unlocated
      .map((issue) => {
        const offset = locate(doc, issue);
        // `path: {{uuid}}` unquoted is a YAML mapping, not a string: say why.
        const hint = source.startsWith('{{', offset) ? PLACEHOLDER_QUOTE_HINT : '';
        return {
          source: sourceName,
          ...position(offset),
          path: formatFieldPath(issue.path),
          message: `${issue.message}${hint}`,
        };
      })
      .sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ScenarioInvalidError(sourceName, issues);
  }
  const resolveOptions: ResolveOptions = {};
  if (options.baseDir !== undefined) resolveOptions.baseDir = options.baseDir;
  if (options.sourcePath !== undefined) resolveOptions.sourcePath = options.sourcePath;
  if (options.platform !== undefined) resolveOptions.platform = options.platform;
  if (timeline !== undefined && 'facts' in timeline) resolveOptions.timeline = timeline.facts;
  return resolveScenario(value as ScenarioFile, resolveOptions);
}

function checkScenarioTimeline(
  file: ScenarioFile,
  baseDir: string | undefined,
): { facts: TimelineFacts } | { issue: UnlocatedIssue } | undefined {
  const timeline = file.load.timeline;
  if (timeline === undefined) return undefined;
  const checked = checkTimelineFile(
    typeof timeline === 'string' ? timeline : timeline.file,
    baseDir,
    file.load.requests.length,
  );
  return 'facts' in checked ? checked : { issue: { path: ['load', 'timeline'], message: checked.message } };
}

/**
 * The source offset an issue points at: the value at its path, or the key for unknown fields.
 * When the path runs out (a missing field), the nearest existing parent key.
 */
function locate(doc: Document, issue: UnlocatedIssue): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  let parentKeyOffset: number | undefined;
  for (const [index, segment] of issue.path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    const last = index === issue.path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (pair === undefined) return parentKeyOffset ?? offset;
      const keyOffset = rangeStart(pair.key);
      if (last && issue.at === 'key' && keyOffset !== undefined) return keyOffset;
      const valueOffset = rangeStart(pair.value);
      // An empty value (`rate:`) has a zero-width range at the end of the line; the key reads better.
      const empty = isScalar(pair.value) && pair.value.value === null && pair.value.source === '';
      offset = (empty || pair.value === null ? keyOffset : valueOffset) ?? offset;
      parentKeyOffset = keyOffset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return offset;
      offset = rangeStart(item) ?? offset;
      parentKeyOffset = offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range?.[0];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function topLevelMessage(value: unknown): string {
  if (value === null || value === undefined)
    return 'expected a scenario (a mapping with name and load), found an empty document';
  return `expected a scenario (a mapping with name and load), found ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`;
}

const PLACEHOLDER_QUOTE_HINT = ' (quote values with {{placeholders}} in YAML: path: "/a?id={{uuid}}")';

function lineAt(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
