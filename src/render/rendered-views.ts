import type { EndpointScrapeStatus } from '../aggregate/aggregate.types.js';
import type { MergedViews } from '../aggregate/merged-views.js';
import type { ViewType } from '../aggregate/views.js';
import type { Role } from '../instances/role.js';
import { FamilyFilter } from './family-filter.js';
import type { OutputFormat, RenderedView } from './render.types.js';
import { renderView, viewCacheKey } from './render-view.js';

/** One cycle's merged views, each (view, role, format) rendered at most once. */
export class RenderedViews {
  private readonly rendered = new Map<string, RenderedView>();

  constructor(
    private readonly merged: MergedViews,
    private readonly filter: FamilyFilter = new FamilyFilter(),
  ) {}

  get createdAt(): number {
    return this.merged.createdAt;
  }

  get endpoints(): readonly EndpointScrapeStatus[] {
    return this.merged.endpoints;
  }

  /** `role` only matters for view `role` (undefined = all roles). */
  render(
    view: ViewType,
    role: Role | undefined,
    format: OutputFormat,
  ): RenderedView {
    const key = viewCacheKey(view, role, format);
    let result = this.rendered.get(key);
    if (!result) {
      result = this.renderWith(this.filter, view, role, format);
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
    return renderView(
      this.merged.catalog,
      this.merged.view(view),
      view === 'role' ? role : undefined,
      format,
      this.merged.createdAt,
      filter,
    );
  }
}
