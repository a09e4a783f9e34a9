/**
 * S3: the recent past of one view group's windowed counters (quantile histograms'
 * buckets, `_sum`, `_count`; prefix-cache hits and queries; token totals).
 *
 * Derived gauges compare this cycle with the newest kept cycle at least `windowMs`
 * old (the oldest kept one while the group is younger). Cycles are kept at most
 * every `stepMs` (a quarter window by default), so a window holds about 5 readings
 * per series whatever `reuse_time` is, and readings share their list of series
 * while it does not change; the effective window is between `windowMs` and
 * `windowMs + stepMs`, and rates divide by the real time between the two cycles.
 * A series that first appeared after the base cycle counts from its first value:
 * its history before that is no increase.
 */

/** One reading: mids in ascending order, their merged values. */
interface Reading {
  readonly at: number;
  readonly mids: Int32Array;
  readonly values: Float64Array;
}

/** What this cycle is compared with. */
export interface WindowBase {
  /** ms epoch of the base cycle. */
  readonly at: number;
  /** The value `mid` had at the base (or at its first appearance after it), else `current`. */
  old(mid: number, current: number): number;
}

function find(mids: Int32Array, mid: number): number {
  let lo = 0;
  let hi = mids.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    const v = mids[m]!;
    if (v === mid) return m;
    if (v < mid) lo = m + 1;
    else hi = m - 1;
  }
  return -1;
}

function sameMids(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class QuantileWindow {
  private readonly kept: Reading[] = [];
  private last: Reading | undefined;
  /** Value and time of first appearance, for series that appeared after the oldest kept reading. */
  private readonly first = new Map<number, { at: number; v: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly stepMs: number = Math.max(1, windowMs / 4),
  ) {}

  /** Readings held (for memory accounting in tests and benchmarks). */
  get size(): number {
    return this.kept.length;
  }

  /**
   * Records this cycle's readings (`mids` ascending) and returns the base cycle to
   * compare with, or undefined on the group's first cycle (no increase yet).
   */
  advance(
    now: number,
    mids: Int32Array,
    values: Float64Array,
  ): WindowBase | undefined {
    const last = this.last;
    // A series new since the last cycle: remember its first value (on the group's
    // first cycle every series is new, and that reading itself is kept as the base).
    if (last && last.mids !== mids)
      for (let i = 0; i < mids.length; i++) {
        const mid = mids[i]!;
        if (find(last.mids, mid) < 0)
          this.first.set(mid, { at: now, v: values[i]! });
      }
    const kept = this.kept;
    let b = -1;
    for (let i = kept.length - 1; i >= 0; i--) {
      if (kept[i]!.at <= now - this.windowMs) {
        b = i;
        break;
      }
    }
    if (b < 0 && kept.length > 0) b = 0;
    if (b > 0) kept.splice(0, b);
    const base = b >= 0 ? kept[0] : undefined;
    // Share the list of series with the previous reading while it is the same.
    const shared = last && sameMids(last.mids, mids) ? last.mids : mids;
    const reading: Reading = { at: now, mids: shared, values };
    const newest = kept[kept.length - 1];
    if (!newest || now - newest.at >= this.stepMs) kept.push(reading);
    this.last = reading;
    const oldest = kept[0]!.at;
    for (const [mid, f] of this.first)
      if (f.at < oldest) this.first.delete(mid);
    if (!base) return undefined;
    const first = this.first;
    return {
      at: base.at,
      old(mid: number, current: number): number {
        const f = first.get(mid);
        if (f && f.at > base.at) return f.v;
        const k = find(base.mids, mid);
        if (k >= 0) return base.values[k]!;
        return f ? f.v : current;
      },
    };
  }
}
