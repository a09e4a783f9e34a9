import { isBlank, isBucketName, isNameChar } from './exposition-chars.js';
import { walkLabels } from './label-budget.js';
import { budgetReason, shownName, type PageLimits } from './page-budget.js';

/** "Not found up to the end of the page" (a small integer, past any string's end). */
const NONE_LEFT = 0x3fffffff;

/** The `le` values of one histogram family seen so far on a page. */
interface FamilyBounds {
  /** Every `le` seen is in here (as written); duplicates only when written out of order. */
  readonly bounds: string[];
  /** Position in `bounds` of the next `le` expected when the series repeats the first one's. */
  next: number;
  /** The distinct values, once `bounds` has grown past the limit. */
  exact: Set<string> | undefined;
}

/**
 * Counts the distinct `le` values of each histogram family of a page (by the name of
 * its `*_bucket` series): the buckets of the histogram, whatever the number of its
 * series and the order of their labels, and so a bound on the buckets of any one
 * series. Kept off the hot path:
 * - while the page has no more bucket lines than the limit, no histogram can be over
 *   it: lines are only recorded (three integers), and counted when the page goes over;
 * - a line's name is compared with the previous one's (families come in one piece),
 *   a map is consulted only when it changes;
 * - the series of a family repeat the same bounds, so a line's bound is compared
 *   with the one expected next; only a family with more bounds written than the
 *   limit pays for a set;
 * - `le="` is searched with `indexOf` from where the last search ended, so the
 *   searches cover the page once.
 */
export class BucketBudget {
  /** While ≥ 0, the bucket lines recorded: (start, name end, end). */
  private recordedLines = 0;
  private recorded = new Int32Array(48);
  private nextLe = -1;
  /** The current family: its name and its bounds. */
  private name = '';
  private family: FamilyBounds = { bounds: [], next: 0, exact: undefined };
  private families: Map<string, FamilyBounds> | undefined;

  constructor(private readonly limits: PageLimits) {}

  /**
   * One `*_bucket` line: series text `[start, end)` of `s` (the same page for every
   * call, lines in page order), metric name ending at `nameEnd`. Returns the reason
   * when its histogram now has more buckets than allowed.
   */
  add(
    s: string,
    start: number,
    nameEnd: number,
    end: number,
  ): string | undefined {
    const n = this.recordedLines;
    if (n < 0) return this.count(s, start, nameEnd, end);
    if (n < this.limits.maxBucketsPerHistogram) {
      let r = this.recorded;
      if (3 * n + 3 > r.length) {
        r = new Int32Array(r.length * 2);
        r.set(this.recorded);
        this.recorded = r;
      }
      r[3 * n] = start;
      r[3 * n + 1] = nameEnd;
      r[3 * n + 2] = end;
      this.recordedLines = n + 1;
      return undefined;
    }
    // More bucket lines than the limit: count the recorded ones, then each as it comes.
    const r = this.recorded;
    this.recordedLines = -1;
    this.recorded = new Int32Array(0);
    for (let i = 0; i < 3 * n; i += 3) {
      const reason = this.count(s, r[i]!, r[i + 1]!, r[i + 2]!);
      if (reason !== undefined) return reason;
    }
    return this.count(s, start, nameEnd, end);
  }

  private count(
    s: string,
    start: number,
    nameEnd: number,
    end: number,
  ): string | undefined {
    let vs = this.findBound(s, nameEnd, end);
    let ve = vs;
    if (vs >= 0) {
      while (ve < end && isBoundChar(s.charCodeAt(ve))) ve++;
      if (s.charCodeAt(ve) !== 34) vs = -1;
    }
    let slow: string | undefined;
    if (vs < 0) {
      // Not written the plain way (blanks around `=`, odd characters): walk the labels.
      slow = boundOf(s, nameEnd, end);
      if (slow === undefined) return undefined; // no `le`: a bad line, not a bucket
    }
    const name = s.slice(start, nameEnd);
    if (name !== this.name) this.switchTo(name);
    const le = slow ?? s.slice(vs, ve);
    const f = this.family;
    const { bounds } = f;
    if (f.exact === undefined) {
      const k = f.next;
      if (k < bounds.length && bounds[k] === le) {
        f.next = k + 1;
        return undefined;
      }
      if (bounds.length > 0 && bounds[0] === le) {
        f.next = 1; // the next series of the family
        return undefined;
      }
      bounds.push(le);
      f.next = bounds.length;
      if (bounds.length <= this.limits.maxBucketsPerHistogram) return undefined;
      f.exact = new Set(bounds);
    } else {
      f.exact.add(le);
    }
    const distinct = f.exact.size;
    if (distinct <= this.limits.maxBucketsPerHistogram) return undefined;
    return budgetReason(
      distinct,
      `buckets (distinct le) in histogram ${shownName(s, start, nameEnd - 7)}`,
      'maxBucketsPerHistogram',
      this.limits,
    );
  }

  /** Where the value of `{le="` / `,le="` in `[from, end)` starts, or -1. */
  private findBound(s: string, from: number, end: number): number {
    let at = this.nextLe;
    if (at < from) at = s.indexOf('le="', from);
    for (;;) {
      if (at < 0) at = NONE_LEFT;
      if (at >= end) break;
      const c = s.charCodeAt(at - 1);
      if (c === 44 || c === 123) break;
      at = s.indexOf('le="', at + 1);
    }
    this.nextLe = at;
    return at < end ? at + 4 : -1;
  }

  private switchTo(name: string): void {
    if (this.name !== '') {
      this.families ??= new Map();
      this.families.set(this.name, this.family);
    }
    this.name = name;
    this.family = this.families?.get(name) ?? {
      bounds: [],
      next: 0,
      exact: undefined,
    };
  }
}

/** Characters of a number as written in `le` (digits, letters of Inf/NaN/e, `.`, `+`, `-`). */
function isBoundChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    c === 46 ||
    c === 43 ||
    c === 45
  );
}

/** The raw value of the `le` label, found by walking the label block. */
function boundOf(s: string, nameEnd: number, end: number): string | undefined {
  let i = nameEnd;
  while (i < end && isBlank(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 123 || i >= end) return undefined;
  let bound: string | undefined;
  walkLabels(s, i, end, (ns, ne, vs, ve) => {
    if (ne - ns !== 2 || !s.startsWith('le', ns)) return true;
    bound = s.slice(vs, ve);
    return false;
  });
  return bound;
}

/**
 * Hands the bucket lines of `body` before `until` to `buckets`, found the quick way
 * (name up to the first `{` or blank, series up to the line's last `}`): lines the
 * walk of the page skipped as bad can only add to the count.
 */
export function countBucketsBefore(
  body: string,
  until: number,
  buckets: BucketBudget,
): string | undefined {
  let pos = 0;
  while (pos < until) {
    let nl = body.indexOf('\n', pos);
    if (nl < 0 || nl > until) nl = until;
    let start = pos;
    pos = nl + 1;
    while (start < nl && isBlank(body.charCodeAt(start))) start++;
    if (start >= nl || body.charCodeAt(start) === 35 /* # */) continue;
    let nameEnd = start;
    while (nameEnd < nl && isNameChar(body.charCodeAt(nameEnd))) nameEnd++;
    if (!isBucketName(body, start, nameEnd)) continue;
    let end = nl;
    while (end > nameEnd && body.charCodeAt(end - 1) !== 125 /* } */) end--;
    if (end === nameEnd) continue; // no label block: no `le`, no bucket
    const reason = buckets.add(body, start, nameEnd, end);
    if (reason !== undefined) return reason;
  }
  return undefined;
}
