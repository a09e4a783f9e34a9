import type { MetricType } from '../parse/exposition-parser.js';
import type { LabelPair } from '../parse/label-block.js';
import type { PrefixCachePart } from './metric-semantics.js';
import type { FamilySemantics } from './family-semantics.js';

/**
 * What the catalog interns: families, merged series (mids) and the histogram /
 * summary groups they form. Append-only, so an older snapshot can keep reading them.
 */

export interface Family {
  readonly id: number;
  readonly name: string;
  readonly type: MetricType;
  help: string | undefined;
  readonly sem: FamilySemantics;
  /** Computed by the coordinator (quantile gauges, max, hit rate, motor:*). */
  readonly derived: boolean;
  readonly mids: number[];
  /** Series used to keep a declared but empty family visible (value 0), or -1. */
  zeroMid: number;
  /** Derived gauges `_p50`, `_p95`, `_p99`, `_mean` (histograms with quantiles). */
  readonly quantileFamilies: (Family | undefined)[];
  maxFamily: Family | undefined;
  /** `# TYPE x counter` written with `x_total` samples: the family that took them. */
  alias: Family | undefined;
  /** The canonical `motor:` family this engine family feeds (§3.2). */
  canonical: Family | undefined;
  /**
   * A plain family named like a sample of a histogram or summary (`x_sum` beside
   * histogram `x`): the histogram or summary wins, this one is never served.
   */
  clashed: boolean;
}

export interface HistGroup {
  readonly id: number;
  readonly family: Family;
  /** Labels without `le` / `quantile`. */
  readonly labels: readonly LabelPair[];
  readonly buckets: Series[];
  sum: Series | undefined;
  count: Series | undefined;
  readonly quantiles: Series[];
  /** p50, p95, p99, mean series (may hold undefined when a name was taken). */
  readonly derived: (Series | undefined)[];
  /** `buckets` is sorted by bound (sorting is deferred: a page may add thousands at once). */
  sorted: boolean;
  /** The `+Inf` bucket, once seen: the count of sources every other bucket must match (S4). */
  inf: Series | undefined;
}

export interface Series {
  readonly id: number;
  readonly family: Family;
  readonly name: string;
  /** Canonical labels sorted by name; `le` / `quantile` included for buckets / summary quantiles. */
  readonly labels: readonly LabelPair[];
  readonly kind: number;
  /** `le` of a bucket or `quantile` of a summary series, NaN otherwise. */
  readonly bound: number;
  readonly hist: HistGroup | undefined;
  /** Label printed first (the `quantile` label of derived quantile gauges). */
  readonly lead: LabelPair | undefined;
  readonly reduction: number;
}

export interface PrefixPair {
  readonly index: number;
  readonly parts: Partial<Record<PrefixCachePart, number>>;
  readonly rate: number;
}

/** A series that also feeds a canonical family, before the registry's `model_name` is added. */
export interface CanonicalTemplate {
  readonly family: Family;
  readonly name: string;
  readonly labels: readonly LabelPair[];
  readonly kind: number;
  readonly bound: number;
  /** A family whose presence on the same page disables this feed (a deprecated alias). */
  readonly unlessPageHas: string | undefined;
}

export interface CatalogOptions {
  /** R1 rank labels, removed before merging. */
  readonly rankLabels?: readonly string[];
}
