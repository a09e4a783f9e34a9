import { decodePage } from '../scrape/decode-page.js';
import type { InstanceRef } from '../scrape/scrape.types.js';
import type { RenderedViews } from '../render/rendered-views.js';
import type { MetricsPipeline } from './metrics-pipeline.js';
import type { FetchResult } from '../scrape/page-fetcher.js';
import type { ScrapeTarget } from '../scrape/targets.js';

/** What one cycle scrapes: plain data, so that it can be handed to a worker thread. */
export interface CyclePlan {
  /** ms epoch */
  readonly startedAt: number;
  readonly targets: readonly ScrapeTarget[];
  /** Every registered instance (paused ones included). */
  readonly instances: readonly InstanceRef[];
}

/** Where pages come from: the HTTP fetcher, or bytes in memory (benchmarks). */
export interface PageSource {
  fetch(url: string): Promise<FetchResult>;
}

export interface CycleLimits {
  /** Endpoints fetched at once. */
  readonly concurrency: number;
  /** Largest accepted decompressed page. */
  readonly maxPageBytes: number;
}

/**
 * One scrape cycle: every target fetched, `concurrency` at once, and each page
 * parsed into the aggregate as soon as it arrives, so that no cycle's worth of
 * pages is ever held. Returns the cycle's views and how many fetches failed.
 */
export async function runCycle(
  pipeline: MetricsPipeline,
  source: PageSource,
  plan: CyclePlan,
  limits: CycleLimits,
): Promise<{ views: RenderedViews; failures: number }> {
  const { targets } = plan;
  pipeline.beginCycle();
  let next = 0;
  let failures = 0;
  const lane = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      const res = await source.fetch(target.url);
      if (!res.ok) failures++;
      try {
        pipeline.ingestPage(
          decodePage(target.ref, res, Date.now(), limits.maxPageBytes),
          index,
        );
      } finally {
        res.release?.();
      }
    }
  };
  const lanes = Math.min(limits.concurrency, targets.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  const views = pipeline.finishCycle({
    startedAt: plan.startedAt,
    finishedAt: Date.now(),
    instances: plan.instances,
  });
  return { views, failures };
}
