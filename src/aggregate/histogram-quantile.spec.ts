import { bucketQuantile } from './histogram-quantile.js';

describe('bucketQuantile (PromQL histogram_quantile)', () => {
  const les = [0.1, 0.5, 1, Infinity];

  it('interpolates linearly inside the bucket holding the rank', () => {
    // rank = 0.5 × 19 = 9.5 → bucket (0.1, 0.5] holding 2..10 → 0.1 + 0.4 × 7.5/8
    expect(bucketQuantile(0.5, les, [2, 10, 16, 19])).toBeCloseTo(0.475, 12);
    // rank = 0.75 × 20 = 15 → bucket (0.5, 1] holding 10..16 → 0.5 + 0.5 × 5/6
    expect(bucketQuantile(0.75, les, [2, 10, 16, 20])).toBeCloseTo(
      0.5 + 0.5 * (5 / 6),
      12,
    );
  });

  it('starts the first bucket at 0 when its upper bound is positive', () => {
    // rank = 0.1 × 20 = 2 → first bucket (0, 0.1] holding 4 → 0.1 × 2/4
    expect(bucketQuantile(0.1, les, [4, 10, 16, 20])).toBeCloseTo(0.05, 12);
  });

  it('returns the first upper bound when it is not positive', () => {
    expect(bucketQuantile(0.1, [-1, 0, Infinity], [5, 8, 10])).toBe(-1);
    expect(bucketQuantile(0.1, [0, 1, Infinity], [5, 8, 10])).toBe(0);
  });

  it('returns the upper bound of the bucket before +Inf when the rank lands in +Inf', () => {
    expect(bucketQuantile(0.95, les, [2, 10, 16, 19])).toBe(1);
    expect(bucketQuantile(0.99, les, [0, 0, 0, 5])).toBe(1);
  });

  it('is NaN with no observation, no +Inf bucket or a lone +Inf bucket', () => {
    expect(bucketQuantile(0.5, les, [0, 0, 0, 0])).toBeNaN();
    expect(bucketQuantile(0.5, [0.1, 0.5, 1], [1, 2, 3])).toBeNaN();
    expect(bucketQuantile(0.5, [Infinity], [3])).toBeNaN();
    expect(bucketQuantile(0.5, [], [])).toBeNaN();
  });

  it('forces cumulative counts monotonic like PromQL', () => {
    // 10, 8 (a merge artefact) is read as 10, 10.
    expect(bucketQuantile(0.5, les, [2, 10, 8, 20])).toBe(
      bucketQuantile(0.5, les, [2, 10, 10, 20]),
    );
    expect(bucketQuantile(0.99, les, [2, 30, 8, 20])).toBeCloseTo(
      0.1 + 0.4 * ((29.7 - 2) / 28),
      12,
    );
  });

  it('handles q outside [0, 1] and NaN like PromQL', () => {
    expect(bucketQuantile(-0.1, les, [1, 2, 3, 4])).toBe(-Infinity);
    expect(bucketQuantile(1.1, les, [1, 2, 3, 4])).toBe(Infinity);
    expect(bucketQuantile(NaN, les, [1, 2, 3, 4])).toBeNaN();
  });

  it('honours an explicit length (scratch arrays)', () => {
    const bounds = new Float64Array([0.1, 0.5, Infinity, 99]);
    const counts = new Float64Array([1, 3, 4, 77]);
    // rank = 2 → (0.1, 0.5] holding 1..3 → 0.1 + 0.4 × 1/2
    expect(bucketQuantile(0.5, bounds, counts, 3)).toBeCloseTo(0.3, 12);
  });
});
