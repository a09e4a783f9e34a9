import type { GroupOutput } from '../aggregate/aggregate.types.js';
import type { Family, Series } from '../aggregate/catalog.types.js';
import type { ViewType } from '../aggregate/views.js';

/**
 * Cardinality bounds of the views (SPEC §3.2): family allow/deny lists and a
 * series budget per view. Plain data, so that it crosses to the worker thread.
 */

/** Glob patterns, for every view (a list) or per view (an object keyed by view). */
export type FamilyPatterns =
  readonly string[] | Readonly<Partial<Record<ViewType, readonly string[]>>>;
/** One series budget for every view, or one per view (a view left out is unbounded). */
export type SeriesBudget = number | Readonly<Partial<Record<ViewType, number>>>;

export interface FamilyFilterOptions {
  /** Empty (or none for the view): every family. */
  readonly include?: FamilyPatterns;
  readonly exclude?: FamilyPatterns;
  readonly maxSeries?: SeriesBudget;
}

/** Series a render left out of its view because of the budget, by family. */
export interface DroppedFamily {
  readonly family: string;
  readonly series: number;
}

/**
 * Families a view always keeps, whatever the lists and the budget say: the
 * freshness families that tell whether the view can be trusted.
 */
const PROTECTED =
  /^(?:motor:endpoints_.*|motor:scrape_duration_seconds|motor:endpoint_up|motor:endpoint_last_success_timestamp_seconds|motor_coordinator_.*)$/;

export function isProtectedFamily(name: string): boolean {
  return PROTECTED.test(name);
}

/** `*` any run of characters, `?` one character; everything else literal; whole name. */
export function compileGlob(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'u');
}

function patternsFor(
  p: FamilyPatterns | undefined,
  view: ViewType,
): readonly string[] {
  if (p === undefined) return [];
  if (Array.isArray(p)) return p as readonly string[];
  return (p as Partial<Record<ViewType, readonly string[]>>)[view] ?? [];
}

function budgetFor(b: SeriesBudget | undefined, view: ViewType): number {
  if (b === undefined) return Number.POSITIVE_INFINITY;
  if (typeof b === 'number') return b;
  return b[view] ?? Number.POSITIVE_INFINITY;
}

function oneRegex(patterns: readonly string[]): RegExp | undefined {
  if (patterns.length === 0) return undefined;
  return new RegExp(
    patterns.map((p) => `(?:${compileGlob(p).source})`).join('|'),
    'u',
  );
}

interface ViewRule {
  readonly include: RegExp | undefined;
  readonly exclude: RegExp | undefined;
  readonly maxSeries: number;
}

/** Per family id: 1 kept by the lists, 0 not; the first `decided` ids are decided. */
interface Decisions {
  allowed: Uint8Array;
  decided: number;
}

/** What one render keeps: per family id 1 or 0, and the families the budget dropped. */
export interface FamilySelection {
  readonly keep: Uint8Array;
  readonly dropped: readonly DroppedFamily[];
}

/**
 * The lists compiled once to one regex per view and list; each family is
 * matched once, when the catalog first shows it to a render of that view.
 */
export class FamilyFilter {
  private readonly rules = new Map<ViewType, ViewRule>();
  /**
   * Per catalog (its family list: a compaction starts a new catalog whose ids
   * differ), per view: the decisions so far.
   */
  private readonly decisions = new WeakMap<
    readonly Family[],
    Map<ViewType, Decisions>
  >();

  constructor(private readonly options: FamilyFilterOptions = {}) {}

  /** True when no list and no budget applies: renders skip every check. */
  get inactive(): boolean {
    const o = this.options;
    const empty = (p: FamilyPatterns | undefined): boolean =>
      p === undefined ||
      (Array.isArray(p)
        ? p.length === 0
        : Object.values(p).every((l) => (l as string[]).length === 0));
    const unbounded =
      o.maxSeries === undefined ||
      (typeof o.maxSeries === 'number'
        ? !Number.isFinite(o.maxSeries)
        : Object.keys(o.maxSeries).length === 0);
    return empty(o.include) && empty(o.exclude) && unbounded;
  }

  private rule(view: ViewType): ViewRule {
    let r = this.rules.get(view);
    if (!r) {
      r = {
        include: oneRegex(patternsFor(this.options.include, view)),
        exclude: oneRegex(patternsFor(this.options.exclude, view)),
        maxSeries: budgetFor(this.options.maxSeries, view),
      };
      this.rules.set(view, r);
    }
    return r;
  }

  /** Per family id: 1 when the view's lists keep it. Grows with the catalog. */
  allowed(view: ViewType, families: readonly Family[]): Uint8Array {
    const r = this.rule(view);
    let perView = this.decisions.get(families);
    if (!perView) this.decisions.set(families, (perView = new Map()));
    let d = perView.get(view);
    if (!d)
      perView.set(view, (d = { allowed: new Uint8Array(64), decided: 0 }));
    if (d.decided < families.length) {
      if (d.allowed.length < families.length) {
        const next = new Uint8Array(
          Math.max(families.length, d.allowed.length * 2),
        );
        next.set(d.allowed);
        d.allowed = next;
      }
      for (let f = d.decided; f < families.length; f++) {
        const name = families[f]!.name;
        d.allowed[f] =
          isProtectedFamily(name) ||
          ((r.include === undefined || r.include.test(name)) &&
            (r.exclude === undefined || !r.exclude.test(name)))
            ? 1
            : 0;
      }
      d.decided = families.length;
    }
    return d.allowed;
  }

  maxSeries(view: ViewType): number {
    return this.rule(view).maxSeries;
  }

  /**
   * The families one render of `view` prints: those the lists keep, less,
   * when they would print more than the budget, whole families, the largest
   * first (by name on a tie), never a protected one, until the rest fit.
   */
  select(
    view: ViewType,
    families: readonly Family[],
    series: readonly Series[],
    groups: readonly GroupOutput[],
  ): FamilySelection {
    const allowed = this.allowed(view, families);
    const keep = allowed.slice(0, families.length);
    const budget = this.maxSeries(view);
    let cells = 0;
    for (const g of groups) cells += g.mids.length;
    if (cells <= budget) return { keep, dropped: [] };
    const counts = new Float64Array(families.length);
    let total = 0;
    for (const g of groups) {
      const mids = g.mids;
      for (let c = 0; c < mids.length; c++) {
        const fid = series[mids[c]!]!.family.id;
        if (keep[fid] === 1) {
          counts[fid]!++;
          total++;
        }
      }
    }
    if (total <= budget) return { keep, dropped: [] };
    const candidates: number[] = [];
    for (let f = 0; f < families.length; f++)
      if (counts[f]! > 0 && !isProtectedFamily(families[f]!.name))
        candidates.push(f);
    candidates.sort((a, b) =>
      counts[b]! !== counts[a]!
        ? counts[b]! - counts[a]!
        : families[a]!.name < families[b]!.name
          ? -1
          : 1,
    );
    const dropped: DroppedFamily[] = [];
    for (const f of candidates) {
      if (total <= budget) break;
      keep[f] = 0;
      total -= counts[f]!;
      dropped.push({ family: families[f]!.name, series: counts[f]! });
    }
    return { keep, dropped };
  }
}

/** Moves each group's cursor past family `fid` (a family the view leaves out). */
export function skipFamily(
  groups: readonly GroupOutput[],
  cursors: Int32Array,
  series: readonly Series[],
  fid: number,
): void {
  for (let g = 0; g < groups.length; g++) {
    const mids = groups[g]!.mids;
    let c = cursors[g]!;
    while (c < mids.length && series[mids[c]!]!.family.id === fid) c++;
    cursors[g] = c;
  }
}
