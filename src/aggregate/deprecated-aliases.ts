import type { SampleBuffer } from './endpoint-state.js';
import { type SeriesCatalog } from './series-catalog.js';
import { FLAG_ALIAS } from './series-codes.js';

/**
 * Deprecated aliases (§3.2): an alias feeds its canonical family only on pages
 * without the preferred name. A page's buffer records the alias families that are off
 * on it; readers ask through `isAliasOff` and `canonicalOf`.
 */

/**
 * The alias families that are off on the page in `out`. Pages of one endpoint keep
 * their families from cycle to cycle, so the previous answer is reused while the
 * declared families are the same.
 */
export function markAliasesOff(
  catalog: SeriesCatalog,
  out: SampleBuffer,
  prev: SampleBuffer,
): void {
  if (sameList(out.declared, prev.declared)) {
    out.aliasOff = prev.aliasOff;
    return;
  }
  const { families } = catalog;
  out.aliasOff = undefined;
  for (const f of out.declared) {
    const unless = families[f]!.sem.canonical?.unlessPageHas;
    if (unless === undefined) continue;
    const preferred = catalog.familyByNameOrUndefined(unless);
    if (preferred && out.declared.includes(preferred.id))
      (out.aliasOff ??= new Set()).add(f);
  }
}

/** The canonical mid an entry of `buffer` feeds, or -1 (none, or a deprecated alias off on that page). */
export function canonicalOf(
  catalog: SeriesCatalog,
  model: number,
  buffer: Pick<SampleBuffer, 'aliasOff'>,
  sid: number,
): number {
  if (isAliasOff(catalog, buffer.aliasOff, sid)) return -1;
  return catalog.canonTable(model)[sid] ?? -1;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `sid` is a deprecated alias that is off on the page `aliasOff` describes. */
export function isAliasOff(
  catalog: SeriesCatalog,
  aliasOff: ReadonlySet<number> | undefined,
  sid: number,
): boolean {
  return (
    aliasOff !== undefined &&
    (catalog.sidFlags[sid]! & FLAG_ALIAS) !== 0 &&
    aliasOff.has(catalog.midFamily[catalog.sidDpMid[sid]!]!)
  );
}
