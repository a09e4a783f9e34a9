import type { LabelPair } from '../parse/label-block.js';
import type { HistGroup, Series } from '../aggregate/catalog.types.js';
import { labelText } from './escape.js';

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
  s: Series,
  viewIndex: number,
  injected: readonly string[],
): readonly LabelPair[] {
  let cached = s.viewLabels[viewIndex];
  if (!cached) {
    cached = renameCollisions(s.labels, injected, s.lead?.[0]);
    s.viewLabels[viewIndex] = cached;
  }
  return cached;
}

/** Escaped label text of a series in a view (engine labels only, no braces). */
export function seriesLabelText(
  s: Series,
  viewIndex: number,
  injected: readonly string[],
): string {
  let cached = s.viewText[viewIndex];
  if (cached === undefined) {
    cached = labelText(seriesLabels(s, viewIndex, injected));
    s.viewText[viewIndex] = cached;
  }
  return cached;
}

export function histLabels(
  g: HistGroup,
  viewIndex: number,
  injected: readonly string[],
): readonly LabelPair[] {
  let cached = g.viewLabels[viewIndex];
  if (!cached) {
    cached = renameCollisions(g.labels, injected, undefined);
    g.viewLabels[viewIndex] = cached;
  }
  return cached;
}
