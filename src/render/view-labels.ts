import type { LabelPair } from '../parse/label-block.js';
import type { HistGroup, Series } from '../aggregate/catalog.types.js';
import { labelText } from './escape.js';
import type { ViewLabelCache } from './label-cache.js';

/**
 * An engine's own labels as a view prints them: a label the view injects (or the
 * `quantile` label of a derived quantile gauge) is renamed `exported_<name>`, as
 * Prometheus does on a scrape, so no line ever holds a label twice.
 */
export function renameCollisions(
  labels: readonly LabelPair[],
  injected: readonly string[],
  lead: string | undefined,
): readonly LabelPair[] {
  const reserved = new Set(injected);
  if (lead !== undefined) reserved.add(lead);
  if (!labels.some(([n]) => reserved.has(n))) return labels;
  const taken = new Set(labels.map(([n]) => n));
  for (const n of reserved) taken.add(n);
  return labels.map(([n, v]): LabelPair => {
    if (!reserved.has(n)) return [n, v];
    let renamed = `exported_${n}`;
    while (taken.has(renamed)) renamed = `exported_${renamed}`;
    taken.add(renamed);
    return [renamed, v];
  });
}

export function seriesLabels(
  cache: ViewLabelCache,
  s: Series,
): readonly LabelPair[] {
  let cached = cache.seriesLabels[s.id];
  if (!cached) {
    cached = renameCollisions(s.labels, cache.injected, s.lead?.[0]);
    cache.seriesLabels[s.id] = cached;
  }
  return cached;
}

/** Escaped label text of a series in a view (engine labels only, no braces). */
export function seriesLabelText(cache: ViewLabelCache, s: Series): string {
  let cached = cache.seriesText[s.id];
  if (cached === undefined) {
    cached = labelText(seriesLabels(cache, s));
    cache.seriesText[s.id] = cached;
  }
  return cached;
}

export function histLabels(
  cache: ViewLabelCache,
  g: HistGroup,
): readonly LabelPair[] {
  let cached = cache.histLabels[g.id];
  if (!cached) {
    cached = renameCollisions(g.labels, cache.injected, undefined);
    cache.histLabels[g.id] = cached;
  }
  return cached;
}
