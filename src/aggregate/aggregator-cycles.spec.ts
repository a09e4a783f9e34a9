import { cycleOf, endpointRef, okPage } from './cycle-builder.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from '../render/rendered-views.js';
import { CycleSupersededError } from './merged-views.js';
import {
  A,
  B,
  P,
  num,
  samples,
  vllmPage,
} from '../../test/support/aggregator-views.js';

describe('MetricsAggregator: empty snapshot', () => {
  it('serves only the coordinator’s own freshness metrics, in every view', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.emptyViews(5000);
    expect(snap.createdAt).toBe(5000);
    expect(snap.endpoints).toEqual([]);
    for (const view of ['full', 'instance', 'dp', 'node'] as const) {
      const s = samples(snap, view);
      expect(num(s, 'motor:endpoints_configured')).toBe(0);
      expect(num(s, 'motor:endpoints_scraped')).toBe(0);
      expect([...s.keys()].every((k) => k.startsWith('motor:'))).toBe(true);
    }
    expect(
      num(
        samples(snap, 'role', 'union'),
        'motor:endpoints_configured{role="union"}',
      ),
    ).toBe(0);
  });
});
describe('MetricsAggregator: pages as they arrive, dp on first render', () => {
  const pagesAt = (prompt: number, at: number) => [
    okPage(A, vllmPage({ prompt, running: 1 }), at),
    okPage(B, vllmPage({ prompt: 2 * prompt, running: 2 }), at),
    okPage(P, vllmPage({ prompt: 3 * prompt, running: 3 }), at),
  ];
  const dpRate = (snap: RenderedViews, instance: number): number => {
    const m = samples(snap, 'dp');
    const key = [...m.keys()].find(
      (k) =>
        k.startsWith('motor:prompt_tokens_per_second{') &&
        k.includes(`instance_id="${instance}"`),
    );
    if (!key) throw new Error(`no dp prompt rate for instance ${instance}`);
    return num(m, key);
  };
  const allViews = (snap: RenderedViews): string[] =>
    (['full', 'instance', 'role', 'node', 'dp'] as const).map((v) =>
      snap.render(v, undefined, 'prometheus').body.toString('utf8'),
    );

  it('gives the same views whatever order the pages arrive in', () => {
    const inOrder = new MetricsPipeline({ staleAfterMs: 60_000 });
    const reversed = new MetricsPipeline({ staleAfterMs: 60_000 });
    for (const [k, at] of [1000, 4000, 7000].entries()) {
      const cycle = cycleOf(pagesAt(100 * (k + 1), at - 10), at);
      const a = inOrder.ingest(cycle);
      reversed.beginCycle();
      const pages = [...cycle.pages];
      for (let i = pages.length - 1; i >= 0; i--)
        reversed.ingestPage(pages[i]!, i);
      const b = reversed.finishCycle(cycle);
      expect(allViews(b)).toEqual(allViews(a));
      expect(b.endpoints).toEqual(a.endpoints);
    }
  });

  it('keeps one result per endpoint in a cycle: the first to arrive', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 60_000 });
    agg.beginCycle();
    agg.ingestPage(okPage(A, vllmPage({ running: 5 }), 1), 0);
    agg.ingestPage(okPage(A, vllmPage({ running: 9 }), 2), 1);
    const snap = agg.finishCycle(cycleOf([], 1000));
    expect(
      num(samples(snap), 'vllm:num_requests_running{model_name="m"}'),
    ).toBe(5);
  });

  it('rates dp token counters over the window even when dp was not rendered before', () => {
    // a 3 s window: each rate spans exactly the last cycle
    const lazy = new MetricsPipeline({
      staleAfterMs: 60_000,
      windowMs: 3000,
    });
    const eager = new MetricsPipeline({
      staleAfterMs: 60_000,
      windowMs: 3000,
    });
    let last: RenderedViews | undefined;
    for (const [k, at] of [3000, 6000, 9000].entries()) {
      const cycle = cycleOf(pagesAt([100, 400, 1300][k]!, at - 10), at);
      last = lazy.ingest(cycle);
      const e = eager.ingest(cycle);
      e.render('dp', undefined, 'prometheus');
      if (k === 2) expect(allViews(last)).toEqual(allViews(e));
    }
    // (1300 - 400) / 3 s, not (1300 - 100) / 6 s
    expect(dpRate(last!, 1)).toBe(300);
    expect(dpRate(last!, 2)).toBe(600);
    expect(dpRate(last!, 3)).toBe(900);
  });

  it('builds dp of the latest cycle while the next one is half ingested', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 60_000 });
    const twin = new MetricsPipeline({ staleAfterMs: 60_000 });
    const first = cycleOf(pagesAt(100, 990), 1000);
    const snap = agg.ingest(first);
    const expected = twin
      .ingest(first)
      .render('dp', undefined, 'prometheus')
      .body.toString('utf8');
    // The next cycle: A answers other values, B now has another role (its state is retired).
    agg.beginCycle();
    agg.ingestPage(okPage(A, vllmPage({ prompt: 999, running: 7 }), 3990), 0);
    agg.ingestPage(
      okPage(endpointRef(2, 'prefill', '127.0.0.2', 0), vllmPage({}), 3990),
      1,
    );
    expect(
      snap.render('dp', undefined, 'prometheus').body.toString('utf8'),
    ).toBe(expected);
  });

  it('refuses to build dp of a cycle once a newer one has finished', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 60_000 });
    const old = agg.ingest(cycleOf(pagesAt(100, 990), 1000));
    const rendered = old.render('full', undefined, 'prometheus');
    const next = agg.ingest(cycleOf(pagesAt(200, 3990), 4000));
    expect(() => old.render('dp', undefined, 'prometheus')).toThrow(
      CycleSupersededError,
    );
    // What it had already rendered it still serves; the new cycle builds its own.
    expect(old.render('full', undefined, 'prometheus')).toBe(rendered);
    expect(dpRate(next, 1)).toBeCloseTo(100 / 3, 9);
  });
});
