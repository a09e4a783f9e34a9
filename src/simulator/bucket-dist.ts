/**
 * Histogram observations in bulk. A tick adds `n` observations drawn from a
 * distribution to a histogram in O(buckets), whatever `n` is: the cumulative
 * increments are `floor(n * cdf(le) + u)` for one uniform `u` (systematic
 * sampling, exact in expectation and always summing to `n`), and `_sum` grows
 * by each bucket's increment times the distribution's mean inside that bucket,
 * so `_sum / _count` always lies inside the bucket range the counts describe.
 */

/** A distribution projected on a bucket layout. Arrays have one entry per bucket, `+Inf` last. */
export interface BucketDist {
  /** P(X <= le) per bucket; the last entry is 1. */
  readonly cdf: Float64Array;
  /** E[X | X in bucket]; inside the bucket's bounds. */
  readonly mean: Float64Array;
}

/** Finite upper bounds of a bucket layout (`+Inf` is implicit), with a cache key. */
export interface BucketLayout {
  readonly id: string;
  readonly bounds: readonly number[];
}

// Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): plenty for synthetic traffic.
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) *
      t +
      0.254829592) *
      t *
      Math.exp(-a * a);
  return sign * y;
}

function phi(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

function clampMean(
  m: number,
  lo: number,
  hi: number,
  integer: boolean,
): number {
  const low = integer ? Math.floor(lo) + 1 : lo;
  if (!(m >= low)) return low;
  return m > hi ? hi : m;
}

const cache = new Map<string, BucketDist>();
const CACHE_LIMIT = 20_000;
// Medians are snapped to a 2 % log grid so that engines share cached projections.
const GRID = 50;

/**
 * Log-normal distribution (given its median and log-space sigma) projected on
 * a layout. `integer` marks integral observations (token counts): bucket means
 * are then kept within the integers the bucket can hold (>= 1).
 */
export function lognormalDist(
  layout: BucketLayout,
  median: number,
  sigma: number,
  integer: boolean,
): BucketDist {
  const q = Math.round(Math.log(Math.max(median, 1e-9)) * GRID);
  const key = `${layout.id}|${q}|${sigma}|${integer ? 1 : 0}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const mu = q / GRID;
  const total = Math.exp(mu + (sigma * sigma) / 2);
  const n = layout.bounds.length + 1;
  const cdf = new Float64Array(n);
  const mean = new Float64Array(n);
  let prevC = 0;
  let prevM = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const hi = i < n - 1 ? (layout.bounds[i] as number) : Infinity;
    let c = 1;
    let m = total;
    if (i < n - 1) {
      const z = (Math.log(hi) - mu) / sigma;
      // Keep the projection monotonic despite the erf approximation.
      c = Math.min(1, Math.max(prevC, phi(z)));
      m = Math.max(prevM, total * phi(z - sigma));
    }
    cdf[i] = c;
    const p = c - prevC;
    const guess =
      p > 1e-12
        ? (m - prevM) / p
        : Math.min(hi, Math.max(Math.exp(mu), lo * 1.5));
    mean[i] = clampMean(guess, lo, hi, integer);
    prevC = c;
    prevM = m;
    lo = hi;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  const dist = { cdf, mean };
  cache.set(key, dist);
  return dist;
}

/** A discrete distribution over a few values (e.g. the `n` request parameter). */
export function discreteDist(
  layout: BucketLayout,
  values: readonly number[],
  probs: readonly number[],
): BucketDist {
  const n = layout.bounds.length + 1;
  const cdf = new Float64Array(n);
  const mass = new Float64Array(n);
  const weighted = new Float64Array(n);
  values.forEach((v, j) => {
    let i = layout.bounds.findIndex((b) => v <= b);
    if (i < 0) i = n - 1;
    const p = probs[j] ?? 0;
    mass[i] = (mass[i] ?? 0) + p;
    weighted[i] = (weighted[i] ?? 0) + p * v;
  });
  let acc = 0;
  let lo = 0;
  const mean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hi = i < n - 1 ? (layout.bounds[i] as number) : Infinity;
    acc += mass[i] as number;
    cdf[i] = i === n - 1 ? 1 : Math.min(1, acc);
    const p = mass[i] as number;
    mean[i] =
      p > 0 ? (weighted[i] as number) / p : Number.isFinite(hi) ? hi : lo;
    lo = hi;
  }
  return { cdf, mean };
}

/**
 * Adds `n` observations of `dist` to the cumulative bucket counts `cum`
 * (one entry per bucket, `+Inf` last) and returns the increment of `_sum`.
 * `u` is a uniform in [0, 1).
 */
export function observe(
  cum: Float64Array,
  dist: BucketDist,
  n: number,
  u: number,
): number {
  if (n <= 0) return 0;
  let prev = 0;
  let sum = 0;
  const last = cum.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = i === last ? n : Math.floor(n * (dist.cdf[i] as number) + u);
    cum[i] = (cum[i] as number) + c;
    sum += (c - prev) * (dist.mean[i] as number);
    prev = c;
  }
  return sum;
}
