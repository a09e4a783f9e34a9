import type { RenderedViews } from '../render/rendered-views.js';
import { MetricsPipeline } from './metrics-pipeline.js';
import type { Role } from '../instances/role.js';
import { Piscina } from 'piscina';
import { viewCacheKey } from '../render/render-view.js';
import { PRERENDERED, type PipelineOptions } from './pipeline.types.js';
import { niceThread, threadCpuSeconds } from './thread-facts.js';
import { PageFetcher } from '../scrape/page-fetcher.js';
import { runCycle, type CyclePlan } from './run-cycle.js';
import type { ViewType } from '../aggregate/views.js';
import type { OutputFormat } from '../render/render.types.js';
import type { EndpointScrapeStatus } from '../aggregate/aggregate.types.js';

/**
 * Worker-thread side of the pipeline: the fetcher, the pipeline and its
 * cross-cycle state live here, in the pool's single thread, so that fetching,
 * parsing and merging thousands of pages never touch the HTTP event loop.
 * A render task may run while a cycle waits on the network: it reads the
 * latest finished snapshot, which the running cycle does not change.
 */

export interface CycleTask {
  readonly kind: 'cycle';
  readonly options: PipelineOptions;
  readonly plan: CyclePlan;
}
export type WorkerTask = CycleTask | RenderTask;
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
  readonly dropped?: readonly { family: string; series: number }[];
}
export interface IngestResult {
  readonly failures: number;
  /** CPU seconds this thread has used so far (Linux), else undefined. */
  readonly threadCpuSeconds: number | undefined;
  readonly createdAt: number;
  readonly endpoints: readonly EndpointScrapeStatus[];
  readonly views: Readonly<Record<string, WireView>>;
}

let pipeline: MetricsPipeline | null = null;
let fetcher: PageFetcher | null = null;
let latest: RenderedViews | null = null;

/**
 * Probes and `/metrics` answer on the main thread: when the two share too few
 * cores, the scheduler should favour them over this bulk work.
 */
const WORKER_NICE = 10;
niceThread(WORKER_NICE);

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

export default async function runWorkerTask(
  task: WorkerTask,
): Promise<IngestResult | WireView | null> {
  if (task.kind === 'cycle') {
    const { options } = task;
    pipeline ??= new MetricsPipeline(options);
    fetcher ??= new PageFetcher(options.fetch);
    const run = await runCycle(pipeline, fetcher, task.plan, options);
    const cycle = run.views;
    latest = cycle;
    const views: Record<string, WireView> = {};
    for (const { view, role } of PRERENDERED) {
      const r = cycle.render(view, role, 'prometheus');
      views[viewCacheKey(view, role, 'prometheus')] = {
        contentType: r.contentType,
        body: r.body,
        ...(r.dropped ? { dropped: r.dropped } : {}),
      };
    }
    const result: IngestResult = {
      failures: run.failures,
      threadCpuSeconds: threadCpuSeconds(),
      createdAt: cycle.createdAt,
      endpoints: cycle.endpoints,
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
  return transferring(
    {
      contentType: r.contentType,
      body: r.body,
      ...(r.dropped ? { dropped: r.dropped } : {}),
    },
    [r.body],
  );
}
