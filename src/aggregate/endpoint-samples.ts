import type { EndpointRef } from '../scrape/scrape.types.js';
import {
  parseExposition,
  type ExpositionHandler,
  type MetricType,
  type ParseStats,
} from '../parse/exposition-parser.js';
import { isValidMetricName, unescapeHelp } from '../parse/label-block.js';
import { DEFAULT_PAGE_LIMITS, type PageLimits } from '../parse/page-budget.js';
import type { Family } from './catalog.types.js';
import type { SeriesCatalog } from './series-catalog.js';
import {
  CANON_UNRESOLVED,
  FLAG_ALIAS,
  FLAG_CAPACITY,
  FLAG_COUNTER,
  FLAG_DROPPED,
  SID_INVALID,
} from './series-codes.js';
import { detach, isDroppedName } from './series-names.js';

/**
 * Per-endpoint sample store and the page handler that fills it.
 *
 * An endpoint keeps its last good page as parallel arrays (sid, raw value, counter
 * offset). A counter reset (new < old) adds the old value to the entry's offset, so
 * `raw + offset` never goes down. A counter-like series that vanishes from a page while
 * the endpoint still answers is *parked*: it keeps contributing its last value (not as a
 * live source) until it has not been seen for the staleness limit, and resumes with reset
 * detection if it comes back. Two buffers per endpoint are swapped, so steady state
 * allocates nothing.
 */

export class SampleBuffer {
  sids: Int32Array;
  raw: Float64Array;
  off: Float64Array;
  seenAt: Float64Array;
  /** ENTRY_* bits: parked (not on the last good page), fresh (joined this page). */
  state: Uint8Array;
  n = 0;
  /** R2: capacities the page states, by rank labels (`engine=0`), and the only one if single. */
  capacity: Map<string, number> | undefined;
  singleCapacity = NaN;
  /** Families of deprecated aliases whose preferred family is on the same page (§3.2). */
  aliasOff: Set<number> | undefined;
  /** The sid of every sample line of the page, in page order (dropped series included). */
  lines: Int32Array;
  nLines = 0;
  /** The name of every HELP/TYPE line, in page order (interned strings). */
  readonly comments: string[] = [];
  nComments = 0;
  declared: number[] = [];

  constructor(capacity = 64) {
    this.sids = new Int32Array(capacity);
    this.raw = new Float64Array(capacity);
    this.off = new Float64Array(capacity);
    this.seenAt = new Float64Array(capacity);
    this.state = new Uint8Array(capacity);
    this.lines = new Int32Array(capacity);
  }

  /** Room for `capacity` lines, growing by doubling (one line at a time while parsing). */
  ensureLines(capacity: number): void {
    if (capacity <= this.lines.length) return;
    this.resizeLines(Math.max(capacity, this.lines.length * 2));
  }

  /** Room for `capacity` samples, growing by doubling (one sample at a time while parsing). */
  ensure(capacity: number): void {
    if (capacity <= this.sids.length) return;
    let size = this.sids.length * 2;
    while (size < capacity) size *= 2;
    this.resize(size);
  }

  /**
   * Room for a page of about `samples` samples and `lines` lines (the size of the
   * endpoint's previous page), with 1/16 headroom: a page of steady shape then
   * never grows its buffer, and no buffer keeps doubling's slack for ever.
   */
  reserve(samples: number, lines: number): void {
    const fit = (n: number): number => Math.max(64, n + (n >> 4));
    if (samples > this.sids.length || this.sids.length > 2 * fit(samples))
      this.resize(Math.max(fit(samples), this.n));
    if (lines > this.lines.length || this.lines.length > 2 * fit(lines))
      this.resizeLines(Math.max(fit(lines), this.nLines));
  }

  private resizeLines(size: number): void {
    const lines = new Int32Array(size);
    lines.set(this.lines.subarray(0, this.nLines));
    this.lines = lines;
  }

  private resize(size: number): void {
    const sids = new Int32Array(size);
    sids.set(this.sids.subarray(0, this.n));
    const raw = new Float64Array(size);
    raw.set(this.raw.subarray(0, this.n));
    const off = new Float64Array(size);
    off.set(this.off.subarray(0, this.n));
    const seenAt = new Float64Array(size);
    seenAt.set(this.seenAt.subarray(0, this.n));
    const state = new Uint8Array(size);
    state.set(this.state.subarray(0, this.n));
    this.sids = sids;
    this.raw = raw;
    this.off = off;
    this.seenAt = seenAt;
    this.state = state;
  }
}

/** The entry was not on the last good page: a counter kept for monotonicity until stale. */
export const ENTRY_PARKED = 1;
/** The entry was not on the endpoint's previous page: it joins its merged series (S1). */
export const ENTRY_FRESH = 2;

export class EndpointState {
  cur = new SampleBuffer();
  spare = new SampleBuffer();
  lastSuccessAt: number | null = null;
  lastError: string | null = null;
  /** Answered this cycle with ≥ 1 parsable sample. */
  up = false;
  stale = false;
  badLines = 0;
  /** When this cycle's answer (or failure) came. */
  lastAt = 0;
  /** A page was read into `cur` this cycle: its fresh entries are this cycle's joins. */
  ingested = false;
  /** First good page, or the last counter restart seen (ms): the OTLP start time in `dp`. */
  since = 0;

  /** `model` is the catalog's index of the registry's `model_name` of the endpoint. */
  constructor(
    public ref: EndpointRef,
    readonly model: number,
  ) {}
}

/** Called for a counter-like entry that stops contributing for good: fold its value. */
export type FoldFn = (
  ref: EndpointRef,
  sid: number,
  canon: number,
  value: number,
) => void;

export class PageIngestor implements ExpositionHandler {
  private seen = new Int32Array(1024);
  private stamp = 0;
  private matched = new Int32Array(1024);
  private prevIndex: Map<number, number> | undefined;
  private out!: SampleBuffer;
  private prev!: SampleBuffer;
  private model = -1;
  private canonTable!: Int32Array;
  private restarted = false;
  private context: Family | undefined;
  /** A plain family this page declares that clashes with a histogram/summary: its lines are bad. */
  private refused: string | undefined;
  private pendingHelpName: string | undefined;
  private pendingHelp: string | undefined;
  /** Size of the last good page: the first guess for a new endpoint's. */
  private lastSamples = 0;
  private lastLines = 0;

  constructor(
    private readonly catalog: SeriesCatalog,
    private readonly limits: PageLimits = DEFAULT_PAGE_LIMITS,
  ) {}

  /**
   * Parses `body` into `st`. On ≥ 1 parsable sample the page replaces the endpoint's
   * samples (with reset detection and parking); otherwise the previous samples stay.
   */
  ingest(
    st: EndpointState,
    body: string,
    at: number,
    staleAfterMs: number,
    fold: FoldFn,
  ): ParseStats {
    if (this.stamp >= 0x7ffffff0) {
      this.seen.fill(0);
      this.matched.fill(0);
      this.stamp = 0;
    }
    this.stamp++;
    this.out = st.spare;
    this.out.n = 0;
    this.out.nLines = 0;
    this.out.nComments = 0;
    this.out.declared = [];
    this.prev = st.cur;
    this.model = st.model;
    this.canonTable = this.catalog.canonTable(st.model);
    this.restarted = false;
    // Sized from the endpoint's previous page, or for a new endpoint from the last page seen.
    if (this.prev.n > 0) {
      this.out.reserve(this.prev.n, this.prev.nLines);
    } else {
      this.out.reserve(this.lastSamples, this.lastLines);
    }
    this.prevIndex = undefined;
    this.context = undefined;
    this.refused = undefined;
    this.pendingHelpName = undefined;
    this.pendingHelp = undefined;
    if (this.matched.length < this.prev.n)
      this.matched = new Int32Array(this.prev.n * 2);

    const stats = parseExposition(body, this, this.limits);
    if (stats.samples === 0) return stats;
    if (st.since === 0 || this.restarted) st.since = at;
    this.lastSamples = this.out.n;
    this.lastLines = this.out.nLines;

    const out = this.out;
    const prev = this.prev;
    for (let i = 0; i < out.n; i++) out.seenAt[i] = at;
    // Carry over vanished counters as parked, fold the ones parked for too long.
    const flags = this.catalog.sidFlags;
    for (let j = 0; j < prev.n; j++) {
      if (this.matched[j] === this.stamp) continue;
      const sid = prev.sids[j]!;
      if (!(flags[sid]! & FLAG_COUNTER)) continue;
      const value = prev.raw[j]! + prev.off[j]!;
      if (at - prev.seenAt[j]! > staleAfterMs) {
        fold(
          st.ref,
          sid,
          canonicalOf(this.catalog, st.model, prev, sid),
          value,
        );
        continue;
      }
      out.ensure(out.n + 1);
      const k = out.n++;
      out.sids[k] = sid;
      out.raw[k] = prev.raw[j]!;
      out.off[k] = prev.off[j]!;
      out.seenAt[k] = prev.seenAt[j]!;
      out.state[k] = ENTRY_PARKED;
    }
    this.finishCanonical(out, prev);
    this.weighMeans(out);
    st.spare = prev;
    st.cur = out;
    return stats;
  }

  /**
   * A deprecated alias feeds its canonical family only on pages without the preferred
   * name: the alias families that are off on this page. Pages of one endpoint keep
   * their families from cycle to cycle, so the previous answer is reused while the
   * declared families are the same.
   */
  private finishCanonical(out: SampleBuffer, prev: SampleBuffer): void {
    if (sameList(out.declared, prev.declared)) {
      out.aliasOff = prev.aliasOff;
      return;
    }
    const { families } = this.catalog;
    out.aliasOff = undefined;
    for (const f of out.declared) {
      const unless = families[f]!.sem.canonical?.unlessPageHas;
      if (unless === undefined) continue;
      const preferred = this.catalog.familyByNameOrUndefined(unless);
      if (preferred && out.declared.includes(preferred.id))
        (out.aliasOff ??= new Set()).add(f);
    }
  }

  /**
   * R2: the capacity each utilisation sample is weighted by — vLLM's
   * `cache_config_info` (num_gpu_blocks × block_size), SGLang's
   * `max_total_num_tokens` — matched by rank labels (`engine="0"`) when the page
   * holds several engines, else the page's only capacity.
   */
  private weighMeans(out: SampleBuffer): void {
    const { sidFlags, sidDpMid, series, sidRankKey } = this.catalog;
    let capacity: Map<string, number> | undefined;
    for (let i = 0; i < out.n; i++) {
      const sid = out.sids[i]!;
      if (!(sidFlags[sid]! & FLAG_CAPACITY)) continue;
      const mid = sidDpMid[sid]!;
      if (mid < 0) continue;
      const s = series[mid]!;
      const source = s.family.sem.capacity;
      if (!source) continue;
      let c = NaN;
      if (source === 'sglang_max_tokens') c = out.raw[i]!;
      else {
        const blocks = s.labels.find(([n]) => n === 'num_gpu_blocks')?.[1];
        const size = s.labels.find(([n]) => n === 'block_size')?.[1];
        if (blocks !== undefined && size !== undefined)
          c = Number(blocks) * Number(size);
      }
      if (!(c > 0)) continue;
      capacity ??= new Map();
      capacity.set(sidRankKey[sid] ?? '', c);
    }
    out.capacity = capacity;
    out.singleCapacity =
      capacity?.size === 1 ? capacity.values().next().value! : NaN;
  }

  /** The interned name of a HELP/TYPE line, or undefined when the name is invalid. */
  private commentName(
    body: string,
    start: number,
    end: number,
  ): string | undefined {
    const out = this.out;
    const prev = this.prev;
    const index = out.nComments;
    const text = body.slice(start, end);
    let name: string | undefined;
    if (index < prev.nComments && prev.comments[index] === text)
      name = prev.comments[index];
    if (name === undefined) {
      if (!isValidMetricName(body, start, end)) return undefined;
      name = this.catalog.familyByNameOrUndefined(text)?.name ?? detach(text);
    }
    out.comments[index] = name;
    out.nComments = index + 1;
    return name;
  }

  help(
    body: string,
    nameStart: number,
    nameEnd: number,
    textStart: number,
    textEnd: number,
  ): boolean {
    const name = this.commentName(body, nameStart, nameEnd);
    if (name === undefined) return false;
    const family = this.catalog.familyByNameOrUndefined(name);
    this.pendingHelpName = undefined;
    if (family) {
      if (family.help === undefined && !family.derived) {
        family.help = detach(unescapeHelp(body, textStart, textEnd));
      }
      this.context = family.derived ? undefined : family;
      return true;
    }
    this.context = undefined;
    if (!isDroppedName(name)) {
      this.pendingHelpName = name;
      this.pendingHelp = unescapeHelp(body, textStart, textEnd);
    }
    return true;
  }

  type(
    body: string,
    nameStart: number,
    nameEnd: number,
    type: MetricType,
  ): boolean {
    const name = this.commentName(body, nameStart, nameEnd);
    if (name === undefined) return false;
    const help = this.pendingHelpName === name ? this.pendingHelp : undefined;
    const family = this.catalog.declare(name, type, help);
    this.context = family;
    this.refused =
      family === undefined &&
      (this.catalog.componentOf(name, type) ||
        this.catalog.familyByNameOrUndefined(name)?.clashed === true)
        ? name
        : undefined;
    if (family) this.out.declared.push(family.id);
    return true;
  }

  sample(body: string, start: number, end: number, value: number): boolean {
    const catalog = this.catalog;
    const out = this.out;
    const prev = this.prev;
    const line = out.nLines;
    // Pages of one endpoint keep their shape from cycle to cycle: try the series that was
    // on the same line last time first (a length check and one string comparison).
    let sid: number | undefined;
    const text = body.slice(start, end);
    const refused = this.refused;
    if (
      refused !== undefined &&
      text.startsWith(refused) &&
      (text.length === refused.length || text[refused.length] === '{')
    ) {
      if (line >= out.lines.length) out.ensureLines(line + 1);
      out.lines[line] = SID_INVALID;
      out.nLines = line + 1;
      return false;
    }
    if (line < prev.nLines) {
      const expected = prev.lines[line]!;
      if (expected >= 0 && catalog.sidText[expected] === text) sid = expected;
    }
    if (sid === undefined) {
      sid = catalog.lookup(text);
      if (sid === undefined) {
        sid = catalog.resolve(
          text,
          this.context,
          this.pendingHelpName,
          this.pendingHelp,
        );
        if (this.seen.length < catalog.sidCount) {
          const grown = new Int32Array(catalog.sidCount * 2);
          grown.set(this.seen);
          this.seen = grown;
        }
      }
    }
    if (line >= out.lines.length) out.ensureLines(line + 1);
    out.lines[line] = sid;
    out.nLines = line + 1;
    if (sid < 0) return false;
    const flags = catalog.sidFlags[sid]!;
    if (flags & FLAG_DROPPED) return true;
    // A series written twice on one page: keep the first, count the repeat as bad.
    if (this.seen[sid] === this.stamp) return false;
    this.seen[sid] = this.stamp;
    const counter = (flags & FLAG_COUNTER) !== 0;
    if (counter && value < 0) return false; // a negative counter or bucket is corrupt
    const k = out.n;
    if (k >= out.sids.length) out.ensure(k + 1);
    out.sids[k] = sid;
    out.raw[k] = value;
    let entry = 0;
    let offset = 0;
    let j = k < prev.n && prev.sids[k] === sid ? k : -1;
    if (j < 0 && prev.n > 0) j = this.lookupPrev(sid);
    if (j >= 0) {
      this.matched[j] = this.stamp;
      if (counter) {
        offset = prev.off[j]!;
        const old = prev.raw[j]!;
        if (value < old) {
          offset += old;
          this.restarted = true;
        }
      }
    } else {
      entry = ENTRY_FRESH;
      if (this.canonTable.length <= sid)
        this.canonTable = catalog.canonTable(this.model);
      if (this.canonTable[sid] === CANON_UNRESOLVED) {
        const template = catalog.sidTemplate[sid]!;
        this.canonTable[sid] =
          template >= 0 ? catalog.canonicalMid(template, this.model) : -1;
      }
    }
    out.state[k] = entry;
    out.off[k] = offset;
    out.n = k + 1;
    return true;
  }

  private lookupPrev(sid: number): number {
    if (!this.prevIndex) {
      this.prevIndex = new Map();
      const prev = this.prev;
      for (let j = 0; j < prev.n; j++) this.prevIndex.set(prev.sids[j]!, j);
    }
    return this.prevIndex.get(sid) ?? -1;
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
