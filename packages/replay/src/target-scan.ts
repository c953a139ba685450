/**
 * The import's hot path: one left-to-right pass over an origin-form target (`/a/12?x=1`) that finds
 * its path segments and query pairs, classifies each segment as {@link classifySegment} would, and
 * hashes the request's shape (literal segments, id kinds, query names), writing positions into
 * reused typed arrays. It allocates nothing per line; {@link TrafficSummary} uses the hash to find
 * the template and compares the literal parts in place. Targets the scan does not take (absolute
 * form, characters {@link encodeUnsafe} would change, very many segments or pairs) go to the general
 * path (`splitTarget`), so behaviour is the same either way.
 */
import type { SegmentKind } from './path-template.js';

/** Segment kinds as small numbers (index into {@link kindNames}). */
export const KIND_TEXT = 0;
export const KIND_INT = 1;
export const KIND_UUID = 2;
export const KIND_HEX = 3;
export const kindNames: readonly SegmentKind[] = ['text', 'int', 'uuid', 'hex'];

/** Most segments or query pairs the scan takes; longer targets use the general path. */
const MAX_PARTS = 64;
/**
 * Segments and query values this long could be shaped like a credential (secret-rules.ts: none is
 * shorter than 16 characters): unless they are a UUID or a hex id too short to be a key, the general
 * path takes them and judges them. Path parameters (`;jsessionid=`) go there too.
 */
const MAYBE_SECRET = 16;
/** Every credential shape holds a digit, or `.` `:` `%` `+` (a JWT, a bot token, `Bearer%20…`); long words do not. */
const maybeSecret = (size: number, kind: number, hexes: number, digits: number, marks: number): boolean =>
  size >= MAYBE_SECRET && kind !== KIND_UUID && !(hexes === size && size < 32) && (digits > 0 || marks > 0);
const isMark = (code: number): boolean => code === 0x2e || code === 0x3a || code === 0x25 || code === 0x2b;

/** Positions found by the last {@link TargetScan.scan}; valid until the next call. */
export class TargetScan {
  /** Number of path segments (`/` is one empty segment). */
  segments = 0;
  readonly segmentStart = new Int32Array(MAX_PARTS);
  readonly segmentEnd = new Int32Array(MAX_PARTS);
  readonly segmentKind = new Uint8Array(MAX_PARTS);
  /** The segment's value when it is an int (at most 15 digits, so exact). */
  readonly segmentInt = new Float64Array(MAX_PARTS);
  /** -1 when the target has no `?`, else the number of non-empty query pairs. */
  pairs = -1;
  readonly nameStart = new Int32Array(MAX_PARTS);
  readonly nameEnd = new Int32Array(MAX_PARTS);
  /** Value bounds; a pair without `=` has an empty value (start = end). */
  readonly valueStart = new Int32Array(MAX_PARTS);
  readonly valueEnd = new Int32Array(MAX_PARTS);
  readonly valueKind = new Uint8Array(MAX_PARTS);
  readonly valueInt = new Float64Array(MAX_PARTS);
  /** Hash of the method, the shape and the query names (equal shapes hash equal). */
  hash = 0;

  /** Scans `target`; false when the general path must take it. */
  scan(method: string, target: string): boolean {
    if (target.charCodeAt(0) !== 0x2f) return false;
    let hash = 0x811c9dc5;
    for (let i = 0; i < method.length; i++) hash = Math.imul(hash ^ method.charCodeAt(i), 0x01000193);
    hash = Math.imul(hash ^ 0x20, 0x01000193);
    const length = target.length;
    let at = 1;
    let segments = 0;
    // Path: segments up to `?`, `#` or the end.
    for (;;) {
      if (segments === MAX_PARTS) return false;
      const start = at;
      let digits = 0;
      let hexes = 0;
      let dashesAtUuid = 0;
      let marks = 0;
      let value = 0;
      let textHash = 0x811c9dc5;
      let code = 0;
      while (at < length) {
        code = target.charCodeAt(at);
        if (code === 0x2f || code === 0x3f || code === 0x23) break;
        // encodeUnsafe leaves printable ASCII except braces as is; anything else takes the general path.
        if (code < 0x21 || code > 0x7e || code === 0x7b || code === 0x7d || code === 0x3b) return false;
        textHash = Math.imul(textHash ^ code, 0x01000193);
        if (isMark(code)) marks++;
        if (code >= 0x30 && code <= 0x39) {
          digits++;
          hexes++;
          value = value * 10 + (code - 0x30);
        } else if ((code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46)) hexes++;
        else if (code === 0x2d) {
          const offset = at - start;
          if (offset === 8 || offset === 13 || offset === 18 || offset === 23) dashesAtUuid++;
        }
        at++;
      }
      const size = at - start;
      let kind = KIND_TEXT;
      if (digits === size && size >= 1 && size <= 15) kind = KIND_INT;
      else if (size === 36 && dashesAtUuid === 4 && hexes === 32) kind = KIND_UUID;
      else if (size >= 8 && hexes === size && digits > 0) kind = KIND_HEX;
      if (maybeSecret(size, kind, hexes, digits, marks)) return false;
      this.segmentStart[segments] = start;
      this.segmentEnd[segments] = at;
      this.segmentKind[segments] = kind;
      this.segmentInt[segments] = value;
      segments++;
      hash = Math.imul(hash ^ 0x2f, 0x01000193);
      hash = Math.imul(hash ^ (kind === KIND_TEXT ? textHash : kind), 0x01000193);
      if (at >= length || code !== 0x2f) break;
      at++;
    }
    this.segments = segments;
    this.pairs = -1;
    if (at < length && target.charCodeAt(at) === 0x3f) {
      hash = Math.imul(hash ^ 0x3f, 0x01000193);
      let pairs = 0;
      at++;
      while (at < length) {
        const start = at;
        let equals = -1;
        let code = 0;
        while (at < length) {
          code = target.charCodeAt(at);
          if (code === 0x26 || code === 0x23) break;
          if (code < 0x21 || code > 0x7e || code === 0x7b || code === 0x7d) return false;
          if (code === 0x3d && equals === -1) equals = at;
          at++;
        }
        if (at > start) {
          if (pairs === MAX_PARTS) return false;
          const nameEnd = equals === -1 ? at : equals;
          for (let i = start; i < nameEnd; i++) hash = Math.imul(hash ^ target.charCodeAt(i), 0x01000193);
          hash = Math.imul(hash ^ 0x26, 0x01000193);
          this.nameStart[pairs] = start;
          this.nameEnd[pairs] = nameEnd;
          const valueStart = equals === -1 ? at : equals + 1;
          this.valueStart[pairs] = valueStart;
          this.valueEnd[pairs] = at;
          if (!this.classifyValue(target, pairs, valueStart, at)) return false;
          pairs++;
        }
        if (code === 0x23) break;
        at++;
      }
      this.pairs = pairs;
    }
    this.hash = hash;
    return true;
  }

  /** A query value's kind, as {@link classifySegment} gives it; false when the general path must judge it. */
  private classifyValue(target: string, pair: number, start: number, end: number): boolean {
    let digits = 0;
    let hexes = 0;
    let dashesAtUuid = 0;
    let marks = 0;
    let value = 0;
    for (let at = start; at < end; at++) {
      const code = target.charCodeAt(at);
      if (isMark(code)) marks++;
      if (code >= 0x30 && code <= 0x39) {
        digits++;
        hexes++;
        value = value * 10 + (code - 0x30);
      } else if ((code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46)) hexes++;
      else if (code === 0x2d) {
        const offset = at - start;
        if (offset === 8 || offset === 13 || offset === 18 || offset === 23) dashesAtUuid++;
      }
    }
    const size = end - start;
    let kind = KIND_TEXT;
    if (digits === size && size >= 1 && size <= 15) kind = KIND_INT;
    else if (size === 36 && dashesAtUuid === 4 && hexes === 32) kind = KIND_UUID;
    else if (size >= 8 && hexes === size && digits > 0) kind = KIND_HEX;
    this.valueKind[pair] = kind;
    this.valueInt[pair] = value;
    return !maybeSecret(size, kind, hexes, digits, marks);
  }
}
