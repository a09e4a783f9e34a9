import type { EndpointRef } from '../scrape/scrape.types.js';

/**
 * What the aggregate keeps per endpoint: its last good page as parallel arrays (sid,
 * raw value, counter offset, last sighting, entry state), the page's capacities and
 * deprecated aliases, and the endpoint's status. `raw + offset` of a counter never goes
 * down, and counters that left the page stay *parked* until stale (page-ingestor.ts).
 * Two buffers per endpoint are swapped, so steady state allocates nothing.
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
