import {
  discreteDist,
  lognormalDist,
  observe,
  type BucketLayout,
} from './bucket-dist.js';
import { Prng } from './prng.js';

const LAYOUT: BucketLayout = {
  id: 'spec-latency',
  bounds: [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 60],
};

function bucketOf(
  bounds: readonly number[],
  cum: Float64Array,
): [number, number] {
  // Lowest lower bound and highest upper bound holding observations.
  let lo = -1;
  let hi = -1;
  let prev = 0;
  cum.forEach((c, i) => {
    if (c > prev) {
      if (lo < 0) lo = i;
      hi = i;
    }
    prev = c;
  });
  return [lo === 0 ? 0 : (bounds[lo - 1] ?? 0), bounds[hi] ?? Infinity];
}

describe('observe', () => {
  it('adds exactly n observations, cumulative and non-decreasing', () => {
    const rng = new Prng(3);
    const cum = new Float64Array(LAYOUT.bounds.length + 1);
    let total = 0;
    for (const n of [0, 1, 7, 1000, 123456]) {
      observe(cum, lognormalDist(LAYOUT, 3, 0.8, false), n, rng.next());
      total += n;
      expect(cum[cum.length - 1]).toBe(total);
      for (let i = 1; i < cum.length; i++) {
        expect(cum[i]).toBeGreaterThanOrEqual(cum[i - 1] as number);
      }
    }
  });

  it('returns a sum whose mean lies inside the buckets it filled', () => {
    const cum = new Float64Array(LAYOUT.bounds.length + 1);
    const sum = observe(cum, lognormalDist(LAYOUT, 3, 0.8, false), 5000, 0.5);
    const [lo, hi] = bucketOf(LAYOUT.bounds, cum);
    expect(sum / 5000).toBeGreaterThan(lo);
    expect(sum / 5000).toBeLessThan(hi);
    // Close to the log-normal mean 3·e^(0.32) ≈ 4.13.
    expect(sum / 5000).toBeGreaterThan(3.5);
    expect(sum / 5000).toBeLessThan(4.8);
  });

  it('puts most mass around the median', () => {
    const cum = new Float64Array(LAYOUT.bounds.length + 1);
    observe(cum, lognormalDist(LAYOUT, 1.2, 0.3, false), 10000, 0.1);
    // P(X <= 1) for median 1.2, sigma 0.3 is about 27 %; P(X <= 2.5) ~ 99 %.
    const at1 = cum[LAYOUT.bounds.indexOf(1)] as number;
    const at25 = cum[LAYOUT.bounds.indexOf(2.5)] as number;
    expect(at1 / 10000).toBeGreaterThan(0.22);
    expect(at1 / 10000).toBeLessThan(0.32);
    expect(at25 / 10000).toBeGreaterThan(0.98);
  });

  it('keeps integral means within the integers a bucket holds', () => {
    const tokens: BucketLayout = { id: 'spec-tokens', bounds: [1, 2, 5, 10] };
    const d = lognormalDist(tokens, 1, 2, true);
    expect(d.mean[0]).toBe(1);
    expect(d.mean[1]).toBe(2);
    expect(d.mean[2]).toBeGreaterThanOrEqual(3);
    expect(d.mean[4]).toBeGreaterThanOrEqual(11);
  });

  it('projects discrete values on their buckets', () => {
    const n: BucketLayout = { id: 'spec-n', bounds: [1, 2, 5] };
    const cum = new Float64Array(4);
    const sum = observe(cum, discreteDist(n, [1, 2], [0.75, 0.25]), 100, 0.5);
    expect(Array.from(cum)).toEqual([75, 100, 100, 100]);
    expect(sum).toBe(125);
  });
});
