import type { RenderedViews } from '../render/rendered-views.js';
import { MetricsPipeline } from './metrics-pipeline.js';
import type {
  CycleOutcome,
  CycleRunner,
  PipelineOptions,
  ViewSnapshot,
  DropListener,
} from './pipeline.types.js';
import { PageFetcher } from '../scrape/page-fetcher.js';
import { runCycle, type CyclePlan } from './run-cycle.js';
import type { RenderedView } from '../render/render.types.js';

/** One cycle's rendered views as the view store holds them. */
export function viewSnapshotOf(
  views: RenderedViews,
  onDropped?: DropListener,
): ViewSnapshot {
  // The views memoize their bodies: each one's drops are reported once.
  const reported = new WeakSet<RenderedView>();
  return {
    createdAt: views.createdAt,
    endpoints: views.endpoints,
    render: (view, role, format) => {
      const r = views.render(view, role, format);
      if (r.dropped && onDropped && !reported.has(r)) {
        reported.add(r);
        onDropped(view, r.dropped);
      }
      return Promise.resolve(r);
    },
  };
}

/**
 * Fetches, parses, aggregates and renders on the event loop, each page as it arrives: fine for
 * small fleets and for tests.
 */
export class InlineCycleRunner implements CycleRunner {
  private readonly pipeline: MetricsPipeline;
  private readonly fetcher: PageFetcher;

  constructor(
    private readonly options: PipelineOptions,
    private readonly onDropped?: DropListener,
  ) {
    this.pipeline = new MetricsPipeline(options);
    this.fetcher = new PageFetcher(options.fetch);
  }

  async run(plan: CyclePlan): Promise<CycleOutcome> {
    const { views, failures } = await runCycle(
      this.pipeline,
      this.fetcher,
      plan,
      this.options,
    );
    return { snapshot: viewSnapshotOf(views, this.onDropped), failures };
  }

  empty(now: number): ViewSnapshot {
    return viewSnapshotOf(this.pipeline.emptyViews(now), this.onDropped);
  }

  close(): Promise<void> {
    this.fetcher.close();
    return Promise.resolve();
  }
}
