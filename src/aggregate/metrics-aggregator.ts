import { ROLES, type Role } from '../instances/role.js';
import type { LabelPair } from '../parse/label-block.js';
import type { ViewOutput } from './aggregate.types.js';
import type {
  CycleInput,
  EndpointRef,
  EndpointScrapeStatus,
  InstanceRef,
  PageResult,
  ViewType,
} from './cycle.types.js';
import { EndpointState, PageIngestor } from './endpoint-samples.js';
import {
  AggregatedSnapshot,
  SnapshotSupersededError,
  type MetricsSnapshot,
} from './metrics-snapshot.js';
import {
  FLAG_COUNTER,
  FLAG_SCOPE_DECODE,
  FLAG_SCOPE_PREFILL,
  MID_GENERATION_TOKENS,
  MID_PROMPT_TOKENS,
  SeriesCatalog,
} from './series-catalog.js';
import {
  ViewBuilder,
  ViewMemory,
  advanceRates,
  type BuildContext,
  type GroupSpec,
  type SourceState,
} from './view-builder.js';

export type { MetricsSnapshot } from './metrics-snapshot.js';

export interface AggregatorOptions {
  /** A failed endpoint keeps contributing its last good samples for this long. */
  staleAfterMs: number;
}

const MERGED_VIEWS = ['full', 'role', 'instance', 'node'] as const;
type MergedView = (typeof MERGED_VIEWS)[number];

function groupKey(view: MergedView | 'dp', ref: EndpointRef): string {
  switch (view) {
    case 'full':
      return '';
    case 'role':
      return ref.role;
    case 'instance':
      return String(ref.instanceId);
    case 'node':
      return `${ref.podIp}|${ref.role}`;
    case 'dp':
      return ref.key;
  }
}

const ROLE_RANK: Readonly<Record<Role, number>> = {
  prefill: 0,
  decode: 1,
  union: 2,
};

/**
 * The pure metrics pipeline of one coordinator: pages in, one immutable snapshot per cycle out.
 * State kept across cycles: each endpoint's last good samples (staleness, counter-reset
 * offsets, parked counters) and, per view group, the baselines that keep cluster counters
 * monotonic when a source leaves. No I/O, no timers: it can run in a worker thread.
 *
 * Behaviour in short (see metric-semantics.ts for the per-metric table):
 * - An endpoint is *scraped* when it answered with ≥ 1 parsable sample. A failed endpoint
 *   keeps contributing its last good page until it is older than `staleAfterMs`; then its
 *   gauges drop out (never zeroed) while its counters stay in merged views as *parked*
 *   values (they keep the sum monotonic but do not keep a series alive). `stale` is false
 *   for an endpoint that never succeeded.
 * - Counter-like series (counters, histogram buckets/_sum/_count, summary _sum/_count):
 *   a drop is a reset and the old value moves into a per-endpoint offset; an endpoint that
 *   leaves (or changes role) and a series parked longer than `staleAfterMs` are folded into
 *   the baseline of every merged group they fed. A baseline is dropped as soon as its
 *   label set has no live source in that group. The `dp` view shows raw values.
 * - Views: `full`, `role` (always the three roles, empty ones with zero freshness),
 *   `instance`, `node` (pod IP + role) merge with the `engine` label dropped; `dp` keeps
 *   each endpoint as scraped, `engine` label included, summary quantiles included, plus
 *   its own derived gauges. Role scope applies to `full` only. Sample timestamps are ignored.
 * - A family a page declares (TYPE) without any sample in a group is kept: counters,
 *   gauges and untyped get one unlabeled sample 0 (with the view's labels); histograms,
 *   summaries and passthrough (`*_info`) families keep only their HELP/TYPE lines.
 * - `motor:active_*_workers` are cluster facts, printed once without labels in every view.
 */
export class MetricsAggregator {
  private readonly catalog = new SeriesCatalog();
  private readonly ingestor = new PageIngestor(this.catalog);
  private readonly builder = new ViewBuilder();
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly memory: Record<ViewType, ViewMemory> = {
    full: new ViewMemory(),
    role: new ViewMemory(),
    instance: new ViewMemory(),
    node: new ViewMemory(),
    dp: new ViewMemory(),
  };
  /** The cycle being ingested: endpoint key → its state and its place in the target list. */
  private open = new Map<string, { st: EndpointState; index: number }>();
  /** Cycles finished: a lazily built view of an older one can no longer be built. */
  private finished = 0;
  /** The role-scope masks the previous cycle merged the full view with. */
  private skipMask: Record<Role, number> = { prefill: 0, decode: 0, union: 0 };
  private readonly fold = (
    ref: EndpointRef,
    sid: number,
    value: number,
  ): void => this.foldIntoBaselines(ref, sid, value);

  constructor(private readonly opts: AggregatorOptions) {}

  /** A whole cycle at once: `beginCycle`, every page, `finishCycle`. */
  ingest(cycle: CycleInput): MetricsSnapshot {
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
    let st = this.endpoints.get(ref.key);
    if (st && st.ref.role !== ref.role) {
      this.retire(st);
      st = undefined;
    }
    if (!st) {
      st = new EndpointState(ref);
      this.endpoints.set(ref.key, st);
    }
    this.open.set(ref.key, { st, index });
    st.ref = ref;
    st.lastAt = page.at;
    if (page.status === 'ok' && typeof page.body === 'string') {
      const stats = this.ingestor.ingest(
        st,
        page.body,
        page.at,
        this.opts.staleAfterMs,
        this.fold,
      );
      st.badLines = stats.badLines;
      if (stats.samples > 0) {
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
  finishCycle(cycle: Omit<CycleInput, 'pages'>): MetricsSnapshot {
    const { staleAfterMs } = this.opts;
    const open = this.open;
    this.open = new Map();
    const order = [...open.values()]
      .sort((a, b) => a.index - b.index)
      .map((e) => e.st);
    for (const st of order) {
      st.stale =
        st.lastSuccessAt !== null &&
        cycle.finishedAt - st.lastSuccessAt > staleAfterMs;
    }
    for (const [key, st] of this.endpoints) {
      if (open.has(key)) continue;
      this.retire(st);
      this.endpoints.delete(key);
    }

    const skipMask = scopeMasks(cycle.instances);
    const ctx: BuildContext = {
      catalog: this.catalog,
      startedAt: cycle.startedAt,
      finishedAt: cycle.finishedAt,
      skipMask,
      workers: activeWorkers(cycle.instances),
    };
    const views = this.buildViews(order, ctx, this.memory);
    this.skipMask = skipMask;
    const endpoints: EndpointScrapeStatus[] = order.map((st) => ({
      key: st.ref.key,
      up: st.up,
      lastSuccessAt: st.lastSuccessAt,
      lastError: st.lastError,
      stale: st.stale,
      badLines: st.badLines,
    }));
    return new AggregatedSnapshot(
      cycle.finishedAt,
      endpoints,
      this.catalog,
      views,
    );
  }

  emptySnapshot(now: number): MetricsSnapshot {
    const ctx: BuildContext = {
      catalog: this.catalog,
      startedAt: now,
      finishedAt: now,
      skipMask: { prefill: 0, decode: 0, union: 0 },
      workers: { prefill: 0, decode: 0, union: 0 },
    };
    const scratch: Record<ViewType, ViewMemory> = {
      full: new ViewMemory(),
      role: new ViewMemory(),
      instance: new ViewMemory(),
      node: new ViewMemory(),
      dp: new ViewMemory(),
    };
    return new AggregatedSnapshot(
      now,
      [],
      this.catalog,
      this.buildViews([], ctx, scratch),
    );
  }

  /**
   * The merged views now; `dp` (one group per endpoint, as many cells as all
   * pages together) only when first rendered, from a copy of what it reads of
   * each endpoint taken now. That copy stays valid while this is the latest
   * cycle: an endpoint's buffers are reused two cycles later, and its token
   * rates are worked out now, every cycle, so that they never span cycles.
   */
  private buildViews(
    order: readonly EndpointState[],
    ctx: BuildContext,
    memory: Record<ViewType, ViewMemory>,
  ): Record<ViewType, ViewOutput | (() => ViewOutput)> {
    const specs = groupSpecs(order);
    const dpSpecs = this.captureDp(specs.dp, ctx, memory.dp);
    const seq = ++this.finished;
    let dp: ViewOutput | undefined;
    return {
      full: this.builder.build('full', specs.full, ctx, memory.full),
      role: this.builder.build('role', specs.role, ctx, memory.role),
      instance: this.builder.build(
        'instance',
        specs.instance,
        ctx,
        memory.instance,
      ),
      node: this.builder.build('node', specs.node, ctx, memory.node),
      dp: () => {
        if (dp) return dp;
        if (seq !== this.finished) throw new SnapshotSupersededError();
        dp = this.builder.build('dp', dpSpecs, ctx, new ViewMemory());
        return dp;
      },
    };
  }

  /** The dp groups with their endpoint's samples copied (by reference) and token rates set. */
  private captureDp(
    specs: readonly GroupSpec[],
    ctx: BuildContext,
    memory: ViewMemory,
  ): GroupSpec[] {
    const { sidDpMid, midFlags } = this.catalog;
    const out: GroupSpec[] = [];
    for (const spec of specs) {
      const st = spec.endpoints[0]!;
      const c = st.cur;
      let prompt = 0;
      let generation = 0;
      if (!st.stale) {
        for (let i = 0; i < c.n; i++) {
          if (c.parked[i] === 1) continue;
          const mid = sidDpMid[c.sids[i]!]!;
          if (mid < 0) continue;
          const f = midFlags[mid]!;
          if (f & MID_PROMPT_TOKENS) prompt += c.raw[i]!;
          if (f & MID_GENERATION_TOKENS) generation += c.raw[i]!;
        }
      }
      const source: SourceState = {
        ref: st.ref,
        cur: {
          n: c.n,
          sids: c.sids,
          raw: c.raw,
          off: c.off,
          parked: c.parked,
          declared: c.declared,
        },
        stale: st.stale,
        up: st.up,
        lastAt: st.lastAt,
        lastSuccessAt: st.lastSuccessAt,
      };
      out.push({
        ...spec,
        endpoints: [source],
        rates: advanceRates(
          memory,
          spec.key,
          prompt,
          generation,
          ctx.finishedAt,
        ),
      });
    }
    const keys = new Set(specs.map((s) => s.key));
    for (const key of memory.rates.keys())
      if (!keys.has(key)) memory.rates.delete(key);
    return out;
  }

  /** An endpoint leaves (unregistered, or its role changed): its counters become baselines. */
  private retire(st: EndpointState): void {
    const c = st.cur;
    const flags = this.catalog.sidFlags;
    for (let i = 0; i < c.n; i++) {
      const sid = c.sids[i]!;
      if (flags[sid]! & FLAG_COUNTER)
        this.foldIntoBaselines(st.ref, sid, c.raw[i]! + c.off[i]!);
    }
    c.n = 0;
  }

  private foldIntoBaselines(
    ref: EndpointRef,
    sid: number,
    value: number,
  ): void {
    if (Number.isNaN(value)) return;
    const mid = this.catalog.sidMid[sid]!;
    if (mid < 0) return;
    const skipFull =
      (this.catalog.sidFlags[sid]! & this.skipMask[ref.role]) !== 0;
    for (const view of MERGED_VIEWS) {
      if (view === 'full' && skipFull) continue;
      const key = groupKey(view, ref);
      const baselines = this.memory[view].baselines;
      let b = baselines.get(key);
      if (!b) {
        b = new Map();
        baselines.set(key, b);
      }
      b.set(mid, (b.get(mid) ?? 0) + value);
    }
  }
}

function scopeMasks(instances: readonly InstanceRef[]): Record<Role, number> {
  const decodeSide = instances.some(
    (i) => i.role === 'decode' || i.role === 'union',
  );
  const prefillSide = instances.some(
    (i) => i.role === 'prefill' || i.role === 'union',
  );
  return {
    prefill: decodeSide ? FLAG_SCOPE_DECODE : 0,
    decode: prefillSide ? FLAG_SCOPE_PREFILL : 0,
    union: 0,
  };
}

function activeWorkers(
  instances: readonly InstanceRef[],
): Record<Role, number> {
  const workers: Record<Role, number> = { prefill: 0, decode: 0, union: 0 };
  for (const i of instances) if (!i.paused) workers[i.role]++;
  return workers;
}

function groupSpecs(
  order: readonly EndpointState[],
): Record<ViewType, GroupSpec[]> {
  const by = (
    keyOf: (st: EndpointState) => string,
  ): Map<string, EndpointState[]> => {
    const m = new Map<string, EndpointState[]>();
    for (const st of order) {
      const k = keyOf(st);
      const list = m.get(k);
      if (list) list.push(st);
      else m.set(k, [st]);
    }
    return m;
  };
  const spec = (
    key: string,
    labels: LabelPair[],
    endpoints: EndpointState[],
    role?: Role,
  ): GroupSpec => ({
    key,
    labels,
    role,
    endpoints,
  });

  const byRole = by((st) => st.ref.role);
  const role = ROLES.map((r) => spec(r, [['role', r]], byRole.get(r) ?? [], r));

  const instance = [...by((st) => groupKey('instance', st.ref))]
    .map(([key, eps]) => {
      const ref = eps[0]!.ref;
      return {
        id: ref.instanceId,
        s: spec(
          key,
          [
            ['instance_id', key],
            ['role', ref.role],
          ],
          eps,
        ),
      };
    })
    .sort((a, b) => a.id - b.id)
    .map((x) => x.s);

  const node = [...by((st) => groupKey('node', st.ref))]
    .map(([key, eps]) => {
      const ref = eps[0]!.ref;
      return {
        ref,
        s: spec(
          key,
          [
            ['pod_ip', ref.podIp],
            ['role', ref.role],
          ],
          eps,
        ),
      };
    })
    .sort((a, b) =>
      a.ref.podIp < b.ref.podIp
        ? -1
        : a.ref.podIp > b.ref.podIp
          ? 1
          : ROLE_RANK[a.ref.role] - ROLE_RANK[b.ref.role],
    )
    .map((x) => x.s);

  const dp = [...order]
    .sort(
      (a, b) =>
        a.ref.instanceId - b.ref.instanceId ||
        (a.ref.podIp < b.ref.podIp ? -1 : a.ref.podIp > b.ref.podIp ? 1 : 0) ||
        a.ref.dpRank - b.ref.dpRank,
    )
    .map((st) =>
      spec(
        st.ref.key,
        [
          ['dp_rank', String(st.ref.dpRank)],
          ['role', st.ref.role],
          ['instance_id', String(st.ref.instanceId)],
          ['pod_ip', st.ref.podIp],
        ],
        [st],
      ),
    );

  return { full: [spec('', [], [...order])], role, instance, node, dp };
}
