import { cycleOf, endpointRef, okPage } from './cycle-builder.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import {
  A,
  B,
  P,
  num,
  samples,
  vllmPage,
} from '../../test/support/aggregator-views.js';

describe('MetricsAggregator: derived metrics', () => {
  it('computes the prefix cache hit rate over the window from V1 counters, V0 as a fallback, clamped', () => {
    const v1 = (h: number, q: number) =>
      `# TYPE vllm:prefix_cache_hits_total counter\nvllm:prefix_cache_hits_total{model_name="m"} ${h}\n# TYPE vllm:prefix_cache_queries_total counter\nvllm:prefix_cache_queries_total{model_name="m"} ${q}\n`;
    const v0 = (h: number, q: number) =>
      `# TYPE vllm:gpu_prefix_cache_hits_total counter\nvllm:gpu_prefix_cache_hits_total{model_name="v0"} ${h}\n# TYPE vllm:gpu_prefix_cache_queries_total counter\nvllm:gpu_prefix_cache_queries_total{model_name="v0"} ${q}\n`;
    const U1 = endpointRef(5, 'union', '127.0.0.5', 0);
    const U2 = endpointRef(6, 'union', '127.0.0.6', 0);
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const first = agg.ingest(
      cycleOf(
        [
          okPage(U1, v1(10, 40), 1),
          okPage(U2, v1(0, 0), 1),
          okPage(P, v0(5, 4), 1),
          okPage(B, v1(0, 5), 1),
        ],
        1000,
      ),
    );
    // no increase yet: absent, never 0 or NaN
    expect([...samples(first).keys()].some((k) => k.includes('hit_rat'))).toBe(
      false,
    );
    const snap = agg.ingest(
      cycleOf(
        [
          okPage(U1, v1(30, 100), 1),
          okPage(U2, v1(0, 20), 1),
          okPage(P, v0(20, 10), 1),
          okPage(B, v1(0, 5), 1),
        ],
        4000,
      ),
    );
    const full = samples(snap);
    // Δhits 20 / Δqueries (60 + 20); the decode endpoint B is out of scope
    expect(num(full, 'vllm:prefix_cache_hit_rate{model_name="m"}')).toBeCloseTo(
      0.25,
      12,
    );
    expect(num(full, 'vllm:prefix_cache_hit_rate{model_name="v0"}')).toBe(1); // 15/6 clamped
    // canonical: both layouts feed one ratio (no registry model here): 35 / 86
    expect(num(full, 'motor:prefix_cache_hit_ratio')).toBeCloseTo(35 / 86, 12);
    const role = samples(snap, 'role');
    // no query in the window on the decode side: absent
    expect(
      role.has('vllm:prefix_cache_hit_rate{role="decode",model_name="m"}'),
    ).toBe(false);
  });

  it('rates the token counters over the window, by registry model, from the scoped sources', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 60_000 });
    const gen = (n: number) =>
      `# TYPE sglang:generation_tokens_total counter\nsglang:generation_tokens_total ${n}\n`;
    const U1 = endpointRef(5, 'union', '127.0.0.5', 0, 'qwen');
    const U2 = endpointRef(6, 'union', '127.0.0.6', 0, 'qwen');
    const D = endpointRef(7, 'decode', '127.0.0.7', 0, 'qwen');
    const s1 = agg.ingest(
      cycleOf(
        [
          okPage(U1, vllmPage({ prompt: 100 }) + gen(10), 1),
          okPage(U2, vllmPage({ prompt: 0 }), 1),
          okPage(D, vllmPage({ prompt: 5000 }), 1),
        ],
        3000,
      ),
    );
    expect(
      num(samples(s1), 'motor:prompt_tokens_per_second{model_name="qwen"}'),
    ).toBe(0);
    const s2 = agg.ingest(
      cycleOf(
        [
          okPage(U1, vllmPage({ prompt: 400 }) + gen(40), 1),
          okPage(U2, vllmPage({ prompt: 300 }), 1),
          okPage(D, vllmPage({ prompt: 9000 }), 1),
        ],
        6000,
      ),
    );
    const full = samples(s2);
    // (300 + 300) / 3 s: the decode instance's prompt tokens are not the cluster's
    expect(num(full, 'motor:prompt_tokens_per_second{model_name="qwen"}')).toBe(
      200,
    );
    expect(
      num(full, 'motor:generation_tokens_per_second{model_name="qwen"}'),
    ).toBe(10);
    expect(
      num(
        samples(s2, 'instance'),
        'motor:prompt_tokens_per_second{instance_id="6",role="union",model_name="qwen"}',
      ),
    ).toBe(100);
  });

  it('counts registered, not paused instances per role', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 60_000 });
    const snap = agg.ingest(
      cycleOf([okPage(A, vllmPage({}), 1)], 1000, {
        instances: [
          { id: 1, role: 'decode', paused: false },
          { id: 2, role: 'decode', paused: true },
          { id: 3, role: 'prefill', paused: false },
          { id: 4, role: 'union', paused: false },
        ],
      }),
    );
    const full = samples(snap);
    expect([
      num(full, 'motor:active_prefill_workers'),
      num(full, 'motor:active_decode_workers'),
      num(full, 'motor:active_union_workers'),
    ]).toEqual([1, 1, 1]);
    expect(num(samples(snap, 'dp'), 'motor:active_decode_workers')).toBe(1);
  });
});
