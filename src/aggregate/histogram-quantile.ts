/**
 * `histogram_quantile()` as PromQL computes it (promql/quantile.go, bucketQuantile),
 * over cumulative buckets sorted by upper bound:
 * - no `+Inf` upper bound as the last bucket, fewer than two buckets, or no observation → NaN;
 * - cumulative counts are forced monotonic (a running maximum);
 * - the rank falls in the `+Inf` bucket → the upper bound of the bucket before it;
 * - the first bucket interpolates from 0 when its upper bound is positive,
 *   and returns its upper bound when that bound is ≤ 0;
 * - otherwise linear interpolation within the bucket.
 */
export function bucketQuantile(
  q: number,
  upperBounds: ArrayLike<number>,
  cumulativeCounts: ArrayLike<number>,
  length: number = upperBounds.length,
): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (length < 2 || upperBounds[length - 1] !== Infinity) return NaN;
  // Running maximum, read on the fly (no copy).
  let observations = 0;
  for (let i = 0; i < length; i++) {
    const c = cumulativeCounts[i]!;
    if (c > observations) observations = c;
  }
  if (!(observations > 0)) return NaN;
  const rank = q * observations;
  // First bucket (among all but +Inf) whose monotonic cumulative count reaches the rank.
  let b = length - 1;
  let running = 0;
  let previous = 0;
  for (let i = 0; i < length - 1; i++) {
    const c = cumulativeCounts[i]!;
    if (c > running) running = c;
    if (running >= rank) {
      b = i;
      break;
    }
    previous = running;
  }
  if (b === length - 1) return upperBounds[length - 2]!;
  if (b === 0 && upperBounds[0]! <= 0) return upperBounds[0]!;
  const bucketStart = b === 0 ? 0 : upperBounds[b - 1]!;
  const bucketEnd = upperBounds[b]!;
  const count = running - (b === 0 ? 0 : previous);
  const r = rank - (b === 0 ? 0 : previous);
  return bucketStart + (bucketEnd - bucketStart) * (r / count);
}
