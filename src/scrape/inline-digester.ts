import {
  MetricsAggregator,
  type MetricsSnapshot,
} from '../aggregate/metrics-aggregator.js';
import type { RenderedView } from '../aggregate/cycle.types.js';
import type {
  CycleOutcome,
  Digester,
  DigestOptions,
  DigestedSnapshot,
  DropListener,
} from './digest.types.js';
import { PageFetcher } from './page-fetcher.js';
import { scrapeCycle, type CyclePlan } from './scrape-cycle.js';

export function wrapSnapshot(
  snapshot: MetricsSnapshot,
  onDropped?: DropListener,
): DigestedSnapshot {
  // The snapshot memoizes its bodies: each one's drops are reported once.
  const reported = new WeakSet<RenderedView>();
  return {
    createdAt: snapshot.createdAt,
    endpoints: snapshot.endpoints,
    render: (view, role, format) => {
      const r = snapshot.render(view, role, format);
      if (r.dropped && onDropped && !reported.has(r)) {
        reported.add(r);
        onDropped(view, r.dropped);
      }
      return Promise.resolve(r);
    },
  };
}

/**
 * Fetches and digests on the event loop, each page as it arrives: fine for
 * small fleets and for tests.
 */
export class InlineDigester implements Digester {
  private readonly aggregator: MetricsAggregator;
  private readonly fetcher: PageFetcher;

  constructor(
    private readonly options: DigestOptions,
    private readonly onDropped?: DropListener,
  ) {
    this.aggregator = new MetricsAggregator({
      staleAfterMs: options.staleAfterMs,
      windowMs: options.windowMs,
      rankLabels: options.rankLabels,
      families: options.families,
      pageLimits: options.pageLimits,
    });
    this.fetcher = new PageFetcher(options.fetch);
  }

  async run(plan: CyclePlan): Promise<CycleOutcome> {
    const { snapshot, failures } = await scrapeCycle(
      this.aggregator,
      this.fetcher,
      plan,
      this.options,
    );
    return { snapshot: wrapSnapshot(snapshot, this.onDropped), failures };
  }

  empty(now: number): DigestedSnapshot {
    return wrapSnapshot(this.aggregator.emptySnapshot(now), this.onDropped);
  }

  close(): Promise<void> {
    this.fetcher.close();
    return Promise.resolve();
  }
}
