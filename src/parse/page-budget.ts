/**
 * Page budgets: limits on what one scraped page may cost, checked while the page
 * is parsed, in work linear in the page. A page over any budget is rejected as a
 * whole (`ParseStats.rejected` names the limit and the value); the endpoint is then
 * down for that cycle, as after a failed scrape, and other endpoints are unaffected.
 *
 * The defaults are far above real pages: the largest real page in the fixtures has
 * 464 series of at most 23 labels, names of 24 characters, values of 91 and 23
 * buckets per histogram.
 *
 * This file defines the limits and how a reason names them; the checks are
 * series-budget.ts (lines per page), label-budget.ts (labels of a line) and
 * bucket-budget.ts (buckets per histogram).
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
