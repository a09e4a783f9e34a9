import type { GroupCells } from './group-cells.js';
import type { SeriesCatalog } from './series-catalog.js';
import type { BuildContext } from './view-build.types.js';
import type { GroupMemory } from './view-memory.js';

/**
 * S1: a source joining a merged series that already existed brings its value into
 * the frozen base with a minus sign (it adds 0 now, then its increases); departed
 * sources' values stay in the base; a series with no live source is shown frozen
 * until `staleAfterMs` after its last live source, then it is gone.
 */
export function accountCounters(
  cells: GroupCells,
  catalog: SeriesCatalog,
  group: GroupMemory,
  ctx: BuildContext,
  gs: number,
): void {
  const now = ctx.finishedAt;
  const frozen = group.frozen;
  const prev = group.prev;
  if (prev && cells.joinMids.length > 0) {
    const rank = catalog.renderOrder().rank;
    for (let k = 0; k < cells.joinMids.length; k++) {
      const mid = cells.joinMids[k]!;
      if (!contains(prev.mids, mid, rank)) continue; // first appearance: raw value
      const v = cells.joinVals[k]!;
      if (Number.isNaN(v)) continue;
      const f = frozen.get(mid);
      if (f) f.base -= v;
      else frozen.set(mid, { base: -v, liveAt: now });
    }
  }
  for (const [mid, f] of frozen) {
    if (cells.stamp[mid] === gs) {
      cells.val[mid] = cells.val[mid]! + f.base;
      if (cells.cnt[mid]! > 0) f.liveAt = now;
    } else if (now - f.liveAt <= ctx.staleAfterMs) {
      cells.stamp[mid] = gs;
      cells.touched[cells.nTouched++] = mid;
      cells.val[mid] = f.base;
      cells.cnt[mid] = 0;
    } else frozen.delete(mid);
  }
}

/** Whether `mid` is among `mids` (sorted by render rank; ranks only grow apart as series are added). */
function contains(
  mids: Int32Array,
  mid: number,
  rank: ArrayLike<number>,
): boolean {
  if (mid >= rank.length) return false;
  const target = rank[mid]!;
  let lo = 0;
  let hi = mids.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    const r = rank[mids[m]!]!;
    if (r === target) return mids[m] === mid;
    if (r < target) lo = m + 1;
    else hi = m - 1;
  }
  return false;
}
