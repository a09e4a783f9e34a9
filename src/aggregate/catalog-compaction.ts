import type { EndpointState } from './endpoint-state.js';
import type { CatalogOptions, Series } from './catalog.types.js';
import { SeriesCatalog } from './series-catalog.js';
import type { ViewMemory } from './view-memory.js';
import {
  CANON_UNRESOLVED,
  FLAG_DROPPED,
  KIND_BUCKET,
  KIND_QUANTILE,
  MID_COUNTER,
} from './series-codes.js';

/**
 * Memory that follows the live fleet. The catalog interns every series it meets, so
 * an engine whose label values churn would grow it for ever. When most of what it
 * holds is no longer on any endpoint's page, the aggregator moves to a new catalog
 * holding only what is still referenced: the endpoints' current samples, the views'
 * frozen counters (S1), their quantile windows (S3) and last outputs (joins). Each
 * old id is carried over by the series' identity (family, name, labels), so counter
 * accounting, windows and join detection go on unchanged: nothing in the views moves.
 */

/** Compact when the catalog holds at least this many series texts… */
export const COMPACT_MIN_SERIES = 20_000;
/** …and fewer than this share of them is still on a page. */
export const COMPACT_LIVE_SHARE = 0.5;

/** How many of the catalog's series texts the endpoints' current pages still use. */
export function liveSeriesTexts(
  catalog: SeriesCatalog,
  endpoints: Iterable<EndpointState>,
): number {
  const seen = new Uint8Array(catalog.sidCount);
  let live = 0;
  for (const st of endpoints) {
    const c = st.cur;
    for (let i = 0; i < c.n; i++) {
      const sid = c.sids[i]!;
      if (seen[sid] === 0) {
        seen[sid] = 1;
        live++;
      }
    }
  }
  return live;
}

export function shouldCompact(
  catalog: SeriesCatalog,
  endpoints: Iterable<EndpointState>,
  minSeries: number = COMPACT_MIN_SERIES,
): boolean {
  if (catalog.sidCount < minSeries) return false;
  return (
    liveSeriesTexts(catalog, endpoints) < catalog.sidCount * COMPACT_LIVE_SHARE
  );
}

/**
 * A new catalog with every family of `old` declared again in the same order and the
 * endpoints' samples resolved into it; the views' memories are carried over in place.
 */
export function compactCatalog(
  old: SeriesCatalog,
  options: CatalogOptions,
  endpoints: Iterable<EndpointState>,
  memories: Iterable<ViewMemory>,
): SeriesCatalog {
  const next = new SeriesCatalog(options);
  for (const f of old.families) {
    if (!f.derived && !f.clashed) next.declare(f.name, f.type, f.help);
  }
  for (const model of old.models) next.model(model);

  // Endpoint samples: each series text resolved anew, in its family's context.
  const sidMap = new Map<number, number>();
  const resolveSid = (sid: number): number => {
    let mapped = sidMap.get(sid);
    if (mapped !== undefined) return mapped;
    const text = old.sidText[sid];
    const mid = old.sidDpMid[sid]!;
    const family =
      mid >= 0 && text
        ? next.familyByNameOrUndefined(old.series[mid]!.family.name)
        : undefined;
    mapped = family && text ? next.resolve(text, family) : -1;
    sidMap.set(sid, mapped);
    return mapped;
  };
  for (const st of endpoints) {
    const c = st.cur;
    let k = 0;
    const table = () => next.canonTable(st.model);
    for (let i = 0; i < c.n; i++) {
      const sid = resolveSid(c.sids[i]!);
      if (sid < 0 || next.sidFlags[sid]! & FLAG_DROPPED) continue;
      c.sids[k] = sid;
      c.raw[k] = c.raw[i]!;
      c.off[k] = c.off[i]!;
      c.seenAt[k] = c.seenAt[i]!;
      c.state[k] = c.state[i]!;
      k++;
      const t = table();
      if (t[sid] === CANON_UNRESOLVED) {
        const template = next.sidTemplate[sid]!;
        t[sid] = template >= 0 ? next.canonicalMid(template, st.model) : -1;
      }
    }
    c.n = k;
    // Line positions refer to the old ids: the next page is matched by text.
    c.nLines = 0;
    st.spare.n = 0;
    st.spare.nLines = 0;
  }

  // The views: frozen counters, windows and last outputs, by series identity.
  const midMap = new Map<number, number>();
  const adoptMid = (mid: number): number => {
    let mapped = midMap.get(mid);
    if (mapped === undefined) {
      mapped = adopt(next, old.series[mid]!);
      midMap.set(mid, mapped);
    }
    return mapped;
  };
  for (const memory of memories) {
    for (const group of memory.groups.values()) {
      const frozen = [...group.frozen];
      group.frozen.clear();
      for (const [mid, f] of frozen) {
        const m = adoptMid(mid);
        if (m >= 0) group.frozen.set(m, f);
      }
      group.window?.remap(adoptMid);
      if (group.prev) {
        const counters: number[] = [];
        for (const mid of group.prev.mids)
          if (old.midFlags[mid]! & MID_COUNTER) {
            const m = adoptMid(mid);
            if (m >= 0) counters.push(m);
          }
        const rank = next.renderOrder().rank;
        counters.sort((a, b) => rank[a]! - rank[b]!);
        const mids = Int32Array.from(counters);
        group.prev = {
          ...group.prev,
          mids,
          values: new Float64Array(mids.length),
          since: new Float64Array(mids.length),
        };
      }
    }
  }
  return next;
}

/** The id in `next` of the series `s` of an older catalog (-1 when its family is gone). */
function adopt(next: SeriesCatalog, s: Series): number {
  const family = next.familyByNameOrUndefined(s.family.name);
  if (!family) return -1;
  if (s.kind === KIND_BUCKET || s.kind === KIND_QUANTILE) {
    const boundLabel = s.kind === KIND_BUCKET ? 'le' : 'quantile';
    const labels = s.labels.filter(([n]) => n !== boundLabel);
    return next.seriesOf(family, s.name, labels, s.kind, s.bound);
  }
  return next.seriesOf(family, s.name, s.labels, s.kind, s.bound);
}
