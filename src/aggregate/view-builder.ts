import type { Role } from '../instances/role.js';
import type { LabelPair } from '../parse/label-block.js';
import { labelText } from '../render/escape.js';
import type { GroupOutput, ViewOutput } from './aggregate.types.js';
import type { ViewType } from './cycle.types.js';
import type { EndpointRef } from './cycle.types.js';
import type { SampleBuffer } from './endpoint-samples.js';
import { bucketQuantile } from './histogram-quantile.js';
import { QUANTILES } from './metric-semantics.js';
import {
  FLAG_COUNTER,
  MID_GENERATION_TOKENS,
  MID_PROMPT_TOKENS,
  MID_QUANTILE_SOURCE,
  RED_FIRST,
  RED_MAX,
  RED_MEAN,
  RED_MIN,
  type SeriesCatalog,
} from './series-catalog.js';

/**
 * Builds one view of a cycle: groups of endpoints are merged one group at a time into
 * dense scratch arrays indexed by merged-series id (a cell belongs to the current group
 * when its stamp says so, so nothing is cleared between groups; the cells touched are
 * listed). Then baselines, derived series and freshness are added, and the live cells
 * are copied out in render order. The work per group follows the cells it touched, not
 * the number of series the catalog ever saw.
 */

/** The samples of one endpoint a view reads (an EndpointState, or a copy of its fields). */
export type SampleSet = Pick<
  SampleBuffer,
  'n' | 'sids' | 'raw' | 'off' | 'parked' | 'declared'
>;

/** What a view reads of one endpoint. */
export interface SourceState {
  readonly ref: EndpointRef;
  readonly cur: SampleSet;
  readonly stale: boolean;
  readonly up: boolean;
  readonly lastAt: number;
  readonly lastSuccessAt: number | null;
}

/** Token rates (per second) of a group, when already worked out for its cycle. */
export interface TokenRates {
  readonly prompt: number;
  readonly generation: number;
}

export interface GroupSpec {
  readonly key: string;
  readonly labels: readonly LabelPair[];
  readonly role: Role | undefined;
  readonly endpoints: readonly SourceState[];
  /** Set for a group built after its cycle (the lazy `dp` view): the rates as of the cycle. */
  readonly rates?: TokenRates;
}

/**
 * Token rates from two readings of a group's token totals: a drop is a reset
 * (counted from 0); 0 without an earlier reading. Updates `memory`.
 */
export function advanceRates(
  memory: ViewMemory,
  key: string,
  prompt: number,
  generation: number,
  now: number,
): TokenRates {
  const prev = memory.rates.get(key);
  const rate = (cur: number, old: number | undefined): number => {
    if (!prev || old === undefined || now <= prev.at) return 0;
    const delta = cur >= old ? cur - old : cur;
    return delta / ((now - prev.at) / 1000);
  };
  const rates = {
    prompt: rate(prompt, prev?.prompt),
    generation: rate(generation, prev?.generation),
  };
  memory.rates.set(key, { prompt, generation, at: now });
  return rates;
}

export interface BuildContext {
  readonly catalog: SeriesCatalog;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Full view only: sid flags to skip per endpoint role (role scope). */
  readonly skipMask: Readonly<Record<Role, number>>;
  readonly workers: Readonly<Record<Role, number>>;
}

interface RateState {
  prompt: number;
  generation: number;
  at: number;
}

/** State a view keeps across cycles. */
export class ViewMemory {
  /** group key → merged series id → folded value of departed sources (merged views). */
  readonly baselines = new Map<string, Map<number, number>>();
  readonly rates = new Map<string, RateState>();
}

export class ViewBuilder {
  private val = new Float64Array(1024);
  private cnt = new Int32Array(1024);
  private stamp = new Int32Array(1024);
  /** Cells touched by the current group, in first-touch order. */
  private touched = new Int32Array(1024);
  private nTouched = 0;
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
    for (const key of memory.baselines.keys()) {
      if (!visited.has(key)) memory.baselines.delete(key);
    }
    for (const key of memory.rates.keys()) {
      if (!visited.has(key)) memory.rates.delete(key);
    }
    return { view, groups, declared };
  }

  private ensureCapacity(catalog: SeriesCatalog): void {
    const series = catalog.seriesCount;
    if (this.val.length < series) {
      const n = Math.max(series, this.val.length * 2);
      this.val = new Float64Array(n);
      this.cnt = new Int32Array(n);
      this.touched = new Int32Array(n);
      const stamp = new Int32Array(n);
      stamp.set(this.stamp);
      this.stamp = stamp;
    }
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

  /** Unlabeled cluster-wide series; carries zeroed freshness when the view has no group. */
  private clusterGroup(ctx: BuildContext, empty: boolean): GroupOutput {
    const m = ctx.catalog.motor;
    const cells: [number, number][] = [];
    if (empty) {
      cells.push([m.configured, 0], [m.scraped, 0], [m.duration, 0]);
    }
    cells.push(
      [m.prefillWorkers, ctx.workers.prefill],
      [m.decodeWorkers, ctx.workers.decode],
      [m.unionWorkers, ctx.workers.union],
    );
    if (empty) cells.push([m.promptRate, 0], [m.generationRate, 0]);
    cells.sort((a, b) => a[0] - b[0]);
    return {
      labels: [],
      labelText: '',
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
    const gs = ++this.serial;
    const dp = view === 'dp';
    const full = view === 'full';
    const val = this.val;
    const cnt = this.cnt;
    const stamp = this.stamp;
    const touched = this.touched;
    let nt = 0;
    const famDeclared = this.famDeclared;
    const declaredList = this.declaredList;
    declaredList.length = 0;
    const red = catalog.midReduction;
    const sidFlags = catalog.sidFlags;
    const sidMid = dp ? catalog.sidDpMid : catalog.sidMid;
    const sidMaxMid = dp ? catalog.sidDpMaxMid : catalog.sidMaxMid;

    for (const st of spec.endpoints) {
      const c = st.cur;
      const n = c.n;
      if (n === 0) continue;
      const live = !st.stale;
      if (live) {
        for (const f of c.declared) {
          if (famDeclared[f] !== gs) {
            famDeclared[f] = gs;
            declaredList.push(f);
          }
        }
      }
      const skip = full ? ctx.skipMask[st.ref.role] : 0;
      const sids = c.sids;
      const raw = c.raw;
      const off = c.off;
      const parkedFlags = c.parked;
      for (let i = 0; i < n; i++) {
        const sid = sids[i]!;
        const flags = sidFlags[sid]!;
        if (flags & skip) continue;
        const parked = !live || parkedFlags[i] === 1;
        if (parked && (dp || !(flags & FLAG_COUNTER))) continue;
        const mid = sidMid[sid]!;
        if (mid < 0) continue;
        const v = dp ? raw[i]! : raw[i]! + off[i]!;
        const inc = parked ? 0 : 1;
        if (stamp[mid] !== gs) {
          stamp[mid] = gs;
          val[mid] = v;
          cnt[mid] = inc;
          touched[nt++] = mid;
        } else {
          const r = red[mid]!;
          if (r === RED_FIRST) {
            // keep the first value
          } else if (r === RED_MAX) {
            if (v > val[mid]! || val[mid] !== val[mid]) val[mid] = v;
          } else if (r === RED_MIN) {
            if (v < val[mid]! || val[mid] !== val[mid]) val[mid] = v;
          } else {
            val[mid] = val[mid]! + v; // sum, and mean (divided on the way out)
          }
          cnt[mid] = cnt[mid]! + inc;
        }
        if (parked) continue;
        const maxMid = sidMaxMid[sid]!;
        if (maxMid >= 0) {
          if (stamp[maxMid] !== gs) {
            stamp[maxMid] = gs;
            val[maxMid] = v;
            cnt[maxMid] = 1;
            touched[nt++] = maxMid;
          } else {
            if (v > val[maxMid]! || val[maxMid] !== val[maxMid])
              val[maxMid] = v;
            cnt[maxMid] = cnt[maxMid]! + 1;
          }
        }
      }
    }
    this.nTouched = nt;

    if (!dp) this.applyBaselines(memory, spec.key, gs);
    this.addDerived(view, spec, ctx, memory, gs, viewDeclared);
    return this.compact(catalog, spec, gs);
  }

  private isLive(mid: number | undefined, gs: number): boolean {
    return (
      mid !== undefined &&
      mid >= 0 &&
      this.stamp[mid] === gs &&
      this.cnt[mid]! > 0
    );
  }

  private set(mid: number, value: number, gs: number): void {
    if (this.stamp[mid] !== gs) {
      this.stamp[mid] = gs;
      this.touched[this.nTouched++] = mid;
    }
    this.val[mid] = value;
    this.cnt[mid] = 1;
  }

  private applyBaselines(memory: ViewMemory, key: string, gs: number): void {
    const baseline = memory.baselines.get(key);
    if (!baseline) return;
    for (const [mid, value] of baseline) {
      if (this.isLive(mid, gs)) this.val[mid] = this.val[mid]! + value;
      else baseline.delete(mid); // no live source left for this label set
    }
    if (baseline.size === 0) memory.baselines.delete(key);
  }

  /** Quantiles, hit rates, token rates, freshness, zeros for declared empty families. */
  private addDerived(
    view: ViewType,
    spec: GroupSpec,
    ctx: BuildContext,
    memory: ViewMemory,
    gs: number,
    viewDeclared: Uint8Array,
  ): void {
    const { catalog } = ctx;
    const midFlags = catalog.midFlags;
    const midFamily = catalog.midFamily;
    const midHist = catalog.midHist;
    const midPair = catalog.midPair;
    const famLive = this.famLive;
    const hists: number[] = [];
    const pairs: number[] = [];
    let prompt = 0;
    let generation = 0;
    const n = this.nTouched;
    for (let k = 0; k < n; k++) {
      const mid = this.touched[k]!;
      if (this.cnt[mid]! <= 0) continue;
      famLive[midFamily[mid]!] = gs;
      const flags = midFlags[mid]!;
      if (flags === 0 && midPair[mid]! < 0) continue;
      if (flags & MID_PROMPT_TOKENS) prompt += this.val[mid]!;
      if (flags & MID_GENERATION_TOKENS) generation += this.val[mid]!;
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
    for (const h of hists) this.addQuantiles(catalog, h, gs);
    for (const p of pairs) this.addPrefixHitRate(catalog, p, gs);
    this.addFreshness(view, spec, ctx, memory, gs, prompt, generation);
    for (const f of this.declaredList) {
      if (famLive[f] === gs || catalog.families[f]!.alias) continue;
      viewDeclared[f] = 1;
      const zero = catalog.families[f]!.zeroMid;
      if (zero >= 0) this.set(zero, 0, gs);
    }
  }

  private addQuantiles(catalog: SeriesCatalog, h: number, gs: number): void {
    const g = catalog.histGroups[h]!;
    const buckets = g.buckets;
    if (this.les.length < buckets.length) {
      this.les = new Float64Array(buckets.length * 2);
      this.counts = new Float64Array(buckets.length * 2);
    }
    let k = 0;
    for (const b of buckets) {
      if (!this.isLive(b.id, gs)) continue;
      this.les[k] = b.bound;
      this.counts[k] = this.val[b.id]!;
      k++;
    }
    for (let i = 0; i < QUANTILES.length; i++) {
      const target = g.derived[i];
      if (target) {
        this.set(
          target.id,
          bucketQuantile(QUANTILES[i]!.q, this.les, this.counts, k),
          gs,
        );
      }
    }
    const mean = g.derived[QUANTILES.length];
    if (
      mean &&
      g.sum &&
      g.count &&
      this.isLive(g.sum.id, gs) &&
      this.isLive(g.count.id, gs)
    ) {
      const count = this.val[g.count.id]!;
      this.set(mean.id, count > 0 ? this.val[g.sum.id]! / count : NaN, gs);
    }
  }

  private addPrefixHitRate(
    catalog: SeriesCatalog,
    index: number,
    gs: number,
  ): void {
    const pair = catalog.prefixPairs[index]!;
    const p = pair.parts;
    let hits: number | undefined;
    let queries: number | undefined;
    if (this.isLive(p.v1_hits, gs) && this.isLive(p.v1_queries, gs)) {
      hits = this.val[p.v1_hits!];
      queries = this.val[p.v1_queries!];
    } else if (this.isLive(p.v0_hits, gs) && this.isLive(p.v0_queries, gs)) {
      hits = this.val[p.v0_hits!];
      queries = this.val[p.v0_queries!];
    }
    if (hits === undefined || queries === undefined) return;
    let rate = queries > 0 ? hits / queries : 0;
    if (!(rate > 0)) rate = 0;
    else if (rate > 1) rate = 1;
    this.set(pair.rate, rate, gs);
  }

  private addFreshness(
    view: ViewType,
    spec: GroupSpec,
    ctx: BuildContext,
    memory: ViewMemory,
    gs: number,
    prompt: number,
    generation: number,
  ): void {
    const m = ctx.catalog.motor;
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
    const rates =
      spec.rates ??
      advanceRates(memory, spec.key, prompt, generation, ctx.finishedAt);
    this.set(m.promptRate, rates.prompt, gs);
    this.set(m.generationRate, rates.generation, gs);
  }

  /** Live cells in render order: a scan of the render order, or a sort of the few touched. */
  private compact(
    catalog: SeriesCatalog,
    spec: GroupSpec,
    gs: number,
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
    const outMids = this.outMids;
    const outVals = this.outVals;
    let n = 0;
    const emit = (mid: number): void => {
      if (stamp[mid] !== gs || cnt[mid]! <= 0) return;
      outMids[n] = mid;
      outVals[n] = red[mid] === RED_MEAN ? val[mid]! / cnt[mid]! : val[mid]!;
      n++;
    };
    if (nt * 12 < total) {
      const rank = order.rank;
      const list = this.touched
        .subarray(0, nt)
        .sort((a, b) => rank[a]! - rank[b]!);
      for (let k = 0; k < nt; k++) emit(list[k]!);
    } else {
      const mids = order.mids;
      for (let k = 0; k < total; k++) emit(mids[k]!);
    }
    return {
      labels: spec.labels,
      labelText: labelText(spec.labels),
      role: spec.role,
      mids: outMids.slice(0, n),
      values: outVals.slice(0, n),
    };
  }
}
