import type { Role } from '../instances/role.js';
import type { LabelPair } from '../parse/label-block.js';
import type { InstanceRef, PageResult } from '../scrape/scrape.types.js';
import type { ViewType } from './views.js';

/** What the aggregator hands to the renderers: per view, per group, merged cells. */

export interface GroupOutput {
  /** Labels the view injects, in order (`dp_rank`, `role`, `instance_id`, `pod_ip`…). */
  readonly labels: readonly LabelPair[];
  /** The group's role in the `role` view (for the role filter). */
  readonly role: Role | undefined;
  /** Merged series ids in render order, and their values. */
  readonly mids: Int32Array;
  readonly values: Float64Array;
  /** ms epoch at which each cell's series first appeared in this group (OTLP start time). */
  readonly since?: Float64Array | number;
}

export interface ViewOutput {
  readonly view: ViewType;
  readonly groups: readonly GroupOutput[];
  /** Family id → 1 when a page of the view declared the family (kept even with no sample). */
  readonly declared: Uint8Array;
}

/** One whole cycle at once (tests, benchmarks): what `MetricsAggregator.ingest` takes. */
export interface CycleInput {
  /** ms since epoch */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Every registered instance (paused ones included). */
  readonly instances: readonly InstanceRef[];
  /** One result per configured endpoint of this cycle. */
  readonly pages: readonly PageResult[];
}

/** Per-endpoint scrape status, as `GET /instances` shows it. */
export interface EndpointScrapeStatus {
  readonly key: string;
  readonly up: boolean;
  /** ms since epoch of the last scrape that gave ≥ 1 parsable sample, or null. */
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
  /** true once the last good sample is older than the staleness limit (it no longer contributes). */
  readonly stale: boolean;
  /** Lines skipped as unparsable in the last page. */
  readonly badLines: number;
}
