import type { Role } from '../instances/role.js';
import type { DroppedFamily } from '../render/family-filter.js';
import type { MetricsPipelineOptions } from './metrics-pipeline.js';
import type { PageFetcherOptions } from '../scrape/page-fetcher.js';
import type { CycleLimits, CyclePlan } from './run-cycle.js';
import type { ViewType } from '../aggregate/views.js';
import type { OutputFormat, RenderedView } from '../render/render.types.js';
import type { EndpointScrapeStatus } from '../aggregate/aggregate.types.js';

/**
 * What the view store holds of one cycle: its endpoints' status and its
 * bodies, some of which may still have to be rendered in the worker thread.
 */
export interface ViewSnapshot {
  readonly createdAt: number;
  readonly endpoints: readonly EndpointScrapeStatus[];
  render(
    view: ViewType,
    role: Role | undefined,
    format: OutputFormat,
  ): Promise<RenderedView>;
}

/** Settings of the fetch, parse, aggregate and render of every cycle. */
export interface PipelineOptions extends CycleLimits, MetricsPipelineOptions {
  readonly fetch: PageFetcherOptions;
}

/**
 * Called on the main thread once per rendered body whose series budget left
 * families out (a body served again from the cache is not reported again).
 */
export type DropListener = (
  view: ViewType,
  dropped: readonly DroppedFamily[],
) => void;

export interface CycleOutcome {
  readonly snapshot: ViewSnapshot;
  /** Endpoints whose fetch failed. */
  readonly failures: number;
  /** CPU seconds the worker thread has used so far; undefined inline or off Linux. */
  readonly workerCpuSeconds?: number;
}

/**
 * Fetch + parse + aggregate + render of a cycle: inline on the event loop, or
 * all of it in a worker thread. (A class only to serve as the DI token.)
 */
export abstract class CycleRunner {
  /** Runs one cycle. One at a time. */
  abstract run(plan: CyclePlan): Promise<CycleOutcome>;
  /** The views before the first cycle ends. */
  abstract empty(now: number): ViewSnapshot;
  abstract close(): Promise<void>;
}

/**
 * The Prometheus text views a cycle pre-renders in the worker: the small ones
 * that dashboards and HPA read. `instance`, `node` (megabytes each at
 * thousands of endpoints), `dp` (larger than all pages together) and OTLP JSON
 * are rendered on first request, once per cycle.
 */
export const PRERENDERED: readonly { view: ViewType; role?: Role }[] = [
  { view: 'full' },
  { view: 'role' },
  { view: 'role', role: 'prefill' },
  { view: 'role', role: 'decode' },
  { view: 'role', role: 'union' },
];
