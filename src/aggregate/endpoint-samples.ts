import type { EndpointRef } from './cycle.types.js';
import {
  parseExposition,
  type ExpositionHandler,
  type MetricType,
  type ParseStats,
} from '../parse/exposition-parser.js';
import { unescapeHelp } from '../parse/label-block.js';
import {
  FLAG_COUNTER,
  SID_DROPPED,
  type Family,
  type SeriesCatalog,
} from './series-catalog.js';

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
  /** 1 when the series was not on the last good page (counter kept for monotonicity). */
  parked: Uint8Array;
  n = 0;
  declared: number[] = [];

  constructor(capacity = 64) {
    this.sids = new Int32Array(capacity);
    this.raw = new Float64Array(capacity);
    this.off = new Float64Array(capacity);
    this.seenAt = new Float64Array(capacity);
    this.parked = new Uint8Array(capacity);
  }

  ensure(capacity: number): void {
    if (capacity <= this.sids.length) return;
    let size = this.sids.length * 2;
    while (size < capacity) size *= 2;
    const sids = new Int32Array(size);
    sids.set(this.sids.subarray(0, this.n));
    const raw = new Float64Array(size);
    raw.set(this.raw.subarray(0, this.n));
    const off = new Float64Array(size);
    off.set(this.off.subarray(0, this.n));
    const seenAt = new Float64Array(size);
    seenAt.set(this.seenAt.subarray(0, this.n));
    const parked = new Uint8Array(size);
    parked.set(this.parked.subarray(0, this.n));
    this.sids = sids;
    this.raw = raw;
    this.off = off;
    this.seenAt = seenAt;
    this.parked = parked;
  }
}

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

  constructor(public ref: EndpointRef) {}
}

/** Called for a counter-like entry that stops contributing for good: fold its value. */
export type FoldFn = (ref: EndpointRef, sid: number, value: number) => void;

export class PageIngestor implements ExpositionHandler {
  private seen = new Int32Array(1024);
  private stamp = 0;
  private matched = new Int32Array(1024);
  private prevIndex: Map<number, number> | undefined;
  private out!: SampleBuffer;
  private prev!: SampleBuffer;
  private context: Family | undefined;
  private pendingHelpName: string | undefined;
  private pendingHelp: string | undefined;

  constructor(private readonly catalog: SeriesCatalog) {}

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
    this.out.declared = [];
    this.prev = st.cur;
    this.prevIndex = undefined;
    this.context = undefined;
    this.pendingHelpName = undefined;
    this.pendingHelp = undefined;
    if (this.matched.length < this.prev.n)
      this.matched = new Int32Array(this.prev.n * 2);

    const stats = parseExposition(body, this);
    if (stats.samples === 0) return stats;

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
        fold(st.ref, sid, value);
        continue;
      }
      out.ensure(out.n + 1);
      const k = out.n++;
      out.sids[k] = sid;
      out.raw[k] = prev.raw[j]!;
      out.off[k] = prev.off[j]!;
      out.seenAt[k] = prev.seenAt[j]!;
      out.parked[k] = 1;
    }
    st.spare = prev;
    st.cur = out;
    return stats;
  }

  help(name: string, body: string, textStart: number, textEnd: number): void {
    const family = this.catalog.familyByNameOrUndefined(name);
    if (family) {
      if (family.help === undefined && !family.derived) {
        family.help = unescapeHelp(body, textStart, textEnd);
      }
      this.context = family.derived ? undefined : family;
      this.pendingHelpName = undefined;
      return;
    }
    this.context = undefined;
    this.pendingHelpName = name;
    this.pendingHelp = unescapeHelp(body, textStart, textEnd);
  }

  type(name: string, type: MetricType): void {
    const help = this.pendingHelpName === name ? this.pendingHelp : undefined;
    const family = this.catalog.declare(name, type, help);
    this.context = family;
    if (family) this.out.declared.push(family.id);
  }

  sample(body: string, start: number, end: number, value: number): boolean {
    const catalog = this.catalog;
    const text = body.slice(start, end);
    let sid = catalog.lookup(text);
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
    if (sid < 0) return sid === SID_DROPPED;
    // A series written twice on one page: keep the first, count the repeat as bad.
    if (this.seen[sid] === this.stamp) return false;
    this.seen[sid] = this.stamp;
    const counter = (catalog.sidFlags[sid]! & FLAG_COUNTER) !== 0;
    if (counter && value < 0) return false; // a negative counter or bucket is corrupt
    const out = this.out;
    const k = out.n;
    if (k >= out.sids.length) out.ensure(k + 1);
    out.sids[k] = sid;
    out.raw[k] = value;
    out.parked[k] = 0;
    let offset = 0;
    const prev = this.prev;
    let j = k < prev.n && prev.sids[k] === sid ? k : -1;
    if (j < 0 && prev.n > 0) j = this.lookupPrev(sid);
    if (j >= 0) {
      this.matched[j] = this.stamp;
      if (counter) {
        offset = prev.off[j]!;
        const old = prev.raw[j]!;
        if (value < old) offset += old;
      }
    }
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
