import { type SeriesCatalog } from './series-catalog.js';
import {
  MID_COUNTER,
  RED_FIRST,
  RED_MAX,
  RED_MEAN,
  RED_MIN,
} from './series-codes.js';

/**
 * The scratch a view group is merged into: dense arrays indexed by merged-series id,
 * reused by every group of every view. A cell belongs to the current group when its
 * stamp is the group's serial, so nothing is cleared between groups; the cells a
 * group touched are listed in `touched`. The steps of a group's build (counter
 * accounting, shared buckets, windowed cells, freshness, output) read and write these
 * fields directly.
 */
export class GroupCells {
  val = new Float64Array(1024);
  cnt = new Int32Array(1024);
  wsum = new Float64Array(1024);
  wtot = new Float64Array(1024);
  /** 1 when some source of a mean cell states no capacity: the mean is then unweighted (R2). */
  unweighted = new Uint8Array(1024);
  stamp = new Int32Array(1024);
  /** Cells touched by the current group, in first-touch order. */
  touched = new Int32Array(1024);
  nTouched = 0;
  /** Counter cells a source joined this cycle, and the value it joined with. */
  joinMids: number[] = [];
  joinVals: number[] = [];
  /** Per family: stamp of the group that declared it / has a live cell in it. */
  famDeclared = new Int32Array(256);
  famLive = new Int32Array(256);
  declaredList: number[] = [];
  /** Per histogram group / prefix pair: stamp of the group that queued it. */
  histStamp = new Int32Array(256);
  pairStamp = new Int32Array(256);
  serial = 0;
  outMids = new Int32Array(1024);
  outVals = new Float64Array(1024);
  les = new Float64Array(64);
  counts = new Float64Array(64);

  /** Room for every series the catalog has (contents kept: series may be added mid-group). */
  ensureCapacity(catalog: SeriesCatalog): void {
    if (this.val.length < catalog.seriesCount) this.grow(catalog.seriesCount);
    const grow = (
      a: Int32Array<ArrayBuffer>,
      size: number,
    ): Int32Array<ArrayBuffer> => {
      if (a.length >= size) return a;
      const b = new Int32Array(Math.max(size, a.length * 2));
      b.set(a);
      return b;
    };
    this.famDeclared = grow(this.famDeclared, catalog.families.length);
    this.famLive = grow(this.famLive, catalog.families.length);
    this.histStamp = grow(this.histStamp, catalog.histGroups.length);
    this.pairStamp = grow(this.pairStamp, catalog.prefixPairs.length);
    if (this.serial >= 0x7ffffff0) {
      // Stamps are only compared for equality; restart them before the int32 wraps.
      for (const a of [
        this.stamp,
        this.famDeclared,
        this.famLive,
        this.histStamp,
        this.pairStamp,
      ]) {
        a.fill(0);
      }
      this.serial = 0;
    }
  }

  /** A series interned while a group is being built (a labeled gauge of the coordinator's own). */
  grow(mid: number): void {
    if (mid < this.val.length) return;
    const n = Math.max(mid + 1024, this.val.length * 2);
    const f64 = (a: Float64Array<ArrayBuffer>) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array<ArrayBuffer>) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.val = f64(this.val);
    this.wsum = f64(this.wsum);
    this.wtot = f64(this.wtot);
    this.cnt = i32(this.cnt);
    this.touched = i32(this.touched);
    this.stamp = i32(this.stamp);
    const u = new Uint8Array(n);
    u.set(this.unweighted);
    this.unweighted = u;
  }

  /** One source's value into a merged cell (R2 reductions), plus its max companion. */
  feed(
    catalog: SeriesCatalog,
    mid: number,
    v: number,
    w: number,
    parked: boolean,
    joins: boolean,
    raw: boolean,
    gs: number,
  ): void {
    const r = catalog.midReduction[mid]!;
    // Negative utilisations are "disabled" sentinels (vLLM V0 prints -1): no part in
    // means or maxima; the dp view shows each endpoint as scraped.
    if (!raw && (r === RED_MEAN || r === RED_MAX) && v < 0) return;
    const val = this.val;
    const cnt = this.cnt;
    const inc = parked ? 0 : 1;
    const weighted = w > 0;
    if (this.stamp[mid] !== gs) {
      this.stamp[mid] = gs;
      val[mid] = v;
      cnt[mid] = inc;
      this.wsum[mid] = weighted ? v * w : 0;
      this.wtot[mid] = weighted ? w : 0;
      this.unweighted[mid] = weighted ? 0 : 1;
      this.touched[this.nTouched++] = mid;
    } else {
      if (r === RED_FIRST) {
        // keep the first value
      } else if (r === RED_MAX) {
        if (v > val[mid]! || val[mid] !== val[mid]) val[mid] = v;
      } else if (r === RED_MIN) {
        if (v < val[mid]! || val[mid] !== val[mid]) val[mid] = v;
      } else {
        val[mid] = val[mid]! + v; // sum, and mean (divided on the way out)
        if (r === RED_MEAN) {
          if (weighted) {
            this.wsum[mid] = this.wsum[mid]! + v * w;
            this.wtot[mid] = this.wtot[mid]! + w;
          } else this.unweighted[mid] = 1;
        }
      }
      cnt[mid] = cnt[mid]! + inc;
    }
    if (joins) {
      this.joinMids.push(mid);
      this.joinVals.push(v);
    }
    if (parked) return;
    const maxMid = catalog.midMax[mid]!;
    if (maxMid < 0 || (!raw && v < 0)) return;
    if (this.stamp[maxMid] !== gs) {
      this.stamp[maxMid] = gs;
      val[maxMid] = v;
      cnt[maxMid] = 1;
      this.touched[this.nTouched++] = maxMid;
    } else {
      if (v > val[maxMid]! || val[maxMid] !== val[maxMid]) val[maxMid] = v;
      cnt[maxMid] = cnt[maxMid]! + 1;
    }
  }

  /** A cell the view emits: counters also when only departed or parked sources hold them. */
  emitted(catalog: SeriesCatalog, mid: number, gs: number): boolean {
    return (
      this.stamp[mid] === gs &&
      (this.cnt[mid]! > 0 || (catalog.midFlags[mid]! & MID_COUNTER) !== 0)
    );
  }

  set(mid: number, value: number, gs: number): void {
    if (mid >= this.val.length) this.grow(mid);
    if (this.stamp[mid] !== gs) {
      this.stamp[mid] = gs;
      this.touched[this.nTouched++] = mid;
    }
    this.val[mid] = value;
    this.cnt[mid] = 1;
    this.unweighted[mid] = 1;
  }
}
