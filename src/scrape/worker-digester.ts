import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { Piscina } from 'piscina';
import type { RenderedView } from '../aggregate/cycle.types.js';
import type {
  DigestTask,
  FinishTask,
  IngestResult,
  PagesTask,
  RenderTask,
  WireView,
} from './digest-worker.js';
import type {
  CycleFeed,
  Digester,
  DigestedSnapshot,
  RawPage,
} from './digest.types.js';
import { viewKey } from './digest.types.js';
import { InlineDigester, type DigesterOptions } from './inline-digester.js';

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

/** Pages per message to the worker: few round trips, and no page waits long. */
const BATCH = 16;

/** The page buffers that can be moved to the worker rather than copied. */
function transferable(pages: readonly RawPage[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of pages) {
    const b = p.bytes;
    if (
      b &&
      b.byteOffset === 0 &&
      b.byteLength === b.buffer.byteLength &&
      b.buffer instanceof ArrayBuffer
    ) {
      out.push(b.buffer);
    }
  }
  return out;
}

/**
 * Parse + aggregate + render in one dedicated worker thread (piscina, 1
 * thread). Pages go to the worker in small batches as they are fetched; the
 * cycle's end builds the views there and brings back the pre-rendered ones.
 */
export class WorkerDigester implements Digester {
  private readonly pool: Piscina<DigestTask, IngestResult | WireView | null>;
  private readonly fallback: InlineDigester;
  private cycle = 0;

  constructor(private readonly options: DigesterOptions) {
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
    });
    this.fallback = new InlineDigester(options);
  }

  open(): CycleFeed {
    const cycle = ++this.cycle;
    const options = this.options;
    const pool = this.pool;
    const sent: Promise<unknown>[] = [];
    let batch: RawPage[] = [];
    let scheduled = false;
    const flush = (): void => {
      scheduled = false;
      if (batch.length === 0) return;
      const pages = batch;
      batch = [];
      const task: PagesTask = { kind: 'pages', cycle, options, pages };
      // Failures surface in finish(); until then the rejection is held here.
      const p = pool.run(task, { transferList: transferable(pages) });
      p.catch(() => undefined);
      sent.push(p);
    };
    return {
      push(page) {
        batch.push(page);
        if (batch.length >= BATCH) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      },
      finish: async (end) => {
        flush();
        await Promise.all(sent);
        const task: FinishTask = { kind: 'finish', cycle, options, end };
        const result = (await pool.run(task)) as IngestResult;
        return this.snapshotOf(result);
      },
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
    return this.fallback.empty(now);
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }
}
