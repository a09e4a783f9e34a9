import { cycleOf, okPage } from './cycle-builder.js';
import type { PageResult } from '../scrape/scrape.types.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from '../render/rendered-views.js';
import {
  samples,
  get,
  header,
  counter,
  gauge,
  histogram,
  ref,
  s,
} from '../../test/support/semantics-pages.js';

/**
 * One value per identity: a deprecated alias never counts beside its preferred name
 * (§3.2), a series written twice counts once, a suffix clash yields to the histogram or
 * summary, and compaction forgets series without moving any number.
 * Every expected value is worked out by hand in the comment next to it, from the pages
 * the test writes; none is read back from the code.
 */

describe('§3.2 canonical families', () => {
  it('feed from a deprecated alias only on pages without the preferred name', () => {
    const itl = (n: number) =>
      histogram(
        'vllm:inter_token_latency_seconds',
        [
          ['1', n],
          ['+Inf', n],
        ],
        n,
      );
    const tpot = (n: number) =>
      histogram(
        'vllm:time_per_output_token_seconds',
        [
          ['1', n],
          ['+Inf', n],
        ],
        n,
      );
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const full = samples(
      agg.ingest(
        cycleOf(
          [
            // V1 prints both names: only the preferred one feeds the canonical family
            okPage(ref(2, 'decode'), itl(10) + tpot(10), 1),
            // an older engine prints only the deprecated one
            okPage(ref(3, 'decode'), tpot(4), 1),
          ],
          1,
        ),
      ),
    );
    // 10 (ITL of the first page) + 4 (TPOT of the second), not 10 + 10 + 4
    expect(
      get(full, 'motor:inter_token_latency_seconds_count{model_name="m"}'),
    ).toBe(14);
    // the engine families themselves are untouched
    expect(
      get(full, 'vllm:time_per_output_token_seconds_count{model_name="m"}'),
    ).toBe(14);
  });
});

describe('always one series per identity', () => {
  it('takes a series written twice with its labels in another order once: the first wins', () => {
    const page =
      counter('x_total', 1, 'a="1",b="2"') +
      'x_total{b="2",a="1"} 2\n' +
      gauge('g', 5, 'a="1",b="2"') +
      'g{b="2",a="1"} 7\n';
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const snap = agg.ingest(cycleOf([okPage(ref(2, 'union'), page, 1)], 1));
    const full = samples(snap);
    expect(get(full, 'x_total{a="1",b="2"}')).toBe(1);
    expect(get(full, 'g{a="1",b="2"}')).toBe(5);
    expect(snap.endpoints[0]!.badLines).toBe(2);
  });
});

describe('suffix clashes: the histogram or summary wins', () => {
  const gaugeSum = gauge('x_sum', 99, 'model_name="m"');
  const hist = histogram(
    'x',
    [
      ['1', 3],
      ['+Inf', 4],
    ],
    2.5,
  );
  const seriesNames = (text: string) =>
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.slice(0, l.lastIndexOf(' ')));

  it.each([
    ['gauge first', [gaugeSum, hist]],
    ['histogram first', [hist, gaugeSum]],
  ] as const)(
    '%s: x_sum is the histogram’s _sum, never a gauge beside it',
    (_, order) => {
      const agg = new MetricsPipeline({ staleAfterMs: s(60) });
      // two cycles: whichever family the catalog met first, the second cycle is clean
      let snap: RenderedViews | undefined;
      for (const t of [0, 3]) {
        snap = agg.ingest(
          cycleOf(
            [
              okPage(ref(2, 'union'), order[0], s(t)),
              okPage(ref(3, 'union'), order[1], s(t)),
            ],
            s(t),
          ),
        );
      }
      const text = header(snap!);
      expect(text).not.toContain('# TYPE x_sum gauge');
      expect(text).toContain('# TYPE x histogram');
      const names = seriesNames(text);
      expect(names.length).toBe(new Set(names).size);
      // the histogram's own _sum, not 2.5 + 99
      expect(get(samples(snap!), 'x_sum{model_name="m"}')).toBe(2.5);
      const gaugePage = order[0] === gaugeSum ? 0 : 1;
      expect(snap!.endpoints[gaugePage]!.badLines).toBe(1);
    },
  );

  it('a counter s_count beside summary s yields to the summary', () => {
    const summary =
      '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 10\ns_count 4\n';
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const snap = agg.ingest(
      cycleOf(
        [
          okPage(ref(2, 'union'), summary, 1),
          okPage(ref(3, 'union'), counter('s_count', 7), 1),
        ],
        1,
      ),
    );
    const full = samples(snap);
    expect(get(full, 's_count')).toBe(4);
    expect(header(snap)).not.toContain('# TYPE s_count counter');
  });
});

describe('memory follows the live fleet', () => {
  it('forgets series no page shows any more, without moving any number of the views', () => {
    const churn = (t: number) =>
      Array.from(
        { length: 50 },
        (_, i) => `churn_total{req="${t}-${i}"} 1\n`,
      ).join('');
    const stable = (prompt: number, fast: number, slow: number) =>
      counter('vllm:prompt_tokens_total', prompt, 'model_name="m"') +
      histogram(
        'vllm:time_to_first_token_seconds',
        [
          ['1', fast],
          ['10', fast + slow],
          ['+Inf', fast + slow],
        ],
        fast,
      );
    const opts = { staleAfterMs: s(5), compactAtSeries: 400 };
    const churned = new MetricsPipeline(opts);
    const A = ref(2, 'union');
    const B = ref(3, 'union');
    const C = ref(4, 'union');
    const run = (t: number, pages: PageResult[]) =>
      churned.ingest(
        cycleOf(
          pages.map((p) => ({ ...p, at: s(t) })),
          s(t),
        ),
      );
    const page = (p: number, fast: number, slow: number, t: number) =>
      '# TYPE churn_total counter\n' + churn(t) + stable(p, fast, slow);
    let snap: RenderedViews | undefined;
    const sizes: number[] = [];
    // A serves throughout; B leaves at 9 s (its 40 stays, S1); C joins at 30 s with history
    for (let t = 0; t <= 117; t += 3) {
      const pages = [okPage(A, page(100 + t, 10 + t, 0, t), 1)];
      if (t < 9) pages.push(okPage(B, stable(40, 0, 0), 1));
      if (t >= 30) pages.push(okPage(C, stable(1e6 + (t - 30), 0, 0), 1));
      snap = run(t, pages);
      sizes.push(churned.catalogSize);
    }
    // compacted (checked every 8th cycle), so the catalog stays below the threshold plus
    // 8 cycles of churn (400 + 8 × 50), where it would hold 40 × 50 texts without
    expect(churned.compactions).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThan(800);
    const full = samples(snap!);
    // A: 217; B left with 40 (frozen); C joined at 1e6 and added 87: 217 + 40 + 87
    expect(get(full, 'vllm:prompt_tokens_total{model_name="m"}')).toBe(344);
    expect(get(full, 'motor:prompt_tokens_total{model_name="m"}')).toBe(344);
    // the window (60 s; base: the reading kept at 45 s) reads Δ = 72 fast, all in (0, 1]
    expect(
      get(
        full,
        'vllm:time_to_first_token_seconds_p50{quantile="0.5",model_name="m"}',
      ),
    ).toBeCloseTo(0.5, 9);
  });
});
