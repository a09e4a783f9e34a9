import type {
  EndpointScrapeStatus,
  OutputFormat,
  RenderedView,
  ViewType,
} from '../aggregate/cycle.types.js';
import type { Role } from '../instances/role.js';
import type { PageLimits } from '../parse/page-budget.js';
import type { PageFetcherOptions } from './page-fetcher.js';
import type { CycleLimits, CyclePlan } from './scrape-cycle.js';

/** What the scrape loop keeps of one digested cycle. */
export interface DigestedSnapshot {
  readonly createdAt: number;
  readonly endpoints: readonly EndpointScrapeStatus[];
  render(
    view: ViewType,
    role: Role | undefined,
    format: OutputFormat,
  ): Promise<RenderedView>;
}

/** Settings of the fetch-and-digest of every cycle. */
export interface DigestOptions extends CycleLimits {
  readonly fetch: PageFetcherOptions;
  /** A failed endpoint keeps contributing its last good samples for this long. */
  readonly staleAfterMs: number;
  /** S3 quantile window. */
  readonly windowMs?: number;
  /** R1 rank labels. */
  readonly rankLabels?: readonly string[];
  /** Page budgets (see src/parse/page-budget.ts). */
  readonly pageLimits?: Partial<PageLimits>;
}

export interface CycleOutcome {
  readonly snapshot: DigestedSnapshot;
  /** Endpoints whose fetch failed. */
  readonly failures: number;
  /** CPU seconds the worker thread has used so far; undefined inline or off Linux. */
  readonly workerCpuSeconds?: number;
}

/**
 * Fetch + parse + aggregate + render of a cycle: inline on the event loop, or
 * all of it in a worker thread.
 */
export interface Digester {
  /** Runs one cycle. One at a time. */
  run(plan: CyclePlan): Promise<CycleOutcome>;
  empty(now: number): DigestedSnapshot;
  close(): Promise<void>;
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

export function viewKey(
  view: ViewType,
  role: Role | undefined,
  format: OutputFormat,
): string {
  return `${view}|${view === 'role' ? (role ?? '') : ''}|${format}`;
}
