import {
  MetricsAggregator,
  type MetricsSnapshot,
} from '../aggregate/metrics-aggregator.js';
import type {
  CycleOutcome,
  Digester,
  DigestOptions,
  DigestedSnapshot,
} from './digest.types.js';
import { PageFetcher } from './page-fetcher.js';
import { scrapeCycle, type CyclePlan } from './scrape-cycle.js';

export function wrapSnapshot(snapshot: MetricsSnapshot): DigestedSnapshot {
  return {
    createdAt: snapshot.createdAt,
    endpoints: snapshot.endpoints,
    render: (view, role, format) =>
      Promise.resolve(snapshot.render(view, role, format)),
  };
}

/**
 * Fetches and digests on the event loop, each page as it arrives: fine for
 * small fleets and for tests.
 */
export class InlineDigester implements Digester {
  private readonly aggregator: MetricsAggregator;
  private readonly fetcher: PageFetcher;

  constructor(private readonly options: DigestOptions) {
    this.aggregator = new MetricsAggregator({
      staleAfterMs: options.staleAfterMs,
      windowMs: options.windowMs,
      rankLabels: options.rankLabels,
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
    return { snapshot: wrapSnapshot(snapshot), failures };
  }

  empty(now: number): DigestedSnapshot {
    return wrapSnapshot(this.aggregator.emptySnapshot(now));
  }

  close(): Promise<void> {
    this.fetcher.close();
    return Promise.resolve();
  }
}
