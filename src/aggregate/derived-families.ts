import type { LabelPair } from '../parse/label-block.js';
import type { Family } from './catalog.types.js';
import {
  DERIVED_HELP,
  DERIVED_PREFIX_HIT_RATE,
  MEAN_SUFFIX,
  QUANTILES,
} from './metric-semantics.js';
import type { FamilySemantics } from './family-semantics.js';

/**
 * The gauges the coordinator computes from an engine (or canonical) family:
 * windowed quantiles and mean of a histogram, the max companion of a gauge, the
 * prefix cache hit rate. Names and help texts only; the catalog interns them.
 */

export interface DerivedGauge {
  readonly name: string;
  readonly help: string;
  readonly reduction: 'sum' | 'max';
}

/** How every derived gauge merges apart from its reduction: fed by all roles, no quantiles. */
export function derivedSemantics(reduction: 'sum' | 'max'): FamilySemantics {
  return { reduction, scope: 'all', quantiles: false };
}

/** `_p50`, `_p95`, `_p99` then `_mean` of a histogram with quantiles; none otherwise. */
export function quantileGauges(family: Family): DerivedGauge[] {
  if (!family.sem.quantiles || family.type !== 'histogram') return [];
  const gauges: DerivedGauge[] = QUANTILES.map((q) => ({
    name: family.name + q.suffix,
    help: `${q.q * 100}th percentile of ${family.name} over the quantile window, interpolated from the increase of the merged buckets like histogram_quantile().`,
    reduction: 'sum',
  }));
  gauges.push({
    name: family.name + MEAN_SUFFIX,
    help: `Mean of ${family.name} over the quantile window: Δ_sum / Δ_count of the merged series.`,
    reduction: 'sum',
  });
  return gauges;
}

/** The label printed first on quantile gauge `i` of `quantileGauges` (none on the mean). */
export function quantileLead(i: number): LabelPair | undefined {
  const q = QUANTILES[i];
  return q ? ['quantile', String(q.q)] : undefined;
}

/** The `*_max` gauge a family feeds (the largest value among the merged sources). */
export function maxGauge(family: Family): DerivedGauge | undefined {
  const name = family.sem.maxInto;
  if (!name) return undefined;
  return { name, help: DERIVED_HELP[name] ?? '', reduction: 'max' };
}

/** The hit rate an engine's prefix cache counters feed (canonical ones feed a ratio instead). */
export function hitRateGauge(family: Family): DerivedGauge | undefined {
  if (!family.sem.prefixCache || family.derived) return undefined;
  return {
    name: DERIVED_PREFIX_HIT_RATE,
    help: DERIVED_HELP[DERIVED_PREFIX_HIT_RATE]!,
    reduction: 'sum',
  };
}
