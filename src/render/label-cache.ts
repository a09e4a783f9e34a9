import type { SeriesCatalog } from '../aggregate/series-catalog.js';
import type { LabelPair } from '../parse/label-block.js';

/** Pieces of a text line: `prefix` + group labels + `suffix` + value, or `bare` + value. */
export interface SeriesPieces {
  /** `name{` and the lead label with its comma, when the group has labels. */
  readonly prefix: string;
  /** `,own="labels"} ` (or `} `), when the group has labels. */
  readonly suffix: string;
  /** The whole head (`name{lead,own} ` or `name `) for a group without labels. */
  readonly bare: string;
  /** All pieces are ASCII (written as latin1, no UTF-8 encoding pass). */
  readonly ascii: boolean;
}

/**
 * What one view prints for the series and histogram groups of one catalog, worked
 * out on a series' first render and kept as long as the catalog: arrays indexed by
 * mid (`series*`) or histogram group id (`hist*`). The catalog only ever appends,
 * so an id keeps its entry; before a render the arrays it fills are grown to the
 * catalog's size, since a write far past an array's end would make it a slow
 * dictionary.
 */
export class ViewLabelCache {
  /** Own labels, a label the view injects renamed `exported_<name>`. */
  readonly seriesLabels: (readonly LabelPair[] | undefined)[] = [];
  /** Escaped text of `seriesLabels` (no braces). */
  readonly seriesText: (string | undefined)[] = [];
  readonly seriesPieces: (SeriesPieces | undefined)[] = [];
  /** OTLP attribute objects of `seriesLabels`, comma-joined. */
  readonly seriesJson: (string | undefined)[] = [];
  readonly histLabels: (readonly LabelPair[] | undefined)[] = [];
  readonly histJson: (string | undefined)[] = [];

  /** `injected`: the label names the view adds to every line. */
  constructor(readonly injected: readonly string[]) {}

  /** Room for every series a Prometheus text render may look up. */
  forText(catalog: SeriesCatalog): this {
    const n = catalog.series.length;
    reserve(this.seriesLabels, n);
    reserve(this.seriesText, n);
    reserve(this.seriesPieces, n);
    return this;
  }

  /** Room for every series and group an OTLP render may look up. */
  forJson(catalog: SeriesCatalog): this {
    const n = catalog.series.length;
    reserve(this.seriesLabels, n);
    reserve(this.seriesJson, n);
    reserve(this.histLabels, catalog.histGroups.length);
    reserve(this.histJson, catalog.histGroups.length);
    return this;
  }
}

function reserve<T>(cells: (T | undefined)[], n: number): void {
  for (let i = cells.length; i < n; i++) cells.push(undefined);
}

/**
 * Keyed by the catalog object: a compaction's new catalog starts an empty cache,
 * and the old one is collected with the old catalog.
 */
const caches = new WeakMap<SeriesCatalog, ViewLabelCache[]>();

/** The cache of view `viewIndex` (which injects `injected`) over `catalog`. */
export function viewLabelCache(
  catalog: SeriesCatalog,
  viewIndex: number,
  injected: readonly string[],
): ViewLabelCache {
  let views = caches.get(catalog);
  if (views === undefined) {
    views = [];
    caches.set(catalog, views);
  }
  let cache = views[viewIndex];
  if (cache === undefined) {
    cache = new ViewLabelCache(injected);
    views[viewIndex] = cache;
  }
  return cache;
}
