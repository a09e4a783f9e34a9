import type { Series } from './catalog.types.js';
import { KIND_BUCKET, KIND_QUANTILE } from './series-codes.js';

/** The order views list their series in, so renderers stream families in one pass. */
export interface RenderOrder {
  /** Every mid, in render order. */
  readonly mids: Int32Array;
  /** `familyStart[f]..familyStart[f+1]` is the range of family `f` in `mids`. */
  readonly familyStart: Int32Array;
  /** Position of each mid in `mids`. */
  readonly rank: Int32Array;
}

/** Within a group: buckets / quantiles first, then `_sum`, then `_count` (by KIND_*). */
const KIND_RANK = [0, 0, 1, 2, 0];

/** All mids in render order: family, histogram group, bucket/quantile bound, `_sum`, `_count`. */
export function renderOrderOf(
  series: readonly Series[],
  familyCount: number,
): RenderOrder {
  const mids = Int32Array.from(series, (s) => s.id).sort((a, b) => {
    const sa = series[a]!;
    const sb = series[b]!;
    return (
      sa.family.id - sb.family.id ||
      (sa.hist?.id ?? -1) - (sb.hist?.id ?? -1) ||
      KIND_RANK[sa.kind]! - KIND_RANK[sb.kind]! ||
      (sa.kind === KIND_BUCKET || sa.kind === KIND_QUANTILE
        ? sa.bound - sb.bound
        : 0) ||
      a - b
    );
  });
  const familyStart = new Int32Array(familyCount + 1);
  let f = 0;
  for (let i = 0; i < mids.length; i++) {
    const fid = series[mids[i]!]!.family.id;
    while (f <= fid) familyStart[f++] = i;
  }
  while (f <= familyCount) familyStart[f++] = mids.length;
  const rank = new Int32Array(mids.length);
  for (let i = 0; i < mids.length; i++) rank[mids[i]!] = i;
  return { mids, familyStart, rank };
}
