import type { EndpointRef, PageResult } from '../scrape/scrape.types.js';
import type { MergedViews } from './merged-views.js';
import { pageLimits, type PageLimits } from '../parse/page-budget.js';
import { compactCatalog, shouldCompact } from './catalog-compaction.js';
import { cycleContext } from './cycle-context.js';
import { CycleViews } from './cycle-views.js';
import { SeriesCatalog } from './series-catalog.js';
import { foldIntoGroups } from './view-groups.js';
import { viewMemories } from './view-memory.js';
import type { CycleInput, EndpointScrapeStatus } from './aggregate.types.js';
import { EndpointState } from './endpoint-state.js';
import { PageIngestor } from './page-ingestor.js';
import { canonicalOf } from './deprecated-aliases.js';
import { FLAG_COUNTER } from './series-codes.js';

export interface AggregatorOptions {
  /** A failed endpoint keeps contributing its last good samples for this long. */
  staleAfterMs: number;
  /** S3 quantile window (ms); default 60 s. */
  windowMs?: number;
  /** R1 rank labels removed before merging; default `engine`, `dp_rank`, `tp_rank`, `pp_rank`, `pid`. */
  rankLabels?: readonly string[];
  /** Page budgets; 0 = no limit, missing = the default. */
  pageLimits?: Partial<PageLimits>;
  /** Series texts the catalog may hold before a compaction is considered (tests lower it). */
  compactAtSeries?: number;
  /** Cycles between two looks at whether to compact (default 8: counting costs a pass over every sample). */
  compactEvery?: number;
}

const DEFAULT_WINDOW_MS = 60_000;

/**
 * The pure metrics pipeline of one coordinator: pages in, one immutable snapshot per cycle out.
 * State kept across cycles: each endpoint's last good samples (restart offsets, parked
 * counters, join flags) and, per view group, the frozen counter bases (S1), the quantile
 * window (S3) and the previous output (to tell a join from a first appearance). No I/O, no
 * timers: it can run in a worker thread. The rules are SPEC §3.1/§3.2 (see
 * metric-semantics.ts and the README's "What each number means"); in short:
 * - An endpoint is *scraped* when it answered with ≥ 1 parsable sample. A failed endpoint
 *   keeps contributing its last good page until it is older than `staleAfterMs`; then it
 *   leaves (its counters stay in the merged series, its gauges drop out, never zeroed) and,
 *   answering again, joins anew. `stale` is false for an endpoint that never succeeded.
 * - Counter-like series: a drop is a restart (the old value moves into the entry's offset);
 *   a source joining an existing merged series adds 0, then its increases; a source that
 *   leaves (removed, stale, another role or model) keeps its last value in the series, which
 *   is shown frozen for `staleAfterMs` after its last live source. The `dp` view shows raw values.
 * - Views: `full` (role scopes), `role` (always the three roles), `instance`, `node` merge
 *   with rank labels dropped; `dp` keeps each endpoint as scraped, rank labels and summary
 *   quantiles included. Sample timestamps are ignored.
 * - A family a page declares (TYPE) without any sample in a group is kept: counters,
 *   gauges and untyped get one unlabeled sample 0 (with the view's labels); histograms,
 *   summaries, passthrough (`*_info`) and out-of-scope families keep only their HELP/TYPE.
 * - `motor:active_*_workers{model_name}` are cluster facts, printed without view labels.
 */
export class MetricsAggregator {
  private catalog: SeriesCatalog;
  private ingestor: PageIngestor;
  /** Catalogs replaced by a compaction so far (memory that followed the live fleet). */
  compactions = 0;
  private readonly views = new CycleViews();
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly memory = viewMemories();
  /** The cycle being ingested: endpoint key → its state and its place in the target list. */
  private open = new Map<string, { st: EndpointState; index: number }>();
  private readonly windowMs: number;
  /** When the page being ingested came: the time a parked counter folds at. */
  private foldAt = 0;
  private readonly fold = (
    ref: EndpointRef,
    sid: number,
    canon: number,
    value: number,
  ): void =>
    foldIntoGroups(
      this.memory,
      this.catalog,
      ref,
      sid,
      canon,
      value,
      this.foldAt,
    );

  constructor(private readonly opts: AggregatorOptions) {
    this.catalog = new SeriesCatalog({ rankLabels: opts.rankLabels });
    this.ingestor = new PageIngestor(this.catalog, pageLimits(opts.pageLimits));
    this.windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  }

  /** A whole cycle at once: `beginCycle`, every page, `finishCycle`. */
  ingest(cycle: CycleInput): MergedViews {
    this.beginCycle();
    cycle.pages.forEach((page, index) => this.ingestPage(page, index));
    return this.finishCycle(cycle);
  }

  /** Starts a cycle; pages may then arrive in any order, as they are fetched. */
  beginCycle(): void {
    this.open = new Map();
  }

  /**
   * One endpoint's result of the open cycle. `index` is its place in the
   * cycle's target list: views list endpoints in that order, whatever the
   * order of arrival. A second result for the same endpoint is ignored.
   */
  ingestPage(page: PageResult, index: number): void {
    const ref = page.endpoint;
    if (this.open.has(ref.key)) return; // one result per endpoint: the first wins
    const model = this.catalog.model(ref.modelName ?? '');
    let st = this.endpoints.get(ref.key);
    if (st && (st.ref.role !== ref.role || st.model !== model)) {
      // Another role (or model) is another source: it leaves its series and joins others (S1, S2).
      this.retire(st, page.at);
      st = undefined;
    }
    if (!st) {
      st = new EndpointState(ref, model);
      this.endpoints.set(ref.key, st);
    }
    this.open.set(ref.key, { st, index });
    st.ref = ref;
    st.lastAt = page.at;
    st.ingested = false;
    if (page.status === 'ok' && typeof page.body === 'string') {
      this.foldAt = page.at;
      const stats = this.ingestor.ingest(
        st,
        page.body,
        page.at,
        this.opts.staleAfterMs,
        this.fold,
      );
      st.badLines = stats.badLines;
      if (stats.samples > 0) {
        st.ingested = true;
        st.up = true;
        st.lastSuccessAt = page.at;
        st.lastError = null;
      } else {
        st.up = false;
        st.lastError = stats.rejected ?? 'no parsable sample';
      }
    } else {
      st.up = false;
      st.lastError = page.error ?? 'scrape failed';
    }
  }

  /** Ends the open cycle: endpoints without a result leave, the views are built. */
  finishCycle(cycle: Omit<CycleInput, 'pages'>): MergedViews {
    const { staleAfterMs } = this.opts;
    const open = this.open;
    this.open = new Map();
    const order = [...open.values()]
      .sort((a, b) => a.index - b.index)
      .map((e) => e.st);
    for (const st of order) {
      const stale =
        st.lastSuccessAt !== null &&
        cycle.finishedAt - st.lastSuccessAt > staleAfterMs;
      // A stale endpoint leaves (S6 → S1); when it answers again it joins anew.
      if (stale && !st.stale) this.retire(st, cycle.finishedAt);
      st.stale = stale;
    }
    for (const [key, st] of this.endpoints) {
      if (open.has(key)) continue;
      this.retire(st, cycle.finishedAt);
      this.endpoints.delete(key);
      this.views.forget(key);
    }

    // An emptied registry is a fresh start: no frozen series outlive every instance.
    if (this.endpoints.size === 0 && cycle.instances.length === 0)
      for (const view of Object.values(this.memory)) view.groups.clear();
    if (
      this.views.built % (this.opts.compactEvery ?? 8) === 0 &&
      shouldCompact(
        this.catalog,
        this.endpoints.values(),
        this.opts.compactAtSeries,
      )
    ) {
      // The latest snapshot keeps the old catalog; its lazily built `dp` is superseded now.
      this.catalog = compactCatalog(
        this.catalog,
        { rankLabels: this.opts.rankLabels },
        this.endpoints.values(),
        Object.values(this.memory),
      );
      this.ingestor = new PageIngestor(
        this.catalog,
        pageLimits(this.opts.pageLimits),
      );
      this.compactions++;
    }

    const ctx = cycleContext(
      this.catalog,
      cycle,
      cycle.instances,
      this.opts.staleAfterMs,
      this.windowMs,
    );
    const endpoints: EndpointScrapeStatus[] = order.map((st) => ({
      key: st.ref.key,
      up: st.up,
      lastSuccessAt: st.lastSuccessAt,
      lastError: st.lastError,
      stale: st.stale,
      badLines: st.badLines,
    }));
    return this.views.build(
      cycle.finishedAt,
      endpoints,
      order,
      ctx,
      this.memory,
    );
  }

  /** Series texts the catalog holds now (memory accounting). */
  get catalogSize(): number {
    return this.catalog.sidCount;
  }

  emptyViews(now: number): MergedViews {
    const ctx = cycleContext(
      this.catalog,
      { startedAt: now, finishedAt: now },
      [],
      this.opts.staleAfterMs,
      this.windowMs,
    );
    return this.views.build(now, [], [], ctx, viewMemories());
  }

  /** An endpoint leaves (unregistered, stale, or another role): its counters stay in the views' bases. */
  private retire(st: EndpointState, now: number): void {
    const c = st.cur;
    const flags = this.catalog.sidFlags;
    for (let i = 0; i < c.n; i++) {
      const sid = c.sids[i]!;
      if (flags[sid]! & FLAG_COUNTER)
        foldIntoGroups(
          this.memory,
          this.catalog,
          st.ref,
          sid,
          canonicalOf(this.catalog, st.model, c, sid),
          c.raw[i]! + c.off[i]!,
          now,
        );
    }
    c.n = 0;
    c.nLines = 0;
  }
}
