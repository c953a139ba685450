/**
 * Path templating: ids in recorded paths become placeholders, so the mix is a handful of request
 * kinds with weights instead of one entry per distinct URL. A path segment that is a number becomes
 * `{{int MIN MAX}}` over the values seen, a UUID `{{uuid}}`, a hex id (8+ hex digits with at least one
 * digit, such as a Mongo ObjectId or a SHA) `{{pick …}}` of up to 16 recorded values. Query values
 * are templated the same way, and other query values become a `{{pick}}` of recorded values.
 */

export type SegmentKind = 'int' | 'uuid' | 'hex' | 'text';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT = /^\d{1,15}$/;
const HEX = /^[0-9a-f]{8,}$/i;
const HAS_DIGIT = /\d/;

export function classifySegment(segment: string): SegmentKind {
  if (INT.test(segment)) return 'int';
  if (segment.length === 36 && UUID.test(segment)) return 'uuid';
  if (HEX.test(segment) && HAS_DIGIT.test(segment)) return 'hex';
  return 'text';
}

/** Recorded values kept for a `{{pick}}`. */
export const PICK_LIMIT = 16;

/** What one templated position (a path segment or a query value) has seen. */
export class ValueSlot {
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private ints = 0;
  private uuids = 0;
  private others = 0;
  private readonly values = new Set<string>();

  add(value: string, kind: SegmentKind = classifySegment(value)): void {
    if (kind === 'int') {
      const n = Number(value);
      // Leading zeros (`007`) would not round-trip through {{int}}: keep them as recorded values.
      if (String(n) === value) {
        this.ints++;
        if (n < this.min) this.min = n;
        if (n > this.max) this.max = n;
        if (this.values.size < PICK_LIMIT) this.values.add(value);
        return;
      }
    }
    if (kind === 'uuid') this.uuids++;
    else this.others++;
    if (this.values.size < PICK_LIMIT) this.values.add(value);
  }

  /** Whether {@link add} would still keep a new value, so a caller scanning in place must cut the value's text. */
  get keepsValues(): boolean {
    return this.values.size < PICK_LIMIT;
  }

  /**
   * {@link add} for a value scanned in place once {@link keepsValues} is false (no text needed then):
   * `int` is the value when `kind` is int, `canonical` false when it has leading zeros.
   */
  addScanned(kind: SegmentKind, int: number, canonical: boolean): void {
    if (kind === 'int' && canonical) {
      this.ints++;
      if (int < this.min) this.min = int;
      if (int > this.max) this.max = int;
    } else if (kind === 'uuid') this.uuids++;
    else this.others++;
  }

  /** The template text for this position. */
  render(): string {
    if (this.uuids > 0 && this.ints === 0 && this.others === 0) return '{{uuid}}';
    if (this.ints > 0 && this.uuids === 0 && this.others === 0)
      return this.min === this.max ? String(this.min) : `{{int ${this.min} ${this.max}}}`;
    // An empty value cannot be a {{pick}} word (words are split on spaces).
    const values = [...this.values].filter((value) => value !== '');
    if (values.length <= 1) return values[0] ?? '';
    return `{{pick ${values.join(' ')}}}`;
  }
}
