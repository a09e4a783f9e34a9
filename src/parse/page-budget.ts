/**
 * Page budgets: limits on what one scraped page may cost, checked while the page
 * is parsed, in work linear in the page. A page over any budget is rejected as a
 * whole (`ParseStats.rejected` names the limit and the value); the endpoint is then
 * down for that cycle, as after a failed scrape, and other endpoints are unaffected.
 *
 * The defaults are far above real pages: the largest real page in the fixtures has
 * 464 series of at most 23 labels, names of 24 characters, values of 91 and 23
 * buckets per histogram.
 */

export interface PageLimits {
  /** Sample lines per page (bad ones included); HELP/TYPE lines are counted apart, against the same limit. */
  readonly maxSeriesPerPage: number;
  /** Labels of one sample line (`le` and `quantile` included, the metric name not). */
  readonly maxLabelsPerSeries: number;
  /** Characters (UTF-16 code units) of a label name. */
  readonly maxLabelNameLength: number;
  /**
   * Characters (UTF-16 code units, after unescaping) of a label value. Metric names
   * are bounded by it too: a name is the value of `__name__`, as Prometheus counts it.
   */
  readonly maxLabelValueLength: number;
  /**
   * Buckets of one histogram family: distinct `le` values of its `*_bucket` lines
   * (so also the most buckets any one series of it can have).
   */
  readonly maxBucketsPerHistogram: number;
}

export const DEFAULT_PAGE_LIMITS: PageLimits = Object.freeze({
  maxSeriesPerPage: 200_000,
  maxLabelsPerSeries: 128,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 4096,
  maxBucketsPerHistogram: 1024,
});

/** The configuration key of each limit (under `prometheus_metrics_config`), as named in reasons. */
export const PAGE_LIMIT_KEYS: Readonly<Record<keyof PageLimits, string>> = {
  maxSeriesPerPage: 'max_series_per_page',
  maxLabelsPerSeries: 'max_labels_per_series',
  maxLabelNameLength: 'max_label_name_length',
  maxLabelValueLength: 'max_label_value_length',
  maxBucketsPerHistogram: 'max_buckets_per_histogram',
};

/**
 * Limits from partial settings: missing ones take the default, 0 means no limit
 * (as in Prometheus' scrape limits).
 */
export function pageLimits(settings: Partial<PageLimits> = {}): PageLimits {
  const out = { ...DEFAULT_PAGE_LIMITS };
  for (const key of Object.keys(PAGE_LIMIT_KEYS) as (keyof PageLimits)[]) {
    const v = settings[key];
    if (v !== undefined) out[key] = v === 0 ? Infinity : v;
  }
  return Object.freeze(out);
}

/** `page budget: <value> <what> > <config key> <limit>`. */
export function budgetReason(
  value: number,
  what: string,
  limit: keyof PageLimits,
  limits: PageLimits,
): string {
  return `page budget: ${value} ${what} > ${PAGE_LIMIT_KEYS[limit]} ${limits[limit]}`;
}

const SHOWN_NAME = 128;

/** A metric name as quoted in a reason (names hold only `[a-zA-Z0-9_:]`), cut when long. */
export function shownName(s: string, start: number, end: number): string {
  return end - start > SHOWN_NAME
    ? `${s.slice(start, start + SHOWN_NAME)}…`
    : s.slice(start, end);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}
function isLabelNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95
  );
}

/**
 * Walks the label pairs of the block opening at `open` (a `{`) up to `end`, calling
 * `pair` with the name range, the raw value range and the unescaped value length;
 * `pair` returns false to stop. Stops quietly at the first syntax error: the line is
 * judged later by `parseSeriesText`, this walk only measures.
 */
export function walkLabels(
  s: string,
  open: number,
  end: number,
  pair: (
    nameStart: number,
    nameEnd: number,
    valueStart: number,
    valueEnd: number,
    valueLength: number,
  ) => boolean,
): void {
  let i = open + 1;
  for (;;) {
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (i >= end) return;
    const nameStart = i;
    while (i < end && isLabelNameChar(s.charCodeAt(i))) i++;
    const nameEnd = i;
    if (nameEnd === nameStart) return; // `}` or a syntax error
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 61 /* = */) return;
    i++;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 34 /* " */) return;
    i++;
    const valueStart = i;
    let length = 0;
    for (;;) {
      if (i >= end) return;
      const c = s.charCodeAt(i);
      if (c === 34) break;
      i += c === 92 /* \ */ ? 2 : 1;
      length++;
    }
    if (!pair(nameStart, nameEnd, valueStart, i, length)) return;
    i++;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 44 /* , */) return;
    i++;
  }
}

/**
 * The smallest series text that can exceed a label budget: shorter series texts
 * need no scan. A label is at least `a=""` plus a comma; a name or value longer than
 * its limit needs at least that many characters.
 */
export function labelScanThreshold(limits: PageLimits): number {
  return Math.min(
    limits.maxLabelNameLength,
    limits.maxLabelValueLength,
    5 * limits.maxLabelsPerSeries + 6,
  );
}

/**
 * Checks the label block of the series text `[nameEnd, end)` of metric `[start, nameEnd)`
 * against the label budgets. Returns the reason, or undefined. Linear in the text.
 */
export function labelBudgetReason(
  s: string,
  start: number,
  nameEnd: number,
  end: number,
  limits: PageLimits,
): string | undefined {
  let i = nameEnd;
  while (i < end && isBlank(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 123 /* { */ || i >= end) return undefined;
  let count = 0;
  let reason: string | undefined;
  walkLabels(s, i, end, (ns, ne, _vs, _ve, length) => {
    count++;
    if (reason !== undefined) return true;
    if (ne - ns > limits.maxLabelNameLength) {
      reason = budgetReason(
        ne - ns,
        `characters in a label name of ${shownName(s, start, nameEnd)}`,
        'maxLabelNameLength',
        limits,
      );
    } else if (length > limits.maxLabelValueLength) {
      reason = budgetReason(
        length,
        `characters in label value ${shownName(s, ns, ne)} of ${shownName(s, start, nameEnd)}`,
        'maxLabelValueLength',
        limits,
      );
    }
    return true;
  });
  if (count > limits.maxLabelsPerSeries) {
    return budgetReason(
      count,
      `labels in a series of ${shownName(s, start, nameEnd)}`,
      'maxLabelsPerSeries',
      limits,
    );
  }
  return reason;
}

/**
 * Counts the sample lines and the HELP/TYPE lines of a page when it has more lines
 * than `maxSeriesPerPage` (a cheap newline count otherwise), before anything of the
 * page is handed on. Returns the reason when either count is over the limit.
 */
export function seriesBudgetReason(
  body: string,
  limits: PageLimits,
): string | undefined {
  const max = limits.maxSeriesPerPage;
  // A counted line takes a character and a newline (the last one no newline).
  if (body.length <= max) return undefined;
  let lines = 1;
  for (let nl = body.indexOf('\n'); nl >= 0; nl = body.indexOf('\n', nl + 1)) {
    if (++lines > max) break;
  }
  if (lines <= max) return undefined;
  let samples = 0;
  let metadata = 0;
  const len = body.length;
  let pos = 0;
  while (pos < len) {
    let nl = body.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let i = pos;
    pos = nl + 1;
    while (i < nl && isBlank(body.charCodeAt(i))) i++;
    const c = body.charCodeAt(i);
    if (i >= nl || (c === 13 && i === nl - 1)) continue;
    if (c !== 35 /* # */) {
      samples++;
      continue;
    }
    i++;
    while (i < nl && isBlank(body.charCodeAt(i))) i++;
    if (body.startsWith('HELP', i) || body.startsWith('TYPE', i)) metadata++;
  }
  if (samples > max)
    return budgetReason(samples, 'series', 'maxSeriesPerPage', limits);
  if (metadata > max)
    return budgetReason(
      metadata,
      'HELP/TYPE lines',
      'maxSeriesPerPage',
      limits,
    );
  return undefined;
}

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
