/**
 * Folds records into what a scenario needs, in one pass and bounded memory: request templates with
 * counts (method + templated path + query names), arrivals per second, statuses, and (with
 * `timeline`) each arrival's time and template. Memory is bounded by the number of templates
 * (at most `maxTemplates`; later new shapes are counted but not templated) and of seconds, not by the
 * number of lines; only the timeline grows with the log (12 bytes per request).
 */
import { httpMethods, requestWireIssues, scenarioInputCaps } from '@peakgate/core';
import { MAX_TIME_MS } from './json-line.js';
import { classifySegment, type SegmentKind, ValueSlot } from './path-template.js';
import { splitTarget } from './request-target.js';
import { isWeakSecretName } from './secret-rules.js';
import {
  envPlaceholder,
  isSecretQuery,
  looksLikeForm,
  scrubForm,
  scrubHeader,
  scrubJson,
  scrubMultipart,
  scrubSegment,
  scrubText,
  secretEnvName,
} from './secret-scrub.js';
import { KIND_TEXT, kindNames, TargetScan } from './target-scan.js';
import type { TrafficRecord } from './traffic-record.js';

export interface SummaryOptions {
  /** Only records in [startMs, endMs) are used. */
  startMs?: number;
  endMs?: number;
  keepSecrets?: boolean;
  /** Keep every arrival's time and template for a timeline file. */
  timeline?: boolean;
  /** Most distinct templates tracked (memory bound). Default 10,000. */
  maxTemplates?: number;
}

/** One request kind of the mix. */
export interface TemplateSummary {
  method: string;
  /** Path and query with placeholders. */
  path: string;
  count: number;
  headers?: Record<string, string>;
  body?: string;
  json?: unknown;
}

/** A segment's kind, or `secret`: shaped like a credential, written as an `{{env NAME}}` placeholder. */
type TemplateKind = SegmentKind | 'secret';

interface TemplateState {
  id: number;
  method: string;
  segments: Array<string | ValueSlot>;
  /** Each segment's kind (a ValueSlot's kind is part of the shape: `:int` and `:uuid` differ). */
  kinds: TemplateKind[];
  query: Array<[string, ValueSlot | string]> | undefined;
  /** Query positions whose name is a `key` name: a value other than a plain number makes them a placeholder. */
  weakQuery?: boolean[];
  count: number;
  headers?: Record<string, string>;
  body?: string;
  json?: unknown;
}

const METHODS = new Set<string>(httpMethods);

/** Deepest JSON body kept: the scenario rules refuse deeper ones. */
const MAX_BODY_DEPTH = scenarioInputCaps.nestingDepth - 8;

/**
 * How deep a JSON value nests (stopping past {@link MAX_BODY_DEPTH}), or -1 when a string or key in
 * it holds `{{` or `}}`, which the scenario would read as a placeholder.
 */
function jsonDepth(value: unknown, depth: number): number {
  if (depth > MAX_BODY_DEPTH) return depth;
  if (typeof value === 'string') return value.includes('{{') || value.includes('}}') ? -1 : depth;
  if (value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('{{') || key.includes('}}')) return -1;
    const inner = jsonDepth(item, depth + 1);
    if (inner === -1) return -1;
    if (inner > deepest) deepest = inner;
    if (deepest > MAX_BODY_DEPTH) return deepest;
  }
  return deepest;
}

/** Time-sorted arrivals: ms since the window start and the template id (-1: not templated). */
export interface Arrivals {
  offsetsMs: Float64Array;
  templateIds: Int32Array;
}

export class TrafficSummary {
  readonly statuses = new Map<number, number>();
  private readonly perSecond = new Map<number, number>();
  used = 0;
  outside = 0;
  /** Used records whose shape came after the template limit (counted in the rate, not in the mix). */
  untemplated = 0;
  firstMs = Number.POSITIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;
  /** Names of the env variables that replaced recorded secrets. */
  readonly secrets = new Set<string>();
  private readonly templates = new Map<string, TemplateState>();
  /** Templates by the hash of their shape, for targets the in-place scan takes (collisions share a bucket). */
  private readonly byHash = new Map<number, TemplateState[]>();
  private readonly scan = new TargetScan();
  private readonly maxTemplates: number;
  private times = new Float64Array(0);
  private ids = new Int32Array(0);
  private wholeSeconds = true;

  constructor(private readonly options: SummaryOptions = {}) {
    this.maxTemplates = options.maxTemplates ?? 10_000;
    if (options.timeline) {
      this.times = new Float64Array(1024);
      this.ids = new Int32Array(1024);
    }
  }

  private currentSecond = Number.NaN;
  private currentCount = 0;

  private flushSecond(): void {
    if (this.currentCount > 0)
      this.perSecond.set(this.currentSecond, (this.perSecond.get(this.currentSecond) ?? 0) + this.currentCount);
    this.currentCount = 0;
  }

  /** Arrivals per whole second (epoch seconds), complete once every record is added. */
  secondCounts(): ReadonlyMap<number, number> {
    this.flushSecond();
    return this.perSecond;
  }

  /** Adds a record: `used`, `outside` the window, or a problem (the record is skipped). */
  add(record: TrafficRecord): 'used' | 'outside' | { problem: string } {
    const { startMs, endMs } = this.options;
    if (!(Math.abs(record.timeMs) <= MAX_TIME_MS)) return { problem: 'the time is out of range' };
    if ((startMs !== undefined && record.timeMs < startMs) || (endMs !== undefined && record.timeMs >= endMs)) {
      this.outside++;
      return 'outside';
    }
    const method = METHODS.has(record.method) ? record.method : record.method.toUpperCase();
    if (!METHODS.has(method)) return { problem: 'the method is not one peakgate sends' };
    // Past the scenario limits the written scenario would be refused whole: skip the record instead.
    if (record.target.length > scenarioInputCaps.pathChars)
      return { problem: `the request target is over ${scenarioInputCaps.pathChars} characters` };
    // Fast path: a plain origin-form target of a shape seen before is matched and counted in place.
    const scanned = this.scan.scan(method, record.target);
    let template = scanned ? this.findScanned(method, record.target) : undefined;
    if (template !== undefined) this.countScanned(template, record.target);
    else {
      const general = this.addGeneral(method, record);
      if (general !== undefined && 'problem' in general) return general;
      template = general;
      // Remember the shape's hash so its next lines take the fast path.
      if (scanned && template !== undefined) {
        const bucket = this.byHash.get(this.scan.hash);
        if (bucket === undefined) this.byHash.set(this.scan.hash, [template]);
        else bucket.push(template);
      }
    }
    this.used++;
    if (record.status > 0) this.statuses.set(record.status, (this.statuses.get(record.status) ?? 0) + 1);
    const second = Math.floor(record.timeMs / 1000);
    // Logs run in time order: count the current second locally, touch the map when it changes.
    if (second === this.currentSecond) this.currentCount++;
    else {
      this.flushSecond();
      this.currentSecond = second;
      this.currentCount = 1;
    }
    if (record.timeMs < this.firstMs) this.firstMs = record.timeMs;
    if (record.timeMs > this.lastMs) this.lastMs = record.timeMs;
    if (this.options.timeline) this.keepArrival(record, template?.id ?? -1);
    return 'used';
  }

  /** The template of a scanned target whose shape was seen before, compared in place; undefined when new. */
  private findScanned(method: string, target: string): TemplateState | undefined {
    const bucket = this.byHash.get(this.scan.hash);
    if (bucket === undefined) return undefined;
    const scan = this.scan;
    search: for (const template of bucket) {
      if (template.method !== method || template.segments.length !== scan.segments) continue;
      for (let index = 0; index < scan.segments; index++) {
        const kind = scan.segmentKind[index] ?? KIND_TEXT;
        if (template.kinds[index] !== kindNames[kind]) continue search;
        if (kind !== KIND_TEXT) continue;
        const literal = template.segments[index] as string;
        const start = scan.segmentStart[index] ?? 0;
        if (literal.length !== (scan.segmentEnd[index] ?? 0) - start || !target.startsWith(literal, start))
          continue search;
      }
      if (template.query === undefined) {
        if (scan.pairs !== -1) continue;
      } else {
        if (scan.pairs !== template.query.length) continue;
        for (let index = 0; index < scan.pairs; index++) {
          const name = template.query[index]?.[0] ?? '';
          const start = scan.nameStart[index] ?? 0;
          if (name.length !== (scan.nameEnd[index] ?? 0) - start || !target.startsWith(name, start)) continue search;
        }
      }
      return template;
    }
    return undefined;
  }

  /** Counts a scanned target into its template, cutting value text only while a slot still keeps values. */
  private countScanned(template: TemplateState, target: string): void {
    const scan = this.scan;
    template.count++;
    for (let index = 0; index < scan.segments; index++) {
      const slot = template.segments[index];
      if (!(slot instanceof ValueSlot)) continue;
      const start = scan.segmentStart[index] ?? 0;
      const end = scan.segmentEnd[index] ?? 0;
      const kind = kindNames[scan.segmentKind[index] ?? KIND_TEXT] ?? 'text';
      if (slot.keepsValues) slot.add(target.slice(start, end), kind);
      else slot.addScanned(kind, scan.segmentInt[index] ?? 0, end - start === 1 || target.charCodeAt(start) !== 0x30);
    }
    const query = template.query;
    if (query === undefined) return;
    for (let index = 0; index < scan.pairs; index++) {
      const slot = query[index]?.[1];
      if (!(slot instanceof ValueSlot)) continue;
      const start = scan.valueStart[index] ?? 0;
      const end = scan.valueEnd[index] ?? 0;
      const kind = kindNames[scan.valueKind[index] ?? KIND_TEXT] ?? 'text';
      // A `key` name keeps plain numbers only (secret-rules.ts): the scan's int kind is exactly that.
      if (template.weakQuery?.[index] === true && kind !== 'int') {
        query[index] = [query[index]?.[0] ?? '', this.placeholder('query', query[index]?.[0] ?? '')];
        continue;
      }
      if (slot.keepsValues) slot.add(target.slice(start, end), kind);
      else slot.addScanned(kind, scan.valueInt[index] ?? 0, end - start === 1 || target.charCodeAt(start) !== 0x30);
    }
  }

  /**
   * The general path: split and percent-encode the target, key its shape as text, find or create the
   * template and count the record into it. Undefined when the record is past the template limit.
   */
  private addGeneral(method: string, record: TrafficRecord): TemplateState | undefined | { problem: string } {
    const target = splitTarget(record.target);
    if (target === undefined) return { problem: 'the request target is not a path' };
    const { segments, query } = target;
    const keep = this.options.keepSecrets === true;
    const kinds: TemplateKind[] = new Array(segments.length);
    let key = `${method} `;
    for (let index = 0; index < segments.length; index++) {
      const segment = segments[index] ?? '';
      let kind: TemplateKind = classifySegment(segment);
      if (!keep && kind !== 'int' && kind !== 'uuid') {
        // Credentials in the path: a segment shaped like one, or a path parameter named like one.
        const previous = index > 0 && kinds[index - 1] === 'text' ? segments[index - 1] : undefined;
        const scrubbed = scrubSegment(segment, previous, index + 1, this.secrets);
        if (scrubbed !== undefined) {
          segments[index] = scrubbed;
          kind = scrubbed.startsWith('{{env ') && !scrubbed.includes(';') ? 'secret' : 'text';
        }
      }
      kinds[index] = kind;
      key += kind === 'text' ? `/${segments[index]}` : `/:${kind}`;
    }
    if (query !== undefined) {
      key += '?';
      for (const [name] of query) key += `${name}&`;
    }
    let template = this.templates.get(key);
    if (template === undefined && this.templates.size < this.maxTemplates) {
      const created = this.createTemplate(method, target.segments, kinds, target.query, record);
      if ('problem' in created) return created;
      template = created;
      this.templates.set(key, template);
    }
    if (template === undefined) {
      this.untemplated++;
      return undefined;
    }
    template.count++;
    for (let index = 0; index < segments.length; index++) {
      const slot = template.segments[index];
      const kind = kinds[index];
      if (slot instanceof ValueSlot && kind !== 'secret') slot.add(segments[index] ?? '', kind);
    }
    if (query !== undefined && template.query !== undefined)
      for (let index = 0; index < query.length; index++) {
        const slot = template.query[index]?.[1];
        if (!(slot instanceof ValueSlot)) continue;
        const [name = '', value = ''] = query[index] ?? [];
        // A value shaped like a credential turns the whole position into a placeholder, from now on.
        if (!keep && isSecretQuery(name, value)) template.query[index] = [name, this.placeholder('query', name)];
        else slot.add(value);
      }
    return template;
  }

  /** `{{env NAME}}` for a secret at `where` named `name`, remembered in {@link secrets}. */
  private placeholder(where: 'query' | 'body', name: string): string {
    const env = secretEnvName(where, name);
    this.secrets.add(env);
    return envPlaceholder(env);
  }

  private createTemplate(
    method: string,
    segments: string[],
    kinds: TemplateKind[],
    query: Array<[string, string]> | undefined,
    record: TrafficRecord,
  ): TemplateState | { problem: string } {
    const keep = this.options.keepSecrets === true;
    const template: TemplateState = {
      id: this.templates.size,
      method,
      segments: segments.map((segment, index) =>
        kinds[index] === 'text' || kinds[index] === 'secret' ? segment : new ValueSlot(),
      ),
      kinds,
      query: query?.map(([name, value]): [string, ValueSlot | string] =>
        !keep && isSecretQuery(name, value) ? [name, this.placeholder('query', name)] : [name, new ValueSlot()],
      ),
      count: 0,
    };
    if (!keep && query?.some(([name]) => isWeakSecretName(name)))
      template.weakQuery = query.map(([name]) => isWeakSecretName(name));
    if (record.headers !== undefined && record.headers.length > scenarioInputCaps.headers)
      return { problem: `more than ${scenarioInputCaps.headers} headers` };
    if (record.headers?.some(([, value]) => value.length > scenarioInputCaps.headerValueChars))
      return { problem: `a header value is over ${scenarioInputCaps.headerValueChars} characters` };
    if (record.headers !== undefined && record.headers.length > 0) {
      const headers: Record<string, string> = {};
      for (const [name, value] of record.headers) {
        // The same check the scenario rules make: an HTTP token as the name, no CR/LF or other control in the value.
        const [wire] = requestWireIssues({ path: '/', headers: { [name]: value } });
        if (wire !== undefined)
          return { problem: 'a header name is not an HTTP token, or its value holds a control character' };
        if (value.includes('{{') || value.includes('}}'))
          return { problem: 'a header value holds "{{" or "}}", which a scenario reads as a placeholder' };
        headers[name] = keep ? value : scrubHeader(name, value, this.secrets);
      }
      template.headers = headers;
    }
    if (record.body !== undefined) {
      const body = this.body(record.body, record.mimeType ?? '', keep);
      if ('problem' in body) return body;
      Object.assign(template, body);
    }
    return template;
  }

  /**
   * The body as the scenario writes it: JSON (by media type) as `json:` data, whose structure may
   * hold `}}` freely (only its strings are templated); anything else as raw `body:` text. Recorded
   * `{{` or `}}` where a placeholder would be read make the record a bad line: checked before
   * scrubbing, so a recorded `{{env X}}` never becomes a placeholder that sends X's value.
   */
  private body(
    text: string,
    mimeType: string,
    keep: boolean,
  ): { body: string } | { json: unknown } | { problem: string } {
    if (text.length > scenarioInputCaps.bodyChars)
      return { problem: `the body is over ${scenarioInputCaps.bodyChars} characters` };
    if (/json/i.test(mimeType)) {
      let parsed: unknown;
      let isJson = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON after all: kept as raw text below.
        isJson = false;
      }
      if (isJson) {
        const depth = jsonDepth(parsed, 0);
        if (depth > MAX_BODY_DEPTH) return { problem: `the JSON body is nested deeper than ${MAX_BODY_DEPTH}` };
        if (depth === -1)
          return { problem: 'the JSON body holds "{{" or "}}" in a string, which a scenario reads as a placeholder' };
        return { json: keep ? parsed : scrubJson(parsed, this.secrets) };
      }
    }
    if (text.includes('{{') || text.includes('}}'))
      return { problem: 'the body holds "{{" or "}}", which a scenario reads as a placeholder' };
    if (keep) return { body: text };
    if (/x-www-form-urlencoded/i.test(mimeType) || looksLikeForm(text)) return { body: scrubForm(text, this.secrets) };
    if (/multipart\//i.test(mimeType) || text.startsWith('--')) {
      const scrubbed = scrubMultipart(text, mimeType, this.secrets);
      if (scrubbed !== undefined) return { body: scrubbed };
    }
    return { body: scrubText(text, this.secrets) };
  }

  private keepArrival(record: TrafficRecord, id: number): void {
    const index = this.used - 1;
    if (index >= this.times.length) {
      const times = new Float64Array(this.times.length * 2);
      times.set(this.times);
      this.times = times;
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    this.times[index] = record.timeMs;
    this.ids[index] = id;
    if (!record.wholeSeconds) this.wholeSeconds = false;
  }

  /** Templates by count, heaviest first (ties: first seen first). */
  templateSummaries(): Array<TemplateSummary & { id: number }> {
    return [...this.templates.values()]
      .sort((a, b) => b.count - a.count || a.id - b.id)
      .map((template) => {
        let path = `/${template.segments.map((slot) => (typeof slot === 'string' ? slot : slot.render())).join('/')}`;
        if (template.query !== undefined)
          path += `?${template.query.map(([name, slot]) => `${name}=${typeof slot === 'string' ? slot : slot.render()}`).join('&')}`;
        const summary: TemplateSummary & { id: number } = {
          id: template.id,
          method: template.method,
          path,
          count: template.count,
        };
        if (template.headers !== undefined) summary.headers = template.headers;
        if (template.body !== undefined) summary.body = template.body;
        if (template.json !== undefined) summary.json = template.json;
        return summary;
      });
  }

  /**
   * Arrivals sorted by time, relative to `originMs`. Logs that record whole seconds get each second's
   * arrivals spread evenly over it (k of n at (k + ½)/n s), instead of a burst at its start.
   */
  arrivals(originMs: number): Arrivals {
    const count = this.used;
    const times = this.times;
    let sorted = true;
    for (let i = 1; i < count && sorted; i++) sorted = (times[i] ?? 0) >= (times[i - 1] ?? 0);
    // Logs are nearly always in time order already: then no index array is built or sorted.
    let order: Uint32Array | undefined;
    if (!sorted) {
      order = new Uint32Array(count);
      for (let i = 0; i < count; i++) order[i] = i;
      order.sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || a - b);
    }
    const offsetsMs = new Float64Array(count);
    const templateIds = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const at = order === undefined ? i : (order[i] ?? 0);
      offsetsMs[i] = (times[at] ?? 0) - originMs;
      templateIds[i] = this.ids[at] ?? -1;
    }
    if (this.wholeSeconds) {
      let start = 0;
      while (start < count) {
        let end = start;
        while (end < count && offsetsMs[end] === offsetsMs[start]) end++;
        const n = end - start;
        for (let k = 0; k < n; k++) offsetsMs[start + k] = (offsetsMs[start + k] ?? 0) + ((k + 0.5) / n) * 1000;
        start = end;
      }
    }
    return { offsetsMs, templateIds };
  }
}
