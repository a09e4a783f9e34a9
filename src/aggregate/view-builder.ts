import type { Role } from '../instances/role.js';
import type { LabelPair } from '../parse/label-block.js';
import type { GroupOutput, ViewOutput } from './aggregate.types.js';
import type { EndpointRef } from '../scrape/scrape.types.js';
import { isAliasOff } from './deprecated-aliases.js';
import {
  ENTRY_FRESH,
  ENTRY_PARKED,
  type SampleBuffer,
} from './endpoint-state.js';
import { bucketQuantile } from './histogram-quantile.js';
import { QUANTILES, type RoleScope } from './metric-semantics.js';
import { QuantileWindow, type WindowBase } from './quantile-window.js';
import type { SeriesCatalog } from './series-catalog.js';
import {
  FLAG_COUNTER,
  FLAG_DROPPED,
  KIND_BUCKET,
  MID_COUNTER,
  MID_GENERATION_TOKENS,
  MID_PROMPT_TOKENS,
  MID_QUANTILE_SOURCE,
  MID_WINDOWED,
  RED_FIRST,
  RED_MAX,
  RED_MEAN,
  RED_MIN,
} from './series-codes.js';
import type { ViewType } from './views.js';

/**
 * Builds one view of a cycle: groups of endpoints are merged one group at a time into
 * dense scratch arrays indexed by merged-series id (a cell belongs to the current group
 * when its stamp says so, so nothing is cleared between groups; the cells touched are
 * listed). Then the group's counter accounting (S1), shared bucket layouts (S4), the
 * windowed derived gauges (S3) and freshness are added, and the live cells are copied
 * out in render order. The work per group follows the cells it touched, not the number
 * of series the catalog ever saw.
 */

/** The samples of one endpoint a view reads (an EndpointState, or a copy of its fields). */
export type SampleSet = Pick<
  SampleBuffer,
  | 'n'
  | 'sids'
  | 'raw'
  | 'off'
  | 'state'
  | 'declared'
  | 'capacity'
  | 'singleCapacity'
  | 'aliasOff'
>;

/** What a view reads of one endpoint. */
export interface SourceState {
  readonly ref: EndpointRef;
  /** The catalog's index of the registry model (canonical series carry it). */
  readonly model: number;
  /** First good page or last counter restart (ms): the OTLP start time in `dp`. */
  readonly since: number;
  readonly cur: SampleSet;
  readonly stale: boolean;
  readonly up: boolean;
  /** A page was read this cycle (its `fresh` entries join their merged series now). */
  readonly ingested: boolean;
  readonly lastAt: number;
  readonly lastSuccessAt: number | null;
}

/** Token rates (per second) of one registry model. */
export interface TokenRates {
  readonly prompt: number;
  readonly generation: number;
}

export interface GroupSpec {
  readonly key: string;
  readonly labels: readonly LabelPair[];
  readonly role: Role | undefined;
  readonly endpoints: readonly SourceState[];
  /** Set for a group built after its cycle (the lazy `dp` view): token rates by model index. */
  readonly rates?: ReadonlyMap<number, TokenRates>;
}

/** Windowed Δ_sum and Δ_count per model index, for the PD TTFT estimate. */
export type MeanParts = Map<number, [sum: number, count: number]>;

export interface BuildContext {
  readonly catalog: SeriesCatalog;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly staleAfterMs: number;
  readonly windowMs: number;
  /** Full view only: sid flags to skip per endpoint role (S2 scopes). */
  readonly skipMask: Readonly<Record<Role, number>>;
  /** Registered, not paused instances per role, by model index. */
  readonly workers: ReadonlyMap<number, Readonly<Record<Role, number>>>;
  /** Filled by the `role` view (built first), read by `full`: prefill e2e and decode TTFT. */
  readonly pd: { prefillE2e: MeanParts; decodeTtft: MeanParts };
}

/** Canonical families the PD TTFT estimate reads. */
const PD_PREFILL_E2E = 'motor:e2e_request_latency_seconds';
const PD_DECODE_TTFT = 'motor:time_to_first_token_seconds';

export function inScope(scope: RoleScope, role: Role): boolean {
  return scope === 'all' || role === 'union' || scope === role;
}

interface Frozen {
  /** What departed sources left and joining sources brought with them (S1). */
  base: number;
  /** Last time the merged series had a live source (ms). */
  liveAt: number;
}

/** A merged view group's state across cycles. */
interface GroupMemory {
  readonly labels: readonly LabelPair[];
  readonly role: Role | undefined;
  readonly frozen: Map<number, Frozen>;
  prev: GroupOutput | undefined;
  window: QuantileWindow | undefined;
}

/** State a view keeps across cycles, per group key. */
export class ViewMemory {
  readonly groups = new Map<string, GroupMemory>();

  group(
    key: string,
    labels: readonly LabelPair[],
    role: Role | undefined,
  ): GroupMemory {
    let g = this.groups.get(key);
    if (!g) {
      g = {
        labels,
        role,
        frozen: new Map(),
        prev: undefined,
        window: undefined,
      };
      this.groups.set(key, g);
    }
    return g;
  }

  /** A source leaves a merged series for good: its last value stays in the series (S1). */
  fold(
    key: string,
    labels: readonly LabelPair[],
    role: Role | undefined,
    mid: number,
    value: number,
    now: number,
  ): void {
    const frozen = this.group(key, labels, role).frozen;
    const f = frozen.get(mid);
    if (f) {
      f.base += value;
      f.liveAt = Math.max(f.liveAt, now);
    } else frozen.set(mid, { base: value, liveAt: now });
  }
}

export class ViewBuilder {
  private val = new Float64Array(1024);
  private cnt = new Int32Array(1024);
  private wsum = new Float64Array(1024);
  private wtot = new Float64Array(1024);
  /** 1 when some source of a mean cell states no capacity: the mean is then unweighted (R2). */
  private unweighted = new Uint8Array(1024);
  private stamp = new Int32Array(1024);
  /** Cells touched by the current group, in first-touch order. */
  private touched = new Int32Array(1024);
  private nTouched = 0;
  /** Counter cells a source joined this cycle, and the value it joined with. */
  private joinMids: number[] = [];
  private joinVals: number[] = [];
  /** Per family: stamp of the group that declared it / has a live cell in it. */
  private famDeclared = new Int32Array(256);
  private famLive = new Int32Array(256);
  private declaredList: number[] = [];
  /** Per histogram group / prefix pair: stamp of the group that queued it. */
  private histStamp = new Int32Array(256);
  private pairStamp = new Int32Array(256);
  private serial = 0;
  private outMids = new Int32Array(1024);
  private outVals = new Float64Array(1024);
  private les = new Float64Array(64);
  private counts = new Float64Array(64);

  build(
    view: ViewType,
    specs: readonly GroupSpec[],
    ctx: BuildContext,
    memory: ViewMemory,
  ): ViewOutput {
    const { catalog } = ctx;
    this.ensureCapacity(catalog);
    const declared = new Uint8Array(catalog.families.length);
    const groups: GroupOutput[] = [this.clusterGroup(ctx, specs.length === 0)];
    const visited = new Set<string>();
    for (const spec of specs) {
      visited.add(spec.key);
      groups.push(this.buildGroup(view, spec, ctx, memory, declared));
    }
    // A group whose endpoints all left keeps its frozen counters until they expire.
    for (const [key, g] of memory.groups) {
      if (visited.has(key)) continue;
      for (const [mid, f] of g.frozen)
        if (ctx.finishedAt - f.liveAt > ctx.staleAfterMs) g.frozen.delete(mid);
      if (g.frozen.size === 0) {
        memory.groups.delete(key);
        continue;
      }
      const ghost: GroupSpec = {
        key,
        labels: g.labels,
        role: g.role,
        endpoints: [],
      };
      const out = this.buildGroup(view, ghost, ctx, memory, declared);
      if (out.mids.length > 0) groups.push(out);
    }
    return { view, groups, declared };
  }

  /** Room for every series the catalog has (contents kept: series may be added mid-group). */
  private ensureCapacity(catalog: SeriesCatalog): void {
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
  private grow(mid: number): void {
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

  /** Unlabeled cluster facts: workers per registered model; zeroed freshness for an empty view. */
  private clusterGroup(ctx: BuildContext, empty: boolean): GroupOutput {
    const { catalog } = ctx;
    const m = catalog.motor;
    const cells: [number, number][] = [];
    if (empty) {
      cells.push([m.configured, 0], [m.scraped, 0], [m.duration, 0]);
    }
    for (const [model, w] of ctx.workers) {
      const name = catalog.models[model] ?? '';
      const labels: LabelPair[] = name === '' ? [] : [['model_name', name]];
      cells.push(
        [catalog.motorSeries('prefillWorkers', labels), w.prefill],
        [catalog.motorSeries('decodeWorkers', labels), w.decode],
        [catalog.motorSeries('unionWorkers', labels), w.union],
      );
    }
    const rank = catalog.renderOrder().rank;
    cells.sort((a, b) => rank[a[0]]! - rank[b[0]]!);
    return {
      labels: [],
      role: undefined,
      mids: Int32Array.from(cells, (c) => c[0]),
      values: Float64Array.from(cells, (c) => c[1]),
    };
  }

  private buildGroup(
    view: ViewType,
    spec: GroupSpec,
    ctx: BuildContext,
    memory: ViewMemory,
    viewDeclared: Uint8Array,
  ): GroupOutput {
    const { catalog } = ctx;
    if (this.val.length < catalog.seriesCount) this.ensureCapacity(catalog);
    const gs = ++this.serial;
    const dp = view === 'dp';
    const full = view === 'full';
    this.nTouched = 0;
    this.joinMids.length = 0;
    this.joinVals.length = 0;
    const famDeclared = this.famDeclared;
    const declaredList = this.declaredList;
    declaredList.length = 0;
    const families = catalog.families;
    const sidFlags = catalog.sidFlags;
    const sidRankKey = catalog.sidRankKey;
    const red = catalog.midReduction;
    const sidMid = dp ? catalog.sidDpMid : catalog.sidMid;

    for (const st of spec.endpoints) {
      const c = st.cur;
      const n = c.n;
      if (n === 0) continue;
      const role = st.ref.role;
      const live = !st.stale;
      if (live) {
        for (const f of c.declared) {
          const family = families[f]!;
          if (family.clashed) continue;
          if (full && !inScope(family.sem.scope, role)) {
            viewDeclared[f] = 1; // HELP/TYPE only: out of scope, no sample
          } else if (famDeclared[f] !== gs) {
            famDeclared[f] = gs;
            declaredList.push(f);
          }
          const canonical = family.canonical;
          if (canonical && (!full || inScope(canonical.sem.scope, role)))
            viewDeclared[canonical.id] = 1;
        }
      }
      const skip = full ? ctx.skipMask[role] : 0;
      const joining = st.ingested && !dp;
      const sids = c.sids;
      const raw = c.raw;
      const off = c.off;
      const entries = c.state;
      const canonTable = catalog.canonTable(st.model);
      const aliasOff = c.aliasOff;
      const capacity = c.capacity;
      for (let i = 0; i < n; i++) {
        const sid = sids[i]!;
        const flags = sidFlags[sid]!;
        if (flags & (skip | FLAG_DROPPED)) continue;
        const entry = entries[i]!;
        const parked = !live || (entry & ENTRY_PARKED) !== 0;
        if (parked && (dp || !(flags & FLAG_COUNTER))) continue;
        const v = dp ? raw[i]! : raw[i]! + off[i]!;
        const joins =
          joining &&
          (entry & ENTRY_FRESH) !== 0 &&
          (flags & FLAG_COUNTER) !== 0;
        const mid = sidMid[sid]!;
        let cm = canonTable[sid]!;
        if (cm >= 0 && isAliasOff(catalog, aliasOff, sid)) cm = -1;
        // R2: the capacity a utilisation sample is weighted by (a few per page)
        let w = NaN;
        if (
          capacity !== undefined &&
          ((mid >= 0 && red[mid] === RED_MEAN) ||
            (cm >= 0 && red[cm] === RED_MEAN))
        )
          w = capacity.get(sidRankKey[sid]!) ?? c.singleCapacity;
        if (mid >= 0) this.feed(catalog, mid, v, w, parked, joins, dp, gs);
        if (cm >= 0) this.feed(catalog, cm, v, w, parked, joins, dp, gs);
      }
    }

    const group = dp
      ? undefined
      : memory.group(spec.key, spec.labels, spec.role);
    if (group) this.account(catalog, group, ctx, gs);
    this.mergeSharedBuckets(catalog, gs);
    this.addDerived(view, spec, ctx, group, gs, viewDeclared);
    const out = this.compact(
      catalog,
      spec,
      gs,
      dp ? (spec.endpoints[0]?.since ?? ctx.finishedAt) : undefined,
      group?.prev,
      ctx.finishedAt,
    );
    if (group) group.prev = out;
    return out;
  }

  /** One source's value into a merged cell (R2 reductions), plus its max companion. */
  private feed(
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

  /**
   * S1: a source joining a merged series that already existed brings its value into
   * the frozen base with a minus sign (it adds 0 now, then its increases); departed
   * sources' values stay in the base; a series with no live source is shown frozen
   * until `staleAfterMs` after its last live source, then it is gone.
   */
  private account(
    catalog: SeriesCatalog,
    group: GroupMemory,
    ctx: BuildContext,
    gs: number,
  ): void {
    const now = ctx.finishedAt;
    const frozen = group.frozen;
    const prev = group.prev;
    if (prev && this.joinMids.length > 0) {
      const rank = catalog.renderOrder().rank;
      for (let k = 0; k < this.joinMids.length; k++) {
        const mid = this.joinMids[k]!;
        if (!contains(prev.mids, mid, rank)) continue; // first appearance: raw value
        const v = this.joinVals[k]!;
        if (Number.isNaN(v)) continue;
        const f = frozen.get(mid);
        if (f) f.base -= v;
        else frozen.set(mid, { base: -v, liveAt: now });
      }
    }
    for (const [mid, f] of frozen) {
      if (this.stamp[mid] === gs) {
        this.val[mid] = this.val[mid]! + f.base;
        if (this.cnt[mid]! > 0) f.liveAt = now;
      } else if (now - f.liveAt <= ctx.staleAfterMs) {
        this.stamp[mid] = gs;
        this.touched[this.nTouched++] = mid;
        this.val[mid] = f.base;
        this.cnt[mid] = 0;
      } else frozen.delete(mid);
    }
  }

  /**
   * S4: a bucket fed by fewer live sources than the most-fed bucket of its histogram
   * is a boundary not all sources share; it is dropped, never guessed, and the family
   * is flagged. (A source without `+Inf`, a truncated page, drops `+Inf` the same way.)
   */
  private mergeSharedBuckets(catalog: SeriesCatalog, gs: number): void {
    const series = catalog.series;
    const stamp = this.stamp;
    const cnt = this.cnt;
    const n = this.nTouched;
    let most: Map<number, number> | undefined;
    let first = -1;
    let uneven = false;
    for (let k = 0; k < n; k++) {
      const mid = this.touched[k]!;
      if (stamp[mid] !== gs || series[mid]!.kind !== KIND_BUCKET) continue;
      const h = catalog.midHist[mid]!;
      const c = cnt[mid]!;
      most ??= new Map();
      const m = most.get(h);
      if (m === undefined) most.set(h, c);
      else if (m !== c) {
        uneven = true;
        if (c > m) most.set(h, c);
      }
      if (first < 0) first = k;
    }
    if (!uneven || !most) return;
    for (let k = first; k < n; k++) {
      const mid = this.touched[k]!;
      if (stamp[mid] !== gs || series[mid]!.kind !== KIND_BUCKET) continue;
      if (cnt[mid]! >= most.get(catalog.midHist[mid]!)!) continue;
      stamp[mid] = 0;
      const fm = catalog.motorSeries('layoutMismatch', [
        ['family', series[mid]!.family.name],
      ]);
      this.set(fm, 1, gs);
    }
  }

  /** A cell the view emits: counters also when only departed or parked sources hold them. */
  private emitted(catalog: SeriesCatalog, mid: number, gs: number): boolean {
    return (
      this.stamp[mid] === gs &&
      (this.cnt[mid]! > 0 || (catalog.midFlags[mid]! & MID_COUNTER) !== 0)
    );
  }

  private set(mid: number, value: number, gs: number): void {
    if (mid >= this.val.length) this.grow(mid);
    if (this.stamp[mid] !== gs) {
      this.stamp[mid] = gs;
      this.touched[this.nTouched++] = mid;
    }
    this.val[mid] = value;
    this.cnt[mid] = 1;
    this.unweighted[mid] = 1;
  }

  /** Windowed quantiles, means, hit rates and token rates; freshness; zeros for declared empty families. */
  private addDerived(
    view: ViewType,
    spec: GroupSpec,
    ctx: BuildContext,
    group: GroupMemory | undefined,
    gs: number,
    viewDeclared: Uint8Array,
  ): void {
    const { catalog } = ctx;
    const midFlags = catalog.midFlags;
    const midFamily = catalog.midFamily;
    const famLive = this.famLive;
    const windowed: number[] = [];
    const n = this.nTouched;
    for (let k = 0; k < n; k++) {
      const mid = this.touched[k]!;
      if (!this.emitted(catalog, mid, gs)) continue;
      famLive[midFamily[mid]!] = gs;
      if (midFlags[mid]! & MID_WINDOWED) windowed.push(mid);
    }
    const rates = new Map<number, [number, number]>();
    if (group) {
      windowed.sort((a, b) => a - b);
      const mids = Int32Array.from(windowed);
      const values = Float64Array.from(windowed, (m) => this.val[m]!);
      group.window ??= new QuantileWindow(ctx.windowMs);
      const base = group.window.advance(ctx.finishedAt, mids, values);
      this.addWindowed(
        view,
        spec,
        ctx,
        windowed,
        base,
        rates,
        gs,
        viewDeclared,
      );
    }
    this.addFreshness(view, spec, ctx, rates, gs);
    for (const f of this.declaredList) {
      if (famLive[f] === gs || catalog.families[f]!.alias) continue;
      viewDeclared[f] = 1;
      const zero = catalog.families[f]!.zeroMid;
      if (zero >= 0) this.set(zero, 0, gs);
    }
  }

  private addWindowed(
    view: ViewType,
    spec: GroupSpec,
    ctx: BuildContext,
    windowed: readonly number[],
    base: WindowBase | undefined,
    rates: Map<number, [number, number]>,
    gs: number,
    viewDeclared: Uint8Array,
  ): void {
    const { catalog } = ctx;
    const midFlags = catalog.midFlags;
    const midHist = catalog.midHist;
    const midPair = catalog.midPair;
    const midModel = catalog.midModel;
    const hists: number[] = [];
    const pairs: number[] = [];
    for (const mid of windowed) {
      const flags = midFlags[mid]!;
      if (flags & (MID_PROMPT_TOKENS | MID_GENERATION_TOKENS)) {
        const model = midModel[mid]!;
        let r = rates.get(model);
        if (!r) rates.set(model, (r = [0, 0]));
        if (base) {
          const cur = this.val[mid]!;
          const delta = Math.max(0, cur - base.old(mid, cur));
          r[flags & MID_PROMPT_TOKENS ? 0 : 1] += delta;
        }
      }
      if (flags & MID_QUANTILE_SOURCE) {
        const h = midHist[mid]!;
        if (this.histStamp[h] !== gs) {
          this.histStamp[h] = gs;
          hists.push(h);
        }
      }
      const p = midPair[mid]!;
      if (p >= 0 && this.pairStamp[p] !== gs) {
        this.pairStamp[p] = gs;
        pairs.push(p);
      }
    }
    // A quiet window leaves the derived series absent, their HELP/TYPE stay.
    for (const h of hists)
      for (const d of catalog.histGroups[h]!.derived)
        if (d) viewDeclared[d.family.id] = 1;
    for (const p of pairs)
      viewDeclared[catalog.series[catalog.prefixPairs[p]!.rate]!.family.id] = 1;
    if (base) {
      const seconds = (ctx.finishedAt - base.at) / 1000;
      for (const r of rates.values()) {
        r[0] = seconds > 0 ? r[0] / seconds : 0;
        r[1] = seconds > 0 ? r[1] / seconds : 0;
      }
      const pd =
        view !== 'role'
          ? undefined
          : spec.role === 'prefill'
            ? { name: PD_PREFILL_E2E, parts: ctx.pd.prefillE2e }
            : spec.role === 'decode'
              ? { name: PD_DECODE_TTFT, parts: ctx.pd.decodeTtft }
              : undefined;
      for (const h of hists) this.addQuantiles(catalog, h, base, pd, gs);
      for (const p of pairs) this.addHitRate(catalog, p, base, gs);
    }
  }

  private delta(mid: number, base: WindowBase): number {
    const cur = this.val[mid]!;
    const d = cur - base.old(mid, cur);
    return d > 0 ? d : 0;
  }

  private addQuantiles(
    catalog: SeriesCatalog,
    h: number,
    base: WindowBase,
    pd: { name: string; parts: MeanParts } | undefined,
    gs: number,
  ): void {
    const g = catalog.histGroups[h]!;
    const buckets = catalog.sortedBuckets(g);
    if (this.les.length < buckets.length) {
      this.les = new Float64Array(buckets.length * 2);
      this.counts = new Float64Array(buckets.length * 2);
    }
    let k = 0;
    for (const b of buckets) {
      if (!this.emitted(catalog, b.id, gs)) continue;
      this.les[k] = b.bound;
      this.counts[k] = this.delta(b.id, base);
      k++;
    }
    if (k > 0 && this.counts[k - 1]! > 0) {
      for (let i = 0; i < QUANTILES.length; i++) {
        const target = g.derived[i];
        if (!target) continue;
        const q = bucketQuantile(QUANTILES[i]!.q, this.les, this.counts, k);
        if (!Number.isNaN(q)) this.set(target.id, q, gs);
      }
    }
    const { sum, count } = g;
    if (
      !sum ||
      !count ||
      !this.emitted(catalog, sum.id, gs) ||
      !this.emitted(catalog, count.id, gs)
    )
      return;
    const dCount = this.delta(count.id, base);
    if (!(dCount > 0)) return;
    const dSum = this.delta(sum.id, base);
    const mean = g.derived[QUANTILES.length];
    if (mean) this.set(mean.id, dSum / dCount, gs);
    if (pd && g.family.name === pd.name) {
      const model = catalog.midModel[count.id]!;
      const acc = pd.parts.get(model) ?? [0, 0];
      acc[0] += dSum;
      acc[1] += dCount;
      pd.parts.set(model, acc);
    }
  }

  private addHitRate(
    catalog: SeriesCatalog,
    index: number,
    base: WindowBase,
    gs: number,
  ): void {
    const p = catalog.prefixPairs[index]!.parts;
    const rate = catalog.prefixPairs[index]!.rate;
    let pick: [number, number] | undefined;
    if (
      p.v1_hits !== undefined &&
      p.v1_queries !== undefined &&
      this.emitted(catalog, p.v1_hits, gs) &&
      this.emitted(catalog, p.v1_queries, gs)
    )
      pick = [p.v1_hits, p.v1_queries];
    else if (
      p.v0_hits !== undefined &&
      p.v0_queries !== undefined &&
      this.emitted(catalog, p.v0_hits, gs) &&
      this.emitted(catalog, p.v0_queries, gs)
    )
      pick = [p.v0_hits, p.v0_queries];
    if (!pick) return;
    const queries = this.delta(pick[1], base);
    if (!(queries > 0)) return;
    const ratio = this.delta(pick[0], base) / queries;
    this.set(rate, ratio > 1 ? 1 : ratio, gs);
  }

  private addFreshness(
    view: ViewType,
    spec: GroupSpec,
    ctx: BuildContext,
    rates: Map<number, [number, number]>,
    gs: number,
  ): void {
    const { catalog } = ctx;
    const m = catalog.motor;
    let scraped = 0;
    let lastAt = ctx.startedAt;
    for (const st of spec.endpoints) {
      if (st.up) scraped++;
      if (st.lastAt > lastAt) lastAt = st.lastAt;
    }
    const duration =
      view === 'full' ? ctx.finishedAt - ctx.startedAt : lastAt - ctx.startedAt;
    this.set(m.configured, spec.endpoints.length, gs);
    this.set(m.scraped, scraped, gs);
    this.set(m.duration, Math.max(0, duration) / 1000, gs);
    if (view === 'dp') {
      const st = spec.endpoints[0];
      this.set(m.up, st?.up ? 1 : 0, gs);
      this.set(
        m.lastSuccess,
        st?.lastSuccessAt != null ? st.lastSuccessAt / 1000 : 0,
        gs,
      );
    }
    const entries: [number, TokenRates][] = spec.rates
      ? [...spec.rates]
      : [...rates].map(([model, r]) => [
          model,
          { prompt: r[0], generation: r[1] },
        ]);
    for (const [model, r] of entries) {
      const labels: LabelPair[] =
        model >= 0 && catalog.models[model] !== ''
          ? [['model_name', catalog.models[model]!]]
          : [];
      this.set(catalog.motorSeries('promptRate', labels), r.prompt, gs);
      this.set(catalog.motorSeries('generationRate', labels), r.generation, gs);
    }
    if (view === 'full') {
      for (const [model, e2e] of ctx.pd.prefillE2e) {
        const ttft = ctx.pd.decodeTtft.get(model);
        if (!ttft || !(e2e[1] > 0) || !(ttft[1] > 0)) continue;
        const name = catalog.models[model] ?? '';
        const labels: LabelPair[] = name === '' ? [] : [['model_name', name]];
        this.set(
          catalog.motorSeries('pdTtft', labels),
          e2e[0] / e2e[1] + ttft[0] / ttft[1],
          gs,
        );
      }
    }
  }

  /**
   * Emitted cells in render order (a scan of the render order, or a sort of the few
   * touched), with the time each cell's series first appeared in the group: kept from
   * the group's previous output (a merge walk: both are in render order), now for a
   * new series; in `dp`, the endpoint's first good page or its last restart.
   */
  private compact(
    catalog: SeriesCatalog,
    spec: GroupSpec,
    gs: number,
    endpointSince: number | undefined,
    prev: GroupOutput | undefined,
    now: number,
  ): GroupOutput {
    const order = catalog.renderOrder();
    const total = order.mids.length;
    const nt = this.nTouched;
    if (this.outMids.length < nt) {
      this.outMids = new Int32Array(Math.max(nt, this.outMids.length * 2));
      this.outVals = new Float64Array(this.outMids.length);
    }
    const stamp = this.stamp;
    const cnt = this.cnt;
    const val = this.val;
    const red = catalog.midReduction;
    const midFlags = catalog.midFlags;
    const outMids = this.outMids;
    const outVals = this.outVals;
    let n = 0;
    const emit = (mid: number): void => {
      if (stamp[mid] !== gs) return;
      const c = cnt[mid]!;
      if (c <= 0 && !(midFlags[mid]! & MID_COUNTER)) return;
      outMids[n] = mid;
      outVals[n] =
        red[mid] !== RED_MEAN
          ? val[mid]!
          : this.unweighted[mid] === 0 && this.wtot[mid]! > 0
            ? this.wsum[mid]! / this.wtot[mid]!
            : val[mid]! / c;
      n++;
    };
    const rank = order.rank;
    if (nt * 12 < total) {
      const list = this.touched
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
      const cells = new Float64Array(n);
      const pm = prev?.mids;
      const ps = prev?.since;
      let j = 0;
      for (let k = 0; k < n; k++) {
        const mid = outMids[k]!;
        const r = rank[mid]!;
        if (pm && ps !== undefined) {
          while (j < pm.length && rank[pm[j]!]! < r) j++;
          if (j < pm.length && pm[j] === mid) {
            cells[k] = typeof ps === 'number' ? ps : ps[j]!;
            continue;
          }
        }
        cells[k] = now;
      }
      since = cells;
    }
    return {
      labels: spec.labels,
      role: spec.role,
      mids: outMids.slice(0, n),
      values: outVals.slice(0, n),
      since,
    };
  }
}

/** Whether `mid` is among `mids` (sorted by render rank; ranks only grow apart as series are added). */
function contains(
  mids: Int32Array,
  mid: number,
  rank: ArrayLike<number>,
): boolean {
  if (mid >= rank.length) return false;
  const target = rank[mid]!;
  let lo = 0;
  let hi = mids.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    const r = rank[mids[m]!]!;
    if (r === target) return mids[m] === mid;
    if (r < target) lo = m + 1;
    else hi = m - 1;
  }
  return false;
}
