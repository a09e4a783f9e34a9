import { captureDp } from './dp-capture.js';
import { CycleSupersededError, type MergedViews } from './merged-views.js';
import type { QuantileWindow } from './quantile-window.js';
import type { SeriesCatalog } from './series-catalog.js';
import type { BuildContext } from './view-build.types.js';
import { ViewBuilder } from './view-builder.js';
import { groupSpecs } from './view-groups.js';
import { ViewMemory } from './view-memory.js';
import type { ViewType } from './views.js';
import type { EndpointScrapeStatus, ViewOutput } from './aggregate.types.js';
import type { EndpointState } from './endpoint-state.js';

/** A finished cycle's endpoints into its views: the snapshot the aggregator hands out. */
export class CycleViews {
  private readonly builder = new ViewBuilder();
  /** Per endpoint of the `dp` view: its token totals over the quantile window. */
  private readonly dpWindows = new Map<string, QuantileWindow>();
  /** Cycles finished: a lazily built view of an older one can no longer be built. */
  private finished = 0;

  /** Cycles whose views were built so far. */
  get built(): number {
    return this.finished;
  }

  /** An endpoint left for good: its `dp` token window goes with it. */
  forget(key: string): void {
    this.dpWindows.delete(key);
  }

  build(
    createdAt: number,
    endpoints: readonly EndpointScrapeStatus[],
    order: readonly EndpointState[],
    ctx: BuildContext,
    memory: Record<ViewType, ViewMemory>,
  ): MergedViews {
    return mergedViews(
      createdAt,
      endpoints,
      ctx.catalog,
      this.buildViews(order, ctx, memory),
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
    const dpSpecs = captureDp(specs.dp, ctx, this.dpWindows);
    const seq = ++this.finished;
    let dp: ViewOutput | undefined;
    // `role` first: the full view's PD TTFT estimate reads its prefill and decode groups.
    const role = this.builder.build('role', specs.role, ctx, memory.role);
    return {
      full: this.builder.build('full', specs.full, ctx, memory.full),
      role,
      instance: this.builder.build(
        'instance',
        specs.instance,
        ctx,
        memory.instance,
      ),
      node: this.builder.build('node', specs.node, ctx, memory.node),
      dp: () => {
        if (dp) return dp;
        if (seq !== this.finished) throw new CycleSupersededError();
        dp = this.builder.build('dp', dpSpecs, ctx, new ViewMemory());
        return dp;
      },
    };
  }
}

function mergedViews(
  createdAt: number,
  endpoints: readonly EndpointScrapeStatus[],
  catalog: SeriesCatalog,
  views: Readonly<Record<ViewType, ViewOutput | (() => ViewOutput)>>,
): MergedViews {
  return {
    createdAt,
    endpoints,
    catalog,
    view: (type) => {
      const v = views[type];
      return typeof v === 'function' ? v() : v;
    },
  };
}
