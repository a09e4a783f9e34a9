import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { Piscina } from 'piscina';
import type { RenderedView } from '../aggregate/cycle.types.js';
import type {
  CycleTask,
  DigestTask,
  IngestResult,
  RenderTask,
  WireView,
} from './digest-worker.js';
import type {
  CycleOutcome,
  Digester,
  DigestOptions,
  DigestedSnapshot,
} from './digest.types.js';
import { viewKey } from './digest.types.js';
import { MetricsAggregator } from '../aggregate/metrics-aggregator.js';
import { wrapSnapshot } from './inline-digester.js';
import type { CyclePlan } from './scrape-cycle.js';

/**
 * The worker's compiled file. Next to this module in dist/; when this module
 * runs from TypeScript sources (tests), the built copy in dist/ is used.
 */
export function workerFile(): string {
  const sibling = fileURLToPath(new URL('./digest-worker.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const built = resolve(process.cwd(), 'dist/scrape/digest-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`digest worker not found (${sibling}); run npm run build`);
}

function toView(w: WireView): RenderedView {
  return {
    contentType: w.contentType,
    body: Buffer.from(w.body.buffer, w.body.byteOffset, w.body.byteLength),
  };
}

/**
 * Fetch + parse + aggregate + render in one dedicated worker thread (piscina,
 * 1 thread). The event loop only hands over the plan of a cycle and receives
 * its pre-rendered views; other views are rendered there on first request,
 * also while a cycle is running.
 */
export class WorkerDigester implements Digester {
  private readonly pool: Piscina<DigestTask, IngestResult | WireView | null>;
  /** Serves the empty snapshot before the first cycle, on this thread. */
  private readonly idle: MetricsAggregator;
  private readonly logger = new Logger(WorkerDigester.name);

  constructor(private readonly options: DigestOptions) {
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
        `digest worker thread failed, a new one takes the next cycle: ${err.stack ?? err.message}`,
      ),
    );
    this.idle = new MetricsAggregator({
      staleAfterMs: options.staleAfterMs,
      windowMs: options.windowMs,
      rankLabels: options.rankLabels,
      pageLimits: options.pageLimits,
    });
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

  private snapshotOf(result: IngestResult): DigestedSnapshot {
    const cache = new Map<string, RenderedView>();
    for (const [key, w] of Object.entries(result.views))
      cache.set(key, toView(w));
    const pending = new Map<string, Promise<RenderedView>>();
    const pool = this.pool;
    return {
      createdAt: result.createdAt,
      endpoints: result.endpoints,
      async render(view, role, format) {
        const key = viewKey(view, role, format);
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

  empty(now: number): DigestedSnapshot {
    return wrapSnapshot(this.idle.emptySnapshot(now));
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }
}
