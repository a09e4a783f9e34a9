import type { GroupCells } from './group-cells.js';
import { type SeriesCatalog } from './series-catalog.js';
import { KIND_BUCKET } from './series-codes.js';

/**
 * S4: a bucket fed by fewer live sources than the most-fed bucket of its histogram
 * is a boundary not all sources share; it is dropped, never guessed, and the family
 * is flagged. (A source without `+Inf`, a truncated page, drops `+Inf` the same way.)
 */
export function mergeSharedBuckets(
  cells: GroupCells,
  catalog: SeriesCatalog,
  gs: number,
): void {
  const series = catalog.series;
  const stamp = cells.stamp;
  const cnt = cells.cnt;
  const n = cells.nTouched;
  let most: Map<number, number> | undefined;
  let first = -1;
  let uneven = false;
  for (let k = 0; k < n; k++) {
    const mid = cells.touched[k]!;
    if (stamp[mid] !== gs || series[mid]!.kind !== KIND_BUCKET) continue;
    const h = catalog.midHist[mid]!;
    const c = cnt[mid]!;
    most ??= new Map();
    const m = most.get(h);
    if (m === undefined) most.set(h, c);
    else if (m !== c) {
      uneven = true;
      if (c > m) most.set(h, c);
    }
    if (first < 0) first = k;
  }
  if (!uneven || !most) return;
  // `cells.set` below may intern the flag series and grow the arrays: read them afresh.
  for (let k = first; k < n; k++) {
    const mid = cells.touched[k]!;
    if (cells.stamp[mid] !== gs || series[mid]!.kind !== KIND_BUCKET) continue;
    if (cells.cnt[mid]! >= most.get(catalog.midHist[mid]!)!) continue;
    cells.stamp[mid] = 0;
    const fm = catalog.motorSeries('layoutMismatch', [
      ['family', series[mid]!.family.name],
    ]);
    cells.set(fm, 1, gs);
  }
}
