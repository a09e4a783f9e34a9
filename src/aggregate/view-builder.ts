import type { Role } from '../instances/role.js';
import type { GroupOutput, ViewOutput } from './aggregate.types.js';
import { accountCounters } from './counter-accounting.js';
import { GroupCells } from './group-cells.js';
import { groupOutput } from './group-output.js';
import type { RoleScope } from './metric-semantics.js';
import { addFreshness, clusterGroup } from './motor-cells.js';
import { QuantileWindow } from './quantile-window.js';
import { mergeSharedBuckets } from './shared-buckets.js';
import type { BuildContext, GroupSpec } from './view-build.types.js';
import type { GroupMemory, ViewMemory } from './view-memory.js';
import type { ViewType } from './views.js';
import { addWindowed } from './windowed-cells.js';
import { ENTRY_FRESH, ENTRY_PARKED } from './endpoint-state.js';
import { isAliasOff } from './deprecated-aliases.js';
import {
  FLAG_COUNTER,
  FLAG_DROPPED,
  MID_WINDOWED,
  RED_MEAN,
} from './series-codes.js';

/**
 * Builds one view of a cycle: groups of endpoints are merged one group at a time into
 * the dense scratch of `GroupCells`. Then the group's counter accounting (S1), shared
 * bucket layouts (S4), the windowed derived gauges (S3) and freshness are added, and
 * the live cells are copied out in render order. The work per group follows the cells
 * it touched, not the number of series the catalog ever saw.
 */

export function inScope(scope: RoleScope, role: Role): boolean {
  return scope === 'all' || role === 'union' || scope === role;
}

export class ViewBuilder {
  private readonly cells = new GroupCells();

  build(
    view: ViewType,
    specs: readonly GroupSpec[],
    ctx: BuildContext,
    memory: ViewMemory,
  ): ViewOutput {
    const { catalog } = ctx;
    this.cells.ensureCapacity(catalog);
    const declared = new Uint8Array(catalog.families.length);
    const groups: GroupOutput[] = [clusterGroup(ctx, specs.length === 0)];
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

  private buildGroup(
    view: ViewType,
    spec: GroupSpec,
    ctx: BuildContext,
    memory: ViewMemory,
    viewDeclared: Uint8Array,
  ): GroupOutput {
    const { catalog } = ctx;
    const cells = this.cells;
    if (cells.val.length < catalog.seriesCount) cells.ensureCapacity(catalog);
    const gs = ++cells.serial;
    const dp = view === 'dp';
    const full = view === 'full';
    cells.nTouched = 0;
    cells.joinMids.length = 0;
    cells.joinVals.length = 0;
    const famDeclared = cells.famDeclared;
    const declaredList = cells.declaredList;
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
        if (mid >= 0) cells.feed(catalog, mid, v, w, parked, joins, dp, gs);
        if (cm >= 0) cells.feed(catalog, cm, v, w, parked, joins, dp, gs);
      }
    }

    const group = dp
      ? undefined
      : memory.group(spec.key, spec.labels, spec.role);
    if (group) accountCounters(cells, catalog, group, ctx, gs);
    mergeSharedBuckets(cells, catalog, gs);
    this.addDerived(view, spec, ctx, group, gs, viewDeclared);
    const out = groupOutput(
      cells,
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
    const cells = this.cells;
    const midFlags = catalog.midFlags;
    const midFamily = catalog.midFamily;
    const famLive = cells.famLive;
    const windowed: number[] = [];
    const n = cells.nTouched;
    for (let k = 0; k < n; k++) {
      const mid = cells.touched[k]!;
      if (!cells.emitted(catalog, mid, gs)) continue;
      famLive[midFamily[mid]!] = gs;
      if (midFlags[mid]! & MID_WINDOWED) windowed.push(mid);
    }
    const rates = new Map<number, [number, number]>();
    if (group) {
      windowed.sort((a, b) => a - b);
      const mids = Int32Array.from(windowed);
      const values = Float64Array.from(windowed, (m) => cells.val[m]!);
      group.window ??= new QuantileWindow(ctx.windowMs);
      const base = group.window.advance(ctx.finishedAt, mids, values);
      addWindowed(
        cells,
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
    addFreshness(cells, view, spec, ctx, rates, gs);
    for (const f of cells.declaredList) {
      if (famLive[f] === gs || catalog.families[f]!.alias) continue;
      viewDeclared[f] = 1;
      const zero = catalog.families[f]!.zeroMid;
      if (zero >= 0) cells.set(zero, 0, gs);
    }
  }
}
