import type { GroupOutput } from './aggregate.types.js';
import type { GroupCells } from './group-cells.js';
import { type SeriesCatalog } from './series-catalog.js';
import type { GroupSpec } from './view-build.types.js';
import { MID_COUNTER, RED_MEAN } from './series-codes.js';

/**
 * Emitted cells in render order (a scan of the render order, or a sort of the few
 * touched), with the time each cell's series first appeared in the group: kept from
 * the group's previous output (a merge walk: both are in render order), now for a
 * new series; in `dp`, the endpoint's first good page or its last restart.
 */
export function groupOutput(
  cells: GroupCells,
  catalog: SeriesCatalog,
  spec: GroupSpec,
  gs: number,
  endpointSince: number | undefined,
  prev: GroupOutput | undefined,
  now: number,
): GroupOutput {
  const order = catalog.renderOrder();
  const total = order.mids.length;
  const nt = cells.nTouched;
  if (cells.outMids.length < nt) {
    cells.outMids = new Int32Array(Math.max(nt, cells.outMids.length * 2));
    cells.outVals = new Float64Array(cells.outMids.length);
  }
  const stamp = cells.stamp;
  const cnt = cells.cnt;
  const val = cells.val;
  const red = catalog.midReduction;
  const midFlags = catalog.midFlags;
  const outMids = cells.outMids;
  const outVals = cells.outVals;
  let n = 0;
  const emit = (mid: number): void => {
    if (stamp[mid] !== gs) return;
    const c = cnt[mid]!;
    if (c <= 0 && !(midFlags[mid]! & MID_COUNTER)) return;
    outMids[n] = mid;
    outVals[n] =
      red[mid] !== RED_MEAN
        ? val[mid]!
        : cells.unweighted[mid] === 0 && cells.wtot[mid]! > 0
          ? cells.wsum[mid]! / cells.wtot[mid]!
          : val[mid]! / c;
    n++;
  };
  const rank = order.rank;
  if (nt * 12 < total) {
    const list = cells.touched
      .subarray(0, nt)
      .sort((a, b) => rank[a]! - rank[b]!);
    for (let k = 0; k < nt; k++) emit(list[k]!);
  } else {
    const mids = order.mids;
    for (let k = 0; k < total; k++) emit(mids[k]!);
  }
  // dp: one start time for the endpoint's whole group (no array of a million cells)
  let since: Float64Array | number;
  if (endpointSince !== undefined) {
    since = endpointSince;
  } else {
    const firstSeen = new Float64Array(n);
    const pm = prev?.mids;
    const ps = prev?.since;
    let j = 0;
    for (let k = 0; k < n; k++) {
      const mid = outMids[k]!;
      const r = rank[mid]!;
      if (pm && ps !== undefined) {
        while (j < pm.length && rank[pm[j]!]! < r) j++;
        if (j < pm.length && pm[j] === mid) {
          firstSeen[k] = typeof ps === 'number' ? ps : ps[j]!;
          continue;
        }
      }
      firstSeen[k] = now;
    }
    since = firstSeen;
  }
  return {
    labels: spec.labels,
    role: spec.role,
    mids: outMids.slice(0, n),
    values: outVals.slice(0, n),
    since,
  };
}
