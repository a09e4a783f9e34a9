import type { LabelPair } from '../parse/label-block.js';
import type { Family } from './catalog.types.js';
import {
  CANONICAL_FAMILIES,
  type CanonicalFamily,
  type CanonicalFeed,
} from './metric-semantics.js';
import { CANON_UNRESOLVED } from './series-codes.js';
import { byName } from './series-names.js';
import type { FamilySemantics } from './family-semantics.js';

/**
 * The canonical `motor:` families (§3.2) as the catalog interns them: an engine
 * series becomes a template (its labels without rank labels and without the
 * engine's `model_name` / `name`), and the template plus the registry's
 * `model_name` of an endpoint is the canonical series.
 */

/** The table entry of canonical family `name`, if it is one. */
export function canonicalSpec(name: string): CanonicalFamily | undefined {
  return CANONICAL_FAMILIES.find((f) => f.name === name);
}

export function canonicalSemantics(spec: CanonicalFamily): FamilySemantics {
  return {
    reduction: spec.reduction,
    scope: spec.scope,
    quantiles: spec.quantiles,
    maxInto: spec.maxInto,
    tokens: spec.tokens,
    prefixCache:
      spec.prefixCache === 'hits'
        ? 'v1_hits'
        : spec.prefixCache === 'queries'
          ? 'v1_queries'
          : undefined,
  };
}

/** A template's labels: the merged labels less the engine's model names, plus the feed's own. */
export function templateLabels(
  merged: readonly LabelPair[],
  feed: CanonicalFeed,
): LabelPair[] {
  const labels: LabelPair[] = merged.filter(
    ([n]) => n !== 'model_name' && n !== 'name',
  );
  for (const pair of feed.addLabels ?? []) {
    if (!labels.some(([n]) => n === pair[0])) labels.push([pair[0], pair[1]]);
  }
  labels.sort(byName);
  return labels;
}

/** The sample name in the canonical family (`_bucket`, `_sum`, `_count` kept for histograms). */
export function templateSampleName(
  family: Family,
  target: Family,
  name: string,
): string {
  const suffix =
    target.type === 'histogram' ? name.slice(family.name.length) : '';
  return target.name + suffix;
}

/** A template's labels with the registry's model name (none when the registry has none). */
export function withModelName(
  labels: readonly LabelPair[],
  modelName: string,
): readonly LabelPair[] {
  return modelName === ''
    ? labels
    : [...labels, ['model_name', modelName] as LabelPair].sort(byName);
}

/** A model's sid → canonical mid table grown to `size`, new sids not worked out yet. */
export function grownCanonTable(
  table: Int32Array | undefined,
  size: number,
): Int32Array {
  const grown = new Int32Array(size);
  grown.fill(CANON_UNRESOLVED);
  if (table) grown.set(table);
  return grown;
}
