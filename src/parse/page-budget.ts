/**
 * Page budgets: limits on what one scraped page may cost, checked while the page
 * is parsed, in work linear in the page. A page over any budget is rejected as a
 * whole (`ParseStats.rejected` names the limit and the value); the endpoint is then
 * down for that cycle, as after a failed scrape, and other endpoints are unaffected.
 *
 * The defaults are far above real pages: the largest real page in the fixtures has
 * 464 series of at most 23 labels, names of 24 characters, values of 91 and 23
 * buckets per histogram series.
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
  /** Bucket lines of one histogram series (a `*_bucket` series written with the same labels but `le`). */
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

/**
 * Counts the bucket lines of each histogram series of a page, a series being the
 * series text without its `le` pair (labels as written, in the order written). Pages
 * write the buckets of a series one after the other, so a run of one series costs a
 * string comparison per line and one map update per run.
 */
export class BucketBudget {
  private key = '';
  private count = 0;
  private counts: Map<string, number> | undefined;

  constructor(private readonly limits: PageLimits) {}

  /**
   * One `*_bucket` line: series text `[start, end)`, metric name ending at `nameEnd`.
   * Returns the reason when the series now has more buckets than allowed.
   */
  add(
    s: string,
    start: number,
    nameEnd: number,
    end: number,
  ): string | undefined {
    // Fast path: `le` is the last label, written `,le="<number>"}` or `{le="<number>"}`.
    let keyEnd = -1;
    if (s.charCodeAt(end - 1) === 125 && s.charCodeAt(end - 2) === 34) {
      let v = end - 3;
      while (v > nameEnd && isBoundChar(s.charCodeAt(v))) v--;
      if (
        s.charCodeAt(v) === 34 &&
        s.charCodeAt(v - 1) === 61 &&
        s.charCodeAt(v - 2) === 101 /* e */ &&
        s.charCodeAt(v - 3) === 108 /* l */ &&
        (s.charCodeAt(v - 4) === 44 || s.charCodeAt(v - 4) === 123)
      ) {
        keyEnd = v - 3;
      }
    }
    let count: number;
    if (
      keyEnd >= 0 &&
      keyEnd - start === this.key.length &&
      s.startsWith(this.key, start)
    ) {
      count = ++this.count;
    } else {
      const key =
        keyEnd >= 0 ? s.slice(start, keyEnd) : slowKey(s, start, nameEnd, end);
      count = key === this.key ? ++this.count : this.switchTo(key);
    }
    if (count <= this.limits.maxBucketsPerHistogram) return undefined;
    return budgetReason(
      count,
      `buckets in a series of ${shownName(s, start, nameEnd)}`,
      'maxBucketsPerHistogram',
      this.limits,
    );
  }

  private switchTo(key: string): number {
    if (this.key !== '') {
      this.counts ??= new Map();
      this.counts.set(this.key, this.count);
    }
    this.key = key;
    this.count = (this.counts?.get(key) ?? 0) + 1;
    return this.count;
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

/** The series text without its `le` pair, found by walking the label block. */
function slowKey(
  s: string,
  start: number,
  nameEnd: number,
  end: number,
): string {
  let i = nameEnd;
  while (i < end && isBlank(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 123 || i >= end) return s.slice(start, end);
  let cutStart = -1;
  let cutEnd = -1;
  walkLabels(s, i, end, (ns, ne, _vs, ve) => {
    if (ne - ns !== 2 || !s.startsWith('le', ns)) return true;
    cutStart = ns;
    cutEnd = ve + 1;
    return false;
  });
  if (cutStart < 0) return s.slice(start, end);
  // The same key as the fast path's when `le` is last (`…,` with the `}` left out).
  let rest = cutEnd;
  while (rest < end && isBlank(s.charCodeAt(rest))) rest++;
  if (s.charCodeAt(rest) === 44) rest++;
  while (rest < end && isBlank(s.charCodeAt(rest))) rest++;
  if (rest === end - 1 && s.charCodeAt(rest) === 125)
    return s.slice(start, cutStart);
  return s.slice(start, cutStart) + s.slice(cutEnd, end);
}
