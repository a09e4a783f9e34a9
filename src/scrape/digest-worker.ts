import type {
  EndpointScrapeStatus,
  OutputFormat,
  ViewType,
} from '../aggregate/cycle.types.js';
import {
  MetricsAggregator,
  type MetricsSnapshot,
} from '../aggregate/metrics-aggregator.js';
import type { Role } from '../instances/role.js';
import { Piscina } from 'piscina';
import { PRERENDERED, viewKey, type RawCycle } from './digest.types.js';
import { decodeCycle } from './inline-digester.js';

/**
 * Worker-thread side of the digest: the aggregator and its cross-cycle state
 * live here, in the pool's single thread, so parsing and merging 2,000 pages
 * never blocks the HTTP event loop.
 */

export interface IngestTask {
  readonly kind: 'ingest';
  readonly staleAfterMs: number;
  readonly cycle: RawCycle;
}
export interface RenderTask {
  readonly kind: 'render';
  readonly createdAt: number;
  readonly view: ViewType;
  readonly role: Role | undefined;
  readonly format: OutputFormat;
}
export interface WireView {
  readonly contentType: string;
  readonly body: Uint8Array;
}
export interface IngestResult {
  readonly createdAt: number;
  readonly endpoints: readonly EndpointScrapeStatus[];
  readonly views: Readonly<Record<string, WireView>>;
}

let aggregator: MetricsAggregator | null = null;
let latest: MetricsSnapshot | null = null;

/**
 * Hands `value` back with its view bodies transferred, not copied: each body
 * is a whole ArrayBuffer of its own (the renderers allocate them so), and the
 * main thread caches what it receives, so the worker never needs them again.
 */
function transferring<T extends object>(
  value: T,
  bodies: readonly Uint8Array[],
): T {
  const buffers = bodies
    .filter((b) => b.byteOffset === 0 && b.buffer instanceof ArrayBuffer)
    .map((b) => b.buffer as ArrayBuffer);
  const wrapped = {
    get [Piscina.transferableSymbol]() {
      return buffers;
    },
    get [Piscina.valueSymbol]() {
      return value;
    },
  };
  // move() marks it so piscina transfers `buffers` and hands over `value`.
  return Piscina.move(
    wrapped as unknown as Parameters<typeof Piscina.move>[0],
  ) as unknown as T;
}

export default function digest(
  task: IngestTask | RenderTask,
): IngestResult | WireView | null {
  if (task.kind === 'ingest') {
    aggregator ??= new MetricsAggregator({ staleAfterMs: task.staleAfterMs });
    latest = aggregator.ingest(decodeCycle(task.cycle));
    const views: Record<string, WireView> = {};
    for (const { view, role } of PRERENDERED) {
      const r = latest.render(view, role, 'prometheus');
      views[viewKey(view, role, 'prometheus')] = {
        contentType: r.contentType,
        body: r.body,
      };
    }
    const result: IngestResult = {
      createdAt: latest.createdAt,
      endpoints: latest.endpoints,
      views,
    };
    return transferring(
      result,
      Object.values(views).map((v) => v.body),
    );
  }
  // A view not pre-rendered, for the latest snapshot only (an older one is gone).
  if (!latest || latest.createdAt !== task.createdAt) return null;
  const r = latest.render(task.view, task.role, task.format);
  return transferring({ contentType: r.contentType, body: r.body }, [r.body]);
}
