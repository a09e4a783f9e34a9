import type { Role } from '../instances/role.js';
import { FamilyFilter } from '../render/family-filter.js';
import { renderView } from '../render/render-view.js';
import type { ViewOutput } from './aggregate.types.js';
import type {
  EndpointScrapeStatus,
  OutputFormat,
  RenderedView,
  ViewType,
} from './cycle.types.js';
import type { SeriesCatalog } from './series-catalog.js';

export interface MetricsSnapshot {
  /** ms epoch (cycle.finishedAt). */
  readonly createdAt: number;
  readonly endpoints: readonly EndpointScrapeStatus[];
  /**
   * Memoized: each (view, role, format) is rendered at most once per snapshot.
   * `role` only matters for view `role` (undefined = all roles).
   */
  render(
    view: ViewType,
    role: Role | undefined,
    format: OutputFormat,
  ): RenderedView;
}

/**
 * A view built on first use (`dp`) of a cycle that is no longer the latest:
 * the data it needed has moved on. Ask the latest snapshot instead.
 */
export class SnapshotSupersededError extends Error {
  constructor() {
    super('snapshot superseded by a newer cycle');
    this.name = 'SnapshotSupersededError';
  }
}

/** One cycle's merged data; views are rendered lazily, once each. */
export class AggregatedSnapshot implements MetricsSnapshot {
  private readonly rendered = new Map<string, RenderedView>();

  constructor(
    readonly createdAt: number,
    readonly endpoints: readonly EndpointScrapeStatus[],
    private readonly catalog: SeriesCatalog,
    private readonly views: Readonly<
      Record<ViewType, ViewOutput | (() => ViewOutput)>
    >,
    private readonly filter: FamilyFilter = new FamilyFilter(),
  ) {}

  render(
    view: ViewType,
    role: Role | undefined,
    format: OutputFormat,
  ): RenderedView {
    const r = view === 'role' ? role : undefined;
    const key = `${view}|${r ?? ''}|${format}`;
    let result = this.rendered.get(key);
    if (!result) {
      result = this.renderWith(this.filter, view, r, format);
      this.rendered.set(key, result);
    }
    return result;
  }

  /** One render with other cardinality bounds, not memoized (measurements, tests). */
  renderWith(
    filter: FamilyFilter,
    view: ViewType,
    role: Role | undefined,
    format: OutputFormat,
  ): RenderedView {
    const source = this.views[view];
    return renderView(
      this.catalog,
      typeof source === 'function' ? source() : source,
      view === 'role' ? role : undefined,
      format,
      this.createdAt,
      filter,
    );
  }
}
