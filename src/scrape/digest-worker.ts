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
import {
  PRERENDERED,
  viewKey,
  type CycleEnd,
  type RawPage,
} from './digest.types.js';
import { decodePage, type DigesterOptions } from './inline-digester.js';

/**
 * Worker-thread side of the digest: the aggregator and its cross-cycle state
 * live here, in the pool's single thread, so parsing and merging 2,000 pages
 * never blocks the HTTP event loop.
 */

interface CycleTask {
  /** Sequence number of the cycle, so that a restarted worker begins a fresh one. */
  readonly cycle: number;
  readonly options: DigesterOptions;
}
export interface PagesTask extends CycleTask {
  readonly kind: 'pages';
  readonly pages: readonly RawPage[];
}
export interface FinishTask extends CycleTask {
  readonly kind: 'finish';
  readonly end: CycleEnd;
}
export type DigestTask = PagesTask | FinishTask | RenderTask;
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
let openCycle = -1;
let latest: MetricsSnapshot | null = null;

/** The aggregator, with `task`'s cycle open (begun on its first task). */
function cycleOf(task: PagesTask | FinishTask): MetricsAggregator {
  aggregator ??= new MetricsAggregator({
    staleAfterMs: task.options.staleAfterMs,
  });
  if (openCycle !== task.cycle) {
    aggregator.beginCycle();
    openCycle = task.cycle;
  }
  return aggregator;
}

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
  task: DigestTask,
): IngestResult | WireView | null {
  if (task.kind === 'pages') {
    const agg = cycleOf(task);
    for (const page of task.pages) {
      agg.ingestPage(decodePage(page, task.options.maxPageBytes), page.index);
    }
    return null;
  }
  if (task.kind === 'finish') {
    latest = cycleOf(task).finishCycle(task.end);
    openCycle = -1;
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
