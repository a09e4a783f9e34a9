import { cycleOf, okPage } from './cycle-builder.js';
import type { InstanceRef, PageResult } from '../scrape/scrape.types.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from '../render/rendered-views.js';
import {
  samples,
  get,
  header,
  counter,
  histogram,
  ref,
  s,
} from '../../test/support/semantics-pages.js';

/**
 * SPEC §3.1, what the `full` view derives from roles and windows: S2 PD role
 * attribution, S3 windowed quantiles and ratios, S5 derived metrics per registered model.
 * Every expected value is worked out by hand in the comment next to it, from the pages
 * the test writes; none is read back from the code.
 */

describe('S2 PD role attribution', () => {
  const P = ref(2, 'prefill');
  const D = ref(3, 'decode');
  const prefillPage =
    counter('vllm:prompt_tokens_total', 1000, 'model_name="m"') +
    counter('vllm:generation_tokens_total', 10, 'model_name="m"') +
    counter(
      'vllm:request_success_total',
      10,
      'finished_reason="length",model_name="m"',
    );
  const decodePage =
    counter('vllm:prompt_tokens_total', 7, 'model_name="m"') +
    counter('vllm:generation_tokens_total', 800, 'model_name="m"') +
    counter(
      'vllm:request_success_total',
      8,
      'finished_reason="stop",model_name="m"',
    ) +
    'vllm:request_success_total{finished_reason="length",model_name="m"} 2\n';

  it('counts prompt work on the prefill side and what users receive on the decode side', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const snap = agg.ingest(
      cycleOf([okPage(P, prefillPage, 1), okPage(D, decodePage, 1)], 1),
    );
    const full = samples(snap);
    expect(get(full, 'vllm:prompt_tokens_total{model_name="m"}')).toBe(1000);
    expect(get(full, 'vllm:generation_tokens_total{model_name="m"}')).toBe(800);
    // finish reasons as users saw them: 2 length of 10, not 12 of 20
    expect(
      get(
        full,
        'vllm:request_success_total{finished_reason="length",model_name="m"}',
      ),
    ).toBe(2);
    expect(
      get(
        full,
        'motor:requests_finished_total{finished_reason="stop",model_name="m"}',
      ),
    ).toBe(8);
    // the role view is not filtered
    expect(
      get(
        samples(snap, 'role'),
        'vllm:prompt_tokens_total{role="decode",model_name="m"}',
      ),
    ).toBe(7);
  });

  it('decode scaled to zero and back: decode families freeze, disappear, never decrease', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(5) });
    const ttft = (count: number) =>
      histogram(
        'vllm:time_to_first_token_seconds',
        [
          ['1', count],
          ['+Inf', count],
        ],
        count,
      );
    const at = (t: number, pages: PageResult[]) =>
      agg.ingest(
        cycleOf(
          pages.map((p) => ({ ...p, at: s(t) })),
          s(t),
        ),
      );
    const count = (snap: RenderedViews) =>
      samples(snap).get(
        'vllm:time_to_first_token_seconds_count{model_name="m"}',
      );
    expect(
      count(at(0, [okPage(P, ttft(49), 1), okPage(D, ttft(201), 1)])),
    ).toBe(201);
    // decode removed: the prefill TTFT is never passed off as the cluster's
    expect(count(at(3, [okPage(P, ttft(60), 1)]))).toBe(201);
    const gone = at(9, [okPage(P, ttft(70), 1)]);
    expect(count(gone)).toBeUndefined();
    expect(header(gone)).toContain(
      '# TYPE vllm:time_to_first_token_seconds histogram',
    );
    // decode back with 152: the series appears anew with its raw value (no false reset:
    // it was absent, and it never showed the prefill side's numbers)
    expect(
      count(at(12, [okPage(P, ttft(80), 1), okPage(D, ttft(152), 1)])),
    ).toBe(152);
  });

  it('estimates the PD time to first token: mean prefill e2e + mean decode TTFT over the window', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const e2e = (count: number, sum: number) =>
      histogram(
        'vllm:e2e_request_latency_seconds',
        [
          ['10', count],
          ['+Inf', count],
        ],
        sum,
      );
    const ttft = (count: number, sum: number) =>
      histogram(
        'vllm:time_to_first_token_seconds',
        [
          ['10', count],
          ['+Inf', count],
        ],
        sum,
      );
    agg.ingest(
      cycleOf([okPage(P, e2e(100, 50), 1), okPage(D, ttft(100, 10), 1)], s(0)),
    );
    const snap = agg.ingest(
      cycleOf([okPage(P, e2e(110, 53), 1), okPage(D, ttft(120, 12), 1)], s(3)),
    );
    // prefill: 3 s / 10 = 0.3; decode: 2 s / 20 = 0.1 → 0.4
    expect(
      get(
        samples(snap),
        'motor:pd_time_to_first_token_mean_seconds{model_name="m"}',
      ),
    ).toBeCloseTo(0.4, 12);
  });
});

describe('S3 windowed quantiles and ratios', () => {
  const U = ref(2, 'union');
  const ttft = (fast: number, slow: number) =>
    histogram(
      'vllm:time_to_first_token_seconds',
      [
        ['0.1', fast],
        ['1', fast],
        ['10', fast + slow],
        ['+Inf', fast + slow],
      ],
      fast * 0.05 + slow * 5,
    );

  it('a burst of slow requests moves p99 within one window; a quiet window has none', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60), windowMs: s(6) });
    const at = (t: number, fast: number, slow: number) =>
      samples(agg.ingest(cycleOf([okPage(U, ttft(fast, slow), 1)], s(t))));
    const p99 =
      'vllm:time_to_first_token_seconds_p99{quantile="0.99",model_name="m"}';
    at(0, 1e6, 0);
    // Δ over the window: 0 fast, 5000 slow in (1, 10]: rank 4950 → 1 + 9 × 4950/5000
    const burst = at(3, 1e6, 5000);
    expect(get(burst, p99)).toBeCloseTo(9.91, 9);
    expect(
      get(burst, 'vllm:time_to_first_token_seconds_mean{model_name="m"}'),
    ).toBeCloseTo(5, 9);
    expect(
      get(
        burst,
        'motor:time_to_first_token_seconds_p99{quantile="0.99",model_name="m"}',
      ),
    ).toBeCloseTo(9.91, 9);
    // nothing new for longer than the window: absent, never 0 or NaN
    at(6, 1e6, 5000);
    const quiet = at(12, 1e6, 5000);
    expect(quiet.has(p99)).toBe(false);
    expect(
      quiet.has('vllm:time_to_first_token_seconds_mean{model_name="m"}'),
    ).toBe(false);
  });
});

describe('S5 derived metrics carry the registry’s model_name', () => {
  it('counts workers and rates tokens per registered model', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const instances: InstanceRef[] = [
      { id: 2, role: 'union', paused: false, modelName: 'alpha' },
      { id: 3, role: 'union', paused: false, modelName: 'beta' },
      { id: 4, role: 'decode', paused: true, modelName: 'beta' },
    ];
    const A = ref(2, 'union', 'alpha');
    const B = ref(3, 'union', 'beta');
    // the engines name their model differently; the registry's name wins
    const tokens = (n: number) =>
      counter('vllm:generation_tokens_total', n, 'model_name="/models/x"');
    agg.ingest(
      cycleOf([okPage(A, tokens(0), 1), okPage(B, tokens(0), 1)], s(0), {
        instances,
      }),
    );
    const full = samples(
      agg.ingest(
        cycleOf([okPage(A, tokens(30), 1), okPage(B, tokens(300), 1)], s(3), {
          instances,
        }),
      ),
    );
    expect(get(full, 'motor:active_union_workers{model_name="alpha"}')).toBe(1);
    expect(get(full, 'motor:active_decode_workers{model_name="beta"}')).toBe(0);
    expect(
      get(full, 'motor:generation_tokens_per_second{model_name="alpha"}'),
    ).toBe(10);
    expect(
      get(full, 'motor:generation_tokens_per_second{model_name="beta"}'),
    ).toBe(100);
    // the engine family keeps the engine's own labels
    expect(
      get(full, 'vllm:generation_tokens_total{model_name="/models/x"}'),
    ).toBe(330);
  });
});
