import type { GroupOutput } from '../aggregate/aggregate.types.js';
import type { Series } from '../aggregate/catalog.types.js';

/**
 * Whether any group's next series (at its cursor) belongs to family `fid`.
 * Both renderers walk the families in catalog order with one cursor per
 * group; this is the test that tells them a family has samples in the view.
 */
export function familyHasSamples(
  groups: readonly GroupOutput[],
  cursors: Int32Array,
  series: readonly Series[],
  fid: number,
): boolean {
  for (let g = 0; g < groups.length; g++) {
    const mids = groups[g]!.mids;
    const c = cursors[g]!;
    if (c < mids.length && series[mids[c]!]!.family.id === fid) return true;
  }
  return false;
}
