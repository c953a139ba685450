/**
 * Reads a scenario file (YAML or JSON: JSON is YAML, so both get positions), validates it against
 * the schema and the rules, and resolves it. Every problem is collected, located (file:line:column)
 * and thrown at once: PG_ERR_SCENARIO_READ (unreadable), PG_ERR_SCENARIO_PARSE (syntax),
 * PG_ERR_SCENARIO_INVALID (schema or rules).
 */
import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import {
  type Alias,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
} from 'yaml';
import { isInside } from '../contained-file.js';
import { PeakgateError } from '../errors.js';
import { describeFileKind } from '../file-kind.js';
import { inputCapIssues, scenarioInputCaps } from './input-caps.js';
import { formatFieldPath, ScenarioInvalidError, ScenarioParseError, type UnlocatedIssue } from './issues.js';
import type { Scenario } from './model.js';
import { type ResolveOptions, resolveScenario } from './resolve.js';
import { ruleIssues } from './rules.js';
import { type ScenarioFile, ScenarioSchema } from './schema.js';
import { schemaIssues } from './schema-issues.js';
import { checkTimelineFile, type TimelineFacts } from './timeline.js';

export interface ParseScenarioOptions {
  /** Directory that relative `cwd` values are resolved against (loadScenarioFile: the file's directory). */
  baseDir?: string;
  /** Recorded as `scenario.sourcePath`. */
  sourcePath?: string;
  /** Decides the default Docker network. Default process.platform. */
  platform?: NodeJS.Platform;
  /** 'json': the text must be strict JSON (no trailing commas, comments or YAML); default 'yaml' (JSON is YAML). */
  format?: 'yaml' | 'json';
}

/**
 * Reads, validates and resolves a scenario file. `file` is shown in messages as given. Only a regular
 * file of at most {@link scenarioInputCaps.fileBytes} is read: a FIFO would block the read forever,
 * /dev/zero or /dev/urandom never end, and a huge file costs gigabytes before the first error. A file
 * named `*.json` must be strict JSON.
 */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  const text = await readScenarioText(file);
  const absolute = path.resolve(file);
  return parseScenario(text, file, {
    sourcePath: absolute,
    baseDir: path.dirname(absolute),
    format: file.toLowerCase().endsWith('.json') ? 'json' : 'yaml',
  });
}

/**
 * The text of a scenario file, read as {@link loadScenarioFile} reads it (a regular file of at most
 * 1 MiB, opened without blocking, not through a link leading out of its folder); the server reads
 * its named scenarios with it. Throws PG_ERR_SCENARIO_READ, whose cause is the system error.
 */
export async function readScenarioText(file: string): Promise<string> {
  const refuse = (reason: string, cause?: unknown): PeakgateError =>
    new PeakgateError('PG_ERR_SCENARIO_READ', `cannot read scenario ${file}: ${reason}`, { cause });
  const linkedOut = await linkLeadsOut(file);
  if (linkedOut !== undefined) throw refuse(linkedOut);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw refuse(readFailure(error), error);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw refuse('it is a directory');
    if (!stat.isFile()) throw refuse(`it is not a regular file (${describeFileKind(stat)})`);
    if (stat.size > scenarioInputCaps.fileBytes) throw refuse(`it is ${stat.size} bytes; the limit is ${limitText()}`);
    // Read at most one byte past the limit: the file may grow between stat and read.
    const buffer = Buffer.alloc(scenarioInputCaps.fileBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > scenarioInputCaps.fileBytes) throw refuse(`it is over the limit of ${limitText()}`);
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof PeakgateError) throw error;
    throw refuse(readFailure(error), error);
  } finally {
    await handle.close();
  }
}

/**
 * In CI the scenario's path is the runner's, but the file there is the pull request's, and it may be
 * a link (or sit in a linked folder) leading to a file of the runner's: a schema error would then
 * quote up to 40 characters of that file's values (an `oauth_token` is 40). A path inside the
 * current folder (the checkout, where CI runs peakgate) must resolve inside it, so links within
 * the checkout (a monorepo's shared scenario) still work; a path elsewhere must resolve inside the
 * folder that holds its first link. Undefined when the file may be read; a missing file is left to
 * the open, which says so.
 */
async function linkLeadsOut(file: string): Promise<string | undefined> {
  const absolute = path.resolve(file);
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return undefined;
  }
  if (real === absolute) return undefined;
  const cwd = process.cwd();
  let root: string;
  let where: string;
  if (isInside(cwd, absolute)) {
    root = cwd;
    where = 'the current folder';
  } else {
    root = (await firstLinkFolder(absolute)) ?? path.parse(absolute).root;
    where = `the folder ${root}`;
  }
  const realRoot = await realpath(root).catch(() => root);
  if (isInside(realRoot, real)) return undefined;
  return `it is reached through a link that leads outside ${where}; the file is not read (a scenario must not read files outside it)`;
}

/** The folder holding the first symbolic link on an absolute path (undefined when there is none). */
async function firstLinkFolder(absolute: string): Promise<string | undefined> {
  let current = path.parse(absolute).root;
  for (const part of absolute
    .slice(current.length)
    .split(path.sep)
    .filter((name) => name !== '')) {
    const next = path.join(current, part);
    const stats = await lstat(next).catch(() => undefined);
    if (stats === undefined) return undefined;
    if (stats.isSymbolicLink()) return current;
    current = next;
  }
  return undefined;
}

function limitText(): string {
  return `${scenarioInputCaps.fileBytes / 1024 / 1024} MiB (${scenarioInputCaps.fileBytes} bytes)`;
}

/** Validates and resolves scenario text; `sourceName` names it in messages (a file name or "request body"). */
export function parseScenario(text: string, sourceName: string, options: ParseScenarioOptions = {}): Scenario {
  const atStart = (message: string): ScenarioParseError =>
    new ScenarioParseError(sourceName, [{ source: sourceName, line: 1, column: 1, path: '', message }]);
  if (text.length > scenarioInputCaps.fileBytes)
    throw atStart(`the scenario is ${text.length} characters; the limit is ${scenarioInputCaps.fileBytes}`);
  if (options.format === 'json') strictJson(text.replace(/^\uFEFF/, ''), sourceName);
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
      // The parser turns its own stack overflow on deep nesting into an error: say what it means.
      const message = /Maximum call stack/.test(error.message) ? TOO_DEEP : `${firstLine(error.message)}${hint}`;
      return { source: sourceName, ...at, path: '', message: shortenMessage(message) };
    });
    // One syntax error per line: the parser's follow-on complaints about the same line add nothing.
    const firstPerLine = issues.filter(
      (issue, index) => issues.findIndex((other) => other.line === issue.line) === index,
    );
    throw new ScenarioParseError(sourceName, firstPerLine);
  }
  const targets = aliasTargets(doc);
  const structural = structureProblem(doc, targets) ?? aliasExpansionProblem(doc, targets);
  if (structural !== undefined)
    throw new ScenarioParseError(sourceName, [
      { source: sourceName, ...position(structural.offset), path: '', message: structural.message },
    ]);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: scenarioInputCaps.aliases });
  } catch (error) {
    // Alias bombs and similar: the document is well-formed but cannot become plain data.
    const message = error instanceof Error ? error.message : String(error);
    throw atStart(shortenMessage(/Maximum call stack/.test(message) ? TOO_DEEP : message));
  }

  const unlocated: UnlocatedIssue[] =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? [...schemaIssues(ScenarioSchema, value), ...ruleIssues(value), ...inputCapIssues(value)]
      : [{ path: [], message: topLevelMessage(value) }];
  // A timeline file is checked once the document itself is sound (it needs the request count).
  const timeline = unlocated.length === 0 ? checkScenarioTimeline(value as ScenarioFile, options.baseDir) : undefined;
  if (timeline !== undefined && 'issue' in timeline) unlocated.push(timeline.issue);
  if (unlocated.length > 0) {
    const issues = unlocated
      .map((issue) => {
        const offset = locate(doc, issue, targets);
        // `path: {{uuid}}` unquoted is a YAML mapping, not a string: say why.
        const hint = source.startsWith('{{', offset) ? PLACEHOLDER_QUOTE_HINT : '';
        return {
          source: sourceName,
          ...position(offset),
          path: shortenMessage(formatFieldPath(issue.path)),
          message: shortenMessage(`${issue.message}${hint}`),
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
function locate(doc: Document, issue: UnlocatedIssue, targets: Map<Alias, unknown>): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  let parentKeyOffset: number | undefined;
  for (const [index, segment] of issue.path.entries()) {
    if (isAlias(node)) node = targets.get(node);
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

const TOO_DEEP = `nested too deeply (limit ${scenarioInputCaps.nestingDepth} levels)`;

/**
 * Problems the YAML parser accepts but plain data cannot hold: an alias inside the node it names
 * (`json: &r [*r]` is a list that contains itself, which would send every later check round in
 * circles), and nesting past the limit. Walked with an explicit stack: no recursion to overflow.
 */
/**
 * What each alias names, found in one pass: the last node before it with that anchor, as
 * `Alias.resolve` says, which walks the whole document on every call (99 aliases in a 1 MiB file
 * took 9 s of it).
 */
function aliasTargets(doc: Document): Map<Alias, unknown> {
  const anchors = new Map<string, unknown>();
  const targets = new Map<Alias, unknown>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor !== undefined) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

function structureProblem(
  doc: Document,
  targets: Map<Alias, unknown>,
): { offset: number; message: string } | undefined {
  const stack: Array<{ node: unknown; depth: number; ancestors: readonly unknown[] }> = [
    { node: doc.contents, depth: 0, ancestors: [] },
  ];
  while (stack.length > 0) {
    const { node, depth, ancestors } = stack.pop() as (typeof stack)[number];
    if (isAlias(node)) {
      const target = targets.get(node);
      if (target !== undefined && ancestors.includes(target))
        return {
          offset: rangeStart(node) ?? 0,
          message: `the alias *${node.source} refers to a node that contains it (a recursive alias cannot become data)`,
        };
      continue;
    }
    if (!isCollection(node)) continue;
    if (depth >= scenarioInputCaps.nestingDepth) return { offset: rangeStart(node) ?? 0, message: TOO_DEEP };
    const inner = [...ancestors, node];
    for (const item of node.items) {
      if (isPair(item)) {
        stack.push({ node: item.key, depth: depth + 1, ancestors: inner });
        stack.push({ node: item.value, depth: depth + 1, ancestors: inner });
      } else stack.push({ node: item, depth: depth + 1, ancestors: inner });
    }
  }
  return undefined;
}

/**
 * The number of values the document becomes once every alias is expanded, counted on the syntax
 * tree (each anchored node once, memoised) before anything is expanded: few aliases of a big list
 * pass the alias count and still multiply the document a hundredfold. Runs after
 * {@link structureProblem}, so no alias is inside the node it names and the depth is bounded.
 */
function aliasExpansionProblem(
  doc: Document,
  targets: Map<Alias, unknown>,
): { offset: number; message: string } | undefined {
  const limit = scenarioInputCaps.expandedValues;
  const sizes = new Map<unknown, number>();
  let crossing: unknown;
  const size = (node: unknown): number => {
    if (isAlias(node)) {
      const target = targets.get(node);
      return target === undefined ? 1 : size(target);
    }
    if (!isCollection(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let total = 1;
    for (const item of node.items) {
      const parts = isPair(item) ? [item.key, item.value] : [item];
      for (const part of parts) {
        total += size(part);
        if (total > limit) {
          crossing ??= isAlias(part) ? part : undefined;
          sizes.set(node, total);
          return total;
        }
      }
    }
    sizes.set(node, total);
    return total;
  };
  if (size(doc.contents) <= limit) return undefined;
  return {
    offset: rangeStart(crossing) ?? 0,
    message: `its aliases expand it to more than ${limit.toLocaleString('en-US')} values (an alias bomb): write the data out, or alias less of it`,
  };
}

/**
 * `.json` files are strict JSON: YAML would accept a trailing comma, comments or unquoted keys, and
 * the file would then mean something other JSON tools read in it. JSON.parse's verdict, located.
 */
function strictJson(text: string, sourceName: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = firstBadOffset(text);
    const counter = new LineCounter();
    let start = 0;
    for (;;) {
      counter.addNewLine(start);
      const next = text.indexOf('\n', start);
      if (next < 0) break;
      start = next + 1;
    }
    const at = counter.linePos(offset);
    throw new ScenarioParseError(sourceName, [
      {
        source: sourceName,
        line: at.line,
        column: at.col,
        path: '',
        message: shortenMessage(
          `not strict JSON: ${message.replace(/ in JSON at position \d+.*$|, (?:\.\.\.)?".*" is not valid JSON$/s, '')}`,
        ),
      },
    ]);
  }
}

/**
 * Where JSON.parse first fails (its message gives no position for some errors): the shortest prefix
 * that fails for a reason other than ending early, found by bisection (about 20 parses).
 */
function firstBadOffset(text: string): number {
  const badAt = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      // A prefix that stops mid-value fails "at the end": that is not the first bad character.
      const message = error instanceof Error ? error.message : '';
      const position = /at position (\d+)/.exec(message)?.[1];
      return !/Unexpected end of JSON input/.test(message) && Number(position ?? -1) !== length;
    }
  };
  let low = 0;
  let high = text.length;
  if (!badAt(high)) return Math.max(0, text.length - 1);
  while (low + 1 < high) {
    const middle = Math.floor((low + high) / 2);
    if (badAt(middle)) high = middle;
    else low = middle;
  }
  return high - 1;
}

/** Never echo a huge value whole: a 5 MB scalar in an error helps nobody. */
function shortenMessage(message: string, limit = 300): string {
  return message.length > limit ? `${message.slice(0, limit - 1)}…` : message;
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
