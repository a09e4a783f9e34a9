import type { CycleInput } from '../aggregate/aggregate.types.js';
import {
  MetricsAggregator,
  type AggregatorOptions,
} from '../aggregate/metrics-aggregator.js';
import {
  FamilyFilter,
  type FamilyFilterOptions,
} from '../render/family-filter.js';
import { RenderedViews } from '../render/rendered-views.js';
import type { PageResult } from '../scrape/scrape.types.js';

export interface MetricsPipelineOptions extends AggregatorOptions {
  /** §3.2 cardinality bounds of the rendered views; none = every family. */
  readonly families?: FamilyFilterOptions;
}

/**
 * Parse → aggregate → render of the cycles, page by page: the aggregator with
 * its cross-cycle state, and the renderer of each cycle's views.
 */
export class MetricsPipeline {
  private readonly aggregator: MetricsAggregator;
  private readonly filter: FamilyFilter;

  constructor(options: MetricsPipelineOptions) {
    this.aggregator = new MetricsAggregator(options);
    this.filter = new FamilyFilter(options.families);
  }

  /** A whole cycle at once: `beginCycle`, every page, `finishCycle`. */
  ingest(cycle: CycleInput): RenderedViews {
    return new RenderedViews(this.aggregator.ingest(cycle), this.filter);
  }

  beginCycle(): void {
    this.aggregator.beginCycle();
  }

  ingestPage(page: PageResult, index: number): void {
    this.aggregator.ingestPage(page, index);
  }

  finishCycle(cycle: Omit<CycleInput, 'pages'>): RenderedViews {
    return new RenderedViews(this.aggregator.finishCycle(cycle), this.filter);
  }

  /** The views of no cycle yet (before the first one ends). */
  emptyViews(now: number): RenderedViews {
    return new RenderedViews(this.aggregator.emptyViews(now), this.filter);
  }

  /** Catalog compactions so far (memory accounting, tests). */
  get compactions(): number {
    return this.aggregator.compactions;
  }

  /** Series texts the catalog holds now (memory accounting). */
  get catalogSize(): number {
    return this.aggregator.catalogSize;
  }
}
