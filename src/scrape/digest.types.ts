import type {
  EndpointRef,
  EndpointScrapeStatus,
  InstanceRef,
  OutputFormat,
  RenderedView,
  ViewType,
} from '../aggregate/cycle.types.js';
import type { Role } from '../instances/role.js';

/** A scraped page as bytes: cheap to hand to a worker thread (transferred, not copied). */
export interface RawPage {
  readonly endpoint: EndpointRef;
  /** Place of the endpoint in the cycle's target list (pages arrive in any order). */
  readonly index: number;
  readonly status: 'ok' | 'error';
  readonly bytes?: Uint8Array;
  /** `bytes` are gzip-compressed. */
  readonly gzip?: boolean;
  readonly error?: string;
  readonly at: number;
}

/** How a cycle ends, once every page has been pushed. */
export interface CycleEnd {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly instances: readonly InstanceRef[];
}

/** A whole cycle at once (tests, benchmarks): what a feed receives piece by piece. */
export interface RawCycle extends CycleEnd {
  readonly pages: readonly RawPage[];
}

/**
 * One cycle being digested while it is fetched: pages are handed over as they
 * arrive, so no cycle's worth of pages is ever held, and the digest overlaps
 * the fetching.
 */
export interface CycleFeed {
  /** Hands one page over. Its bytes may be transferred to another thread: do not touch them after. */
  push(page: RawPage): void;
  /** Every page pushed: the cycle's snapshot. */
  finish(end: CycleEnd): Promise<DigestedSnapshot>;
}

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

/** Parse + aggregate + render, inline or in a worker thread. */
export interface Digester {
  /** Starts a cycle. One cycle at a time: the previous feed must be finished. */
  open(): CycleFeed;
  empty(now: number): DigestedSnapshot;
  close(): Promise<void>;
}

/** Digests a whole cycle through a feed. */
export function digestCycle(
  digester: Digester,
  cycle: RawCycle,
): Promise<DigestedSnapshot> {
  const feed = digester.open();
  for (const page of cycle.pages) feed.push(page);
  return feed.finish(cycle);
}

/**
 * The Prometheus text views a cycle pre-renders in the worker. `dp` (larger
 * than all pages together) and OTLP JSON are rendered on first request.
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
