import type { Role } from '../instances/role.js';

/**
 * The contract between the scraper (Nest side) and the pure metrics pipeline
 * (parse → aggregate → render). Plain data only, so a cycle can be handed to a
 * worker thread unchanged.
 */

export type ViewType = 'full' | 'instance' | 'role' | 'dp' | 'node';
export const VIEW_TYPES: readonly ViewType[] = [
  'full',
  'instance',
  'role',
  'dp',
  'node',
];
export type OutputFormat = 'prometheus' | 'opentelemetry';
export const OUTPUT_FORMATS: readonly OutputFormat[] = [
  'prometheus',
  'opentelemetry',
];

/** One scrape target: one DP rank of one instance. */
export interface EndpointRef {
  /** Stable identity across cycles: `${instanceId}|${podIp}|${dpRank}`. */
  readonly key: string;
  readonly instanceId: number;
  readonly role: Role;
  readonly podIp: string;
  readonly dpRank: number;
  /** The registry's `model_name` of the instance (S5); '' when unknown. */
  readonly modelName?: string;
}

export interface InstanceRef {
  readonly id: number;
  readonly role: Role;
  readonly paused: boolean;
  /** The registry's `model_name` (S5); '' when unknown. */
  readonly modelName?: string;
}

/** What one scrape of one endpoint produced. */
export interface PageResult {
  readonly endpoint: EndpointRef;
  /** `ok` = HTTP 200 and a body was read; parse failures are judged by the pipeline. */
  readonly status: 'ok' | 'error';
  /** Raw (already decompressed) body; present when status is `ok`. */
  readonly body?: string;
  /** Short reason when status is `error` (timeout, ECONNREFUSED, HTTP 500, too large…). */
  readonly error?: string;
  /** When the response finished (ms since epoch). */
  readonly at: number;
}

/** Everything one scrape cycle hands to the pipeline. */
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

export interface RenderedView {
  readonly contentType: string;
  readonly body: Buffer;
  /** Families the view's series budget left out of this body, with their series. */
  readonly dropped?: readonly { family: string; series: number }[];
}
