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
  readonly status: 'ok' | 'error';
  readonly bytes?: Uint8Array;
  /** `bytes` are gzip-compressed. */
  readonly gzip?: boolean;
  readonly error?: string;
  readonly at: number;
}

export interface RawCycle {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly instances: readonly InstanceRef[];
  readonly pages: readonly RawPage[];
  /** Largest accepted decompressed page. */
  readonly maxPageBytes: number;
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
  digest(cycle: RawCycle): Promise<DigestedSnapshot>;
  empty(now: number): DigestedSnapshot;
  close(): Promise<void>;
}

/**
 * The Prometheus text views a cycle pre-renders in the worker. `dp` (larger
 * than all pages together) and OTLP JSON are rendered on first request.
 */
export const PRERENDERED: readonly { view: ViewType; role?: Role }[] = [
  { view: 'full' },
  { view: 'instance' },
  { view: 'role' },
  { view: 'role', role: 'prefill' },
  { view: 'role', role: 'decode' },
  { view: 'role', role: 'union' },
  { view: 'node' },
];

export function viewKey(
  view: ViewType,
  role: Role | undefined,
  format: OutputFormat,
): string {
  return `${view}|${view === 'role' ? (role ?? '') : ''}|${format}`;
}
