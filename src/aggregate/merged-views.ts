import type { EndpointScrapeStatus, ViewOutput } from './aggregate.types.js';
import type { SeriesCatalog } from './series-catalog.js';
import type { ViewType } from './views.js';

/**
 * What one cycle's aggregation produced: every view's merged cells over the
 * catalog that names them. Renderers read it; nothing here knows a format.
 */
export interface MergedViews {
  /** ms epoch (the cycle's finishedAt). */
  readonly createdAt: number;
  readonly endpoints: readonly EndpointScrapeStatus[];
  readonly catalog: SeriesCatalog;
  /**
   * One view's cells. `dp` is built on first use; asked of a cycle that is no
   * longer the latest it throws `CycleSupersededError`.
   */
  view(type: ViewType): ViewOutput;
}

/**
 * A view built on first use (`dp`) of a cycle that is no longer the latest:
 * the data it needed has moved on. Ask the latest cycle instead.
 */
export class CycleSupersededError extends Error {
  constructor() {
    super('cycle superseded by a newer one');
    this.name = 'CycleSupersededError';
  }
}
