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
import { PRERENDERED, viewKey, type DigestOptions } from './digest.types.js';
import { niceThread, threadCpuSeconds } from './digest-thread.js';
import { PageFetcher } from './page-fetcher.js';
import { scrapeCycle, type CyclePlan } from './scrape-cycle.js';

/**
 * Worker-thread side of the digest: the fetcher, the aggregator and its
 * cross-cycle state live here, in the pool's single thread, so that fetching,
 * parsing and merging thousands of pages never touch the HTTP event loop.
 * A render task may run while a cycle waits on the network: it reads the
 * latest finished snapshot, which the running cycle does not change.
 */

export interface CycleTask {
  readonly kind: 'cycle';
  readonly options: DigestOptions;
  readonly plan: CyclePlan;
}
export type DigestTask = CycleTask | RenderTask;
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
  readonly failures: number;
  /** CPU seconds this thread has used so far (Linux), else undefined. */
  readonly threadCpuSeconds: number | undefined;
  readonly createdAt: number;
  readonly endpoints: readonly EndpointScrapeStatus[];
  readonly views: Readonly<Record<string, WireView>>;
}

let aggregator: MetricsAggregator | null = null;
let fetcher: PageFetcher | null = null;
let latest: MetricsSnapshot | null = null;

/**
 * Probes and `/metrics` answer on the main thread: when the two share too few
 * cores, the scheduler should favour them over this bulk work.
 */
const DIGEST_NICE = 10;
niceThread(DIGEST_NICE);

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

export default async function digest(
  task: DigestTask,
): Promise<IngestResult | WireView | null> {
  if (task.kind === 'cycle') {
    const { options } = task;
    aggregator ??= new MetricsAggregator({
      staleAfterMs: options.staleAfterMs,
      windowMs: options.windowMs,
      rankLabels: options.rankLabels,
      pageLimits: options.pageLimits,
    });
    fetcher ??= new PageFetcher(options.fetch);
    const run = await scrapeCycle(aggregator, fetcher, task.plan, options);
    latest = run.snapshot;
    const views: Record<string, WireView> = {};
    for (const { view, role } of PRERENDERED) {
      const r = latest.render(view, role, 'prometheus');
      views[viewKey(view, role, 'prometheus')] = {
        contentType: r.contentType,
        body: r.body,
      };
    }
    const result: IngestResult = {
      failures: run.failures,
      threadCpuSeconds: threadCpuSeconds(),
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
