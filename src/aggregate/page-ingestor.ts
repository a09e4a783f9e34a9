import {
  parseExposition,
  type ExpositionHandler,
  type MetricType,
  type ParseStats,
} from '../parse/exposition-parser.js';
import { isValidMetricName, unescapeHelp } from '../parse/label-block.js';
import { DEFAULT_PAGE_LIMITS, type PageLimits } from '../parse/page-budget.js';
import type { EndpointRef } from '../scrape/scrape.types.js';
import { canonicalOf, markAliasesOff } from './deprecated-aliases.js';
import {
  ENTRY_FRESH,
  ENTRY_PARKED,
  type EndpointState,
  type SampleBuffer,
} from './endpoint-state.js';
import { readCapacities } from './page-capacity.js';
import type { Family } from './catalog.types.js';
import type { SeriesCatalog } from './series-catalog.js';
import {
  CANON_UNRESOLVED,
  FLAG_COUNTER,
  FLAG_DROPPED,
  SID_INVALID,
} from './series-codes.js';
import { detach, isDroppedName } from './series-names.js';

/** Called for a counter-like entry that stops contributing for good: fold its value. */
export type FoldFn = (
  ref: EndpointRef,
  sid: number,
  canon: number,
  value: number,
) => void;

/**
 * Reads a page straight into an endpoint's spare buffer (endpoint-state.ts), within
 * the page budgets, then swaps it in. A counter reset (new < old) adds the old value to
 * the entry's offset, so `raw + offset` never goes down. A counter-like series that
 * vanishes from a page while the endpoint still answers is *parked*: it keeps
 * contributing its last value (not as a live source) until it has not been seen for the
 * staleness limit, then `fold` takes its value; if it comes back it resumes with reset
 * detection.
 */
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
    markAliasesOff(this.catalog, out, prev);
    readCapacities(this.catalog, out);
    st.spare = prev;
    st.cur = out;
    return stats;
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
