import type { ViewType } from './views.js';
import type { GroupCells } from './group-cells.js';
import { bucketQuantile } from './histogram-quantile.js';
import { QUANTILES } from './metric-semantics.js';
import type { WindowBase } from './quantile-window.js';
import { type SeriesCatalog } from './series-catalog.js';
import type { BuildContext, GroupSpec, MeanParts } from './view-build.types.js';
import {
  MID_GENERATION_TOKENS,
  MID_PROMPT_TOKENS,
  MID_QUANTILE_SOURCE,
} from './series-codes.js';

/**
 * S3: the cells a group derives from its windowed series, over the quantile window
 * (the group's values now against those at the window's base): quantiles and means of
 * histograms (and the parts of the PD TTFT estimate), prefix cache hit rates, and the
 * token totals the token rates are made of.
 */

/** Canonical families the PD TTFT estimate reads. */
const PD_PREFILL_E2E = 'motor:e2e_request_latency_seconds';
const PD_DECODE_TTFT = 'motor:time_to_first_token_seconds';

export function addWindowed(
  cells: GroupCells,
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
        const cur = cells.val[mid]!;
        const delta = Math.max(0, cur - base.old(mid, cur));
        r[flags & MID_PROMPT_TOKENS ? 0 : 1] += delta;
      }
    }
    if (flags & MID_QUANTILE_SOURCE) {
      const h = midHist[mid]!;
      if (cells.histStamp[h] !== gs) {
        cells.histStamp[h] = gs;
        hists.push(h);
      }
    }
    const p = midPair[mid]!;
    if (p >= 0 && cells.pairStamp[p] !== gs) {
      cells.pairStamp[p] = gs;
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
    for (const h of hists) addQuantiles(cells, catalog, h, base, pd, gs);
    for (const p of pairs) addHitRate(cells, catalog, p, base, gs);
  }
}

function delta(cells: GroupCells, mid: number, base: WindowBase): number {
  const cur = cells.val[mid]!;
  const d = cur - base.old(mid, cur);
  return d > 0 ? d : 0;
}

function addQuantiles(
  cells: GroupCells,
  catalog: SeriesCatalog,
  h: number,
  base: WindowBase,
  pd: { name: string; parts: MeanParts } | undefined,
  gs: number,
): void {
  const g = catalog.histGroups[h]!;
  const buckets = catalog.sortedBuckets(g);
  if (cells.les.length < buckets.length) {
    cells.les = new Float64Array(buckets.length * 2);
    cells.counts = new Float64Array(buckets.length * 2);
  }
  let k = 0;
  for (const b of buckets) {
    if (!cells.emitted(catalog, b.id, gs)) continue;
    cells.les[k] = b.bound;
    cells.counts[k] = delta(cells, b.id, base);
    k++;
  }
  if (k > 0 && cells.counts[k - 1]! > 0) {
    for (let i = 0; i < QUANTILES.length; i++) {
      const target = g.derived[i];
      if (!target) continue;
      const q = bucketQuantile(QUANTILES[i]!.q, cells.les, cells.counts, k);
      if (!Number.isNaN(q)) cells.set(target.id, q, gs);
    }
  }
  const { sum, count } = g;
  if (
    !sum ||
    !count ||
    !cells.emitted(catalog, sum.id, gs) ||
    !cells.emitted(catalog, count.id, gs)
  )
    return;
  const dCount = delta(cells, count.id, base);
  if (!(dCount > 0)) return;
  const dSum = delta(cells, sum.id, base);
  const mean = g.derived[QUANTILES.length];
  if (mean) cells.set(mean.id, dSum / dCount, gs);
  if (pd && g.family.name === pd.name) {
    const model = catalog.midModel[count.id]!;
    const acc = pd.parts.get(model) ?? [0, 0];
    acc[0] += dSum;
    acc[1] += dCount;
    pd.parts.set(model, acc);
  }
}

function addHitRate(
  cells: GroupCells,
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
    cells.emitted(catalog, p.v1_hits, gs) &&
    cells.emitted(catalog, p.v1_queries, gs)
  )
    pick = [p.v1_hits, p.v1_queries];
  else if (
    p.v0_hits !== undefined &&
    p.v0_queries !== undefined &&
    cells.emitted(catalog, p.v0_hits, gs) &&
    cells.emitted(catalog, p.v0_queries, gs)
  )
    pick = [p.v0_hits, p.v0_queries];
  if (!pick) return;
  const queries = delta(cells, pick[1], base);
  if (!(queries > 0)) return;
  const ratio = delta(cells, pick[0], base) / queries;
  cells.set(rate, ratio > 1 ? 1 : ratio, gs);
}
