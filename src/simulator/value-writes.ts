/**
 * Writes into an engine's value array: counter increments and histogram
 * observations (cumulative buckets, `_count`, `_sum`). Histograms take whole
 * batches of observations at once (see bucket-dist).
 */
import { observe, type BucketDist } from './bucket-dist.js';
import type { HistogramSlots } from './page-slots.js';
import type { Prng } from './prng.js';

export function inc(a: Float64Array, i: number, delta: number): void {
  a[i] = (a[i] as number) + delta;
}

/** Adds `n` observations of exactly `x` (each lands in its one bucket). */
export function addExact(
  v: Float64Array,
  h: HistogramSlots,
  x: number,
  n: number,
): void {
  if (n <= 0) return;
  for (let i = 0; i < h.buckets; i++) {
    const le = i < h.bounds.length ? (h.bounds[i] as number) : Infinity;
    if (x <= le) inc(v, h.bucket0 + i, n);
  }
  v[h.count] = v[h.bucket0 + h.buckets - 1] as number;
  inc(v, h.sum, x * n);
}

/**
 * Adds `n` observations drawn from `dist` and returns their sum; integral
 * observations (tokens) keep an integral `_sum`.
 */
export function addObservations(
  v: Float64Array,
  h: HistogramSlots,
  dist: BucketDist,
  n: number,
  rng: Prng,
  integer = false,
): number {
  if (n <= 0) return 0;
  const cum = v.subarray(h.bucket0, h.bucket0 + h.buckets);
  let sum = observe(cum, dist, n, rng.next());
  if (integer) sum = Math.round(sum);
  v[h.count] = cum[h.buckets - 1] as number;
  inc(v, h.sum, sum);
  return sum;
}

/** Makes histogram `b` hold the very same observations as `a`. */
export function copyHistogram(
  v: Float64Array,
  a: HistogramSlots,
  b: HistogramSlots,
): void {
  v.copyWithin(b.bucket0, a.bucket0, a.bucket0 + a.buckets);
  v[b.count] = v[a.count] as number;
  v[b.sum] = v[a.sum] as number;
}
