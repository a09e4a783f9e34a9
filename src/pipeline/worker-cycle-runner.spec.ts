import {
  PIPELINE_OPTIONS,
  seriesOf,
  startPlanServers,
  type PlanServers,
} from '../../test/support/scrape-plan.js';
import { InlineCycleRunner } from './inline-cycle-runner.js';
import { WorkerCycleRunner, workerFile } from './worker-cycle-runner.js';
import type { EndpointScrapeStatus } from '../aggregate/aggregate.types.js';

/**
 * The worker runner with its real thread (the built `dist/` worker: `npm
 * test` builds first). The thread's own code is covered in-process by
 * cycle-worker.spec.ts; this checks the main-thread side: the plan goes in,
 * the endpoints and views come back, other views are rendered in the thread
 * once per snapshot. The inline runner over the same pages is the oracle
 * for everything that does not depend on the clock.
 */

/** An endpoint's status without its timestamp. */
const status = (e: EndpointScrapeStatus) => ({
  key: e.key,
  up: e.up,
  lastError: e.lastError,
  stale: e.stale,
  badLines: e.badLines,
});
const byKey = (a: { key: string }, b: { key: string }) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

describe('WorkerCycleRunner', () => {
  let servers: PlanServers;
  let worker: WorkerCycleRunner;
  let inline: InlineCycleRunner;

  beforeAll(async () => {
    servers = await startPlanServers();
    worker = new WorkerCycleRunner(PIPELINE_OPTIONS);
    inline = new InlineCycleRunner(PIPELINE_OPTIONS);
  });
  afterAll(async () => {
    await worker?.close();
    await inline?.close();
    await servers?.close();
  });

  it('loads the built worker file', () => {
    expect(workerFile()).toMatch(/dist\/pipeline\/cycle-worker\.js$/);
  });

  it('runs a cycle in the thread and serves its views as the inline runner does', async () => {
    const out = await worker.run(servers.plan(Date.now()));
    const ref = await inline.run(servers.plan(Date.now()));
    expect(out.failures).toBe(1);
    expect(out.workerCpuSeconds).toBeGreaterThanOrEqual(0);
    expect(out.snapshot.endpoints.map(status).sort(byKey)).toEqual(
      ref.snapshot.endpoints.map(status).sort(byKey),
    );
    expect(out.snapshot.endpoints.filter((e) => e.up)).toHaveLength(2);

    // Pre-rendered: served from the cache, the same buffer every time.
    const full = await out.snapshot.render('full', undefined, 'prometheus');
    expect(await out.snapshot.render('full', undefined, 'prometheus')).toBe(
      full,
    );
    const fullRef = await ref.snapshot.render('full', undefined, 'prometheus');
    expect(full.contentType).toBe(fullRef.contentType);
    expect(seriesOf(full.body)).toEqual(seriesOf(fullRef.body));

    // Not pre-rendered: one request to the thread for concurrent callers, then cached.
    const [a, b] = await Promise.all([
      out.snapshot.render('instance', undefined, 'prometheus'),
      out.snapshot.render('instance', undefined, 'prometheus'),
    ]);
    expect(b).toBe(a);
    expect(await out.snapshot.render('instance', undefined, 'prometheus')).toBe(
      a,
    );
    const instRef = await ref.snapshot.render(
      'instance',
      undefined,
      'prometheus',
    );
    expect(seriesOf(a.body)).toEqual(seriesOf(instRef.body));

    const otel = await out.snapshot.render('role', 'decode', 'opentelemetry');
    expect(otel.contentType).toBe(
      (await ref.snapshot.render('role', 'decode', 'opentelemetry'))
        .contentType,
    );
    expect(JSON.parse(otel.body.toString('utf8'))).toHaveProperty(
      'resourceMetrics',
    );

    // A later cycle replaces the snapshot in the thread: a view of the old
    // one not rendered yet can no longer be had.
    await worker.run(servers.plan(Date.now()));
    await expect(
      out.snapshot.render('node', undefined, 'prometheus'),
    ).rejects.toThrow('snapshot superseded');
  });

  it('serves the empty snapshot before the first cycle on the main thread', async () => {
    const now = 1_767_000_000_000;
    const empty = worker.empty(now);
    const fresh = new InlineCycleRunner(PIPELINE_OPTIONS);
    const ref = fresh.empty(now);
    await fresh.close();
    expect(empty.createdAt).toBe(now);
    expect(empty.endpoints).toEqual([]);
    const body = await empty.render('full', undefined, 'prometheus');
    const refBody = await ref.render('full', undefined, 'prometheus');
    expect(body.body.equals(refBody.body)).toBe(true);
  });
});
