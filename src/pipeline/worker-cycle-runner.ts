import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { Piscina } from 'piscina';
import type {
  CycleTask,
  WorkerTask,
  IngestResult,
  RenderTask,
  WireView,
} from './cycle-worker.js';
import type {
  CycleOutcome,
  CycleRunner,
  PipelineOptions,
  ViewSnapshot,
  DropListener,
} from './pipeline.types.js';
import { viewCacheKey } from '../render/render-view.js';
import { MetricsPipeline } from './metrics-pipeline.js';
import { viewSnapshotOf } from './inline-cycle-runner.js';
import type { CyclePlan } from './run-cycle.js';
import type { ViewType } from '../aggregate/views.js';
import type { RenderedView } from '../render/render.types.js';

/**
 * The worker's compiled file. Next to this module in dist/; when this module
 * runs from TypeScript sources (tests), the built copy in dist/ is used.
 */
export function workerFile(): string {
  const sibling = fileURLToPath(new URL('./cycle-worker.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const built = resolve(process.cwd(), 'dist/pipeline/cycle-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`cycle worker not found (${sibling}); run npm run build`);
}

function toView(w: WireView): RenderedView {
  return {
    contentType: w.contentType,
    body: Buffer.from(w.body.buffer, w.body.byteOffset, w.body.byteLength),
    ...(w.dropped ? { dropped: w.dropped } : {}),
  };
}

/**
 * Fetch + parse + aggregate + render in one dedicated worker thread (piscina,
 * 1 thread). The event loop only hands over the plan of a cycle and receives
 * its pre-rendered views; other views are rendered there on first request,
 * also while a cycle is running.
 */
export class WorkerCycleRunner implements CycleRunner {
  private readonly pool: Piscina<WorkerTask, IngestResult | WireView | null>;
  /** Serves the empty snapshot before the first cycle, on this thread. */
  private readonly idle: MetricsPipeline;
  private readonly logger = new Logger(WorkerCycleRunner.name);

  constructor(
    private readonly options: PipelineOptions,
    private readonly onDropped?: DropListener,
  ) {
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // A cycle task and the render requests that arrive meanwhile.
      concurrentTasksPerWorker: 8,
      // 8 MB semi-spaces (V8's default is 16): the pages' text is garbage at
      // once, a larger young generation only raises the peak RSS.
      resourceLimits: { maxYoungGenerationSizeMb: 24 },
    });
    // An exception in the thread outside a task: piscina starts a new thread
    // for the next task (a cycle's state starts over); without a listener the
    // event would end the process.
    this.pool.on('error', (err: Error) =>
      this.logger.error(
        `cycle worker thread failed, a new one takes the next cycle: ${err.stack ?? err.message}`,
      ),
    );
    this.idle = new MetricsPipeline(options);
  }

  async run(plan: CyclePlan): Promise<CycleOutcome> {
    const task: CycleTask = { kind: 'cycle', options: this.options, plan };
    const result = (await this.pool.run(task)) as IngestResult;
    return {
      snapshot: this.snapshotOf(result),
      failures: result.failures,
      workerCpuSeconds: result.threadCpuSeconds,
    };
  }

  private snapshotOf(result: IngestResult): ViewSnapshot {
    const cache = new Map<string, RenderedView>();
    const onDropped = this.onDropped;
    for (const [key, w] of Object.entries(result.views)) {
      cache.set(key, toView(w));
      // Pre-rendered views are `full` and `role` (keys start with the view).
      if (w.dropped && onDropped)
        onDropped(key.slice(0, key.indexOf('|')) as ViewType, w.dropped);
    }
    const pending = new Map<string, Promise<RenderedView>>();
    const pool = this.pool;
    return {
      createdAt: result.createdAt,
      endpoints: result.endpoints,
      async render(view, role, format) {
        const key = viewCacheKey(view, role, format);
        const hit = cache.get(key);
        if (hit) return hit;
        let p = pending.get(key);
        if (!p) {
          p = pool
            .run({
              kind: 'render',
              createdAt: result.createdAt,
              view,
              role,
              format,
            } satisfies RenderTask)
            .then((w) => {
              if (!w) throw new Error('snapshot superseded');
              const v = toView(w as WireView);
              if (v.dropped && onDropped) onDropped(view, v.dropped);
              cache.set(key, v);
              return v;
            })
            .finally(() => pending.delete(key));
          pending.set(key, p);
        }
        return p;
      },
    };
  }

  empty(now: number): ViewSnapshot {
    return viewSnapshotOf(this.idle.emptyViews(now), this.onDropped);
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }
}
