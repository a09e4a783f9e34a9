import { cycleOf, failedPage, okPage } from './cycle-builder.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from '../render/rendered-views.js';
import {
  A,
  B,
  num,
  samples,
  ttftPage,
  vllmPage,
} from '../../test/support/aggregator-views.js';

describe('MetricsAggregator: staleness', () => {
  it('keeps a failed endpoint’s last good samples until stale, then drops it', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 5_000 });
    agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ running: 3, prompt: 100 }), 1000),
          okPage(B, vllmPage({ running: 5, prompt: 50 }), 1000),
        ],
        1000,
      ),
    );

    const s2 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ running: 3, prompt: 110 }), 4000),
          failedPage(B, 'ECONNREFUSED', 4000),
        ],
        4000,
      ),
    );
    const f2 = samples(s2);
    const prompt = (snap: RenderedViews) =>
      num(
        samples(snap, 'role'),
        'vllm:prompt_tokens_total{role="decode",model_name="m"}',
      );
    expect(num(f2, 'vllm:num_requests_running{model_name="m"}')).toBe(8);
    expect(prompt(s2)).toBe(160);
    expect(num(f2, 'motor:endpoints_scraped')).toBe(1);
    expect(num(f2, 'motor:endpoints_configured')).toBe(2);
    expect(s2.endpoints[1]).toEqual({
      key: B.key,
      up: false,
      lastSuccessAt: 1000,
      lastError: 'ECONNREFUSED',
      stale: false,
      badLines: 0,
    });
    const dp2 = samples(s2, 'dp');
    expect(
      num(
        dp2,
        'motor:endpoint_up{dp_rank="0",role="decode",instance_id="2",pod_ip="127.0.0.2"}',
      ),
    ).toBe(0);
    expect(
      dp2.has(
        'vllm:num_requests_running{dp_rank="0",role="decode",instance_id="2",pod_ip="127.0.0.2",engine="0",model_name="m"}',
      ),
    ).toBe(true);

    const s3 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ running: 3, prompt: 120 }), 7000),
          failedPage(B, 'timeout', 7000),
        ],
        7000,
      ),
    );
    const f3 = samples(s3);
    expect(num(f3, 'vllm:num_requests_running{model_name="m"}')).toBe(3); // gone, not zeroed
    expect(prompt(s3)).toBe(170); // B left: its 50 stays in the sum
    expect(s3.endpoints[1]).toMatchObject({
      up: false,
      stale: true,
      lastError: 'timeout',
    });
    const dp3 = samples(s3, 'dp');
    expect(
      [...dp3.keys()].filter(
        (k) => k.includes('instance_id="2"') && !k.startsWith('motor:'),
      ),
    ).toEqual([]);
    expect(
      num(
        dp3,
        'motor:endpoint_last_success_timestamp_seconds{dp_rank="0",role="decode",instance_id="2",pod_ip="127.0.0.2"}',
      ),
    ).toBe(1);

    // back: B joins anew at 0 (S1): no jump for what it did while it was away
    const s4 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ running: 3, prompt: 130 }), 10000),
          okPage(B, vllmPage({ running: 5, prompt: 70 }), 10000),
        ],
        10000,
      ),
    );
    expect(prompt(s4)).toBe(180); // 130 + 50 (frozen) + 0
    const s5 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ running: 3, prompt: 131 }), 13000),
          okPage(B, vllmPage({ running: 5, prompt: 75 }), 13000),
        ],
        13000,
      ),
    );
    expect(prompt(s5)).toBe(186); // + 1 (A) + 5 (B)
  });

  it('treats an answer without any parsable sample as a failure', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 5_000 });
    agg.ingest(cycleOf([okPage(A, vllmPage({ running: 3 }), 1000)], 1000));
    const s = agg.ingest(
      cycleOf([okPage(A, '<html>oops</html>\n', 2000)], 2000),
    );
    expect(s.endpoints[0]).toMatchObject({
      up: false,
      lastSuccessAt: 1000,
      lastError: 'no parsable sample',
      badLines: 1,
    });
    expect(num(samples(s), 'vllm:num_requests_running{model_name="m"}')).toBe(
      3,
    );
    expect(num(samples(s), 'motor:endpoints_scraped')).toBe(0);
  });
});
describe('MetricsAggregator: monotonic cluster counters', () => {
  it('survives an engine restart (counter reset) in merged views, raw in dp', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 60_000 });
    agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ prompt: 100 }), 1000),
          okPage(B, vllmPage({ prompt: 50 }), 1000),
        ],
        1000,
      ),
    );
    const s2 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ prompt: 10 }), 2000),
          okPage(B, vllmPage({ prompt: 60 }), 2000),
        ],
        2000,
      ),
    );
    const prompt = (snap: RenderedViews) =>
      num(
        samples(snap, 'role'),
        'vllm:prompt_tokens_total{role="decode",model_name="m"}',
      );
    expect(prompt(s2)).toBe(170);
    expect(
      num(
        samples(s2, 'instance'),
        'vllm:prompt_tokens_total{instance_id="1",role="decode",model_name="m"}',
      ),
    ).toBe(110);
    expect(
      num(
        samples(s2, 'dp'),
        'vllm:prompt_tokens_total{dp_rank="0",role="decode",instance_id="1",pod_ip="127.0.0.1",engine="0",model_name="m"}',
      ),
    ).toBe(10);
    const s3 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ prompt: 5 }), 3000),
          okPage(B, vllmPage({ prompt: 60 }), 3000),
        ],
        3000,
      ),
    );
    expect(prompt(s3)).toBe(175);
  });

  it('keeps a counter when an instance leaves, frozen until stale_after, then forgets it', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 5_000 });
    const other = vllmPage({ prompt: 7, model: 'other' });
    const role = (snap: RenderedViews) => samples(snap, 'role');
    const key = (model: string) =>
      `vllm:prompt_tokens_total{role="decode",model_name="${model}"}`;
    const s1 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({ prompt: 100 }), 1000),
          okPage(B, vllmPage({ prompt: 50 }) + other, 1000),
        ],
        1000,
      ),
    );
    expect(num(role(s1), key('other'))).toBe(7);
    const s2 = agg.ingest(
      cycleOf([okPage(A, vllmPage({ prompt: 101 }), 2000)], 2000),
    );
    // B's 50 stays in the sum; its own label set is shown frozen (no live source)
    expect(num(role(s2), key('m'))).toBe(151);
    expect(num(role(s2), key('other'))).toBe(7);
    // instance 2's group keeps its frozen counters too
    expect(
      num(
        samples(s2, 'instance'),
        'vllm:prompt_tokens_total{instance_id="2",role="decode",model_name="other"}',
      ),
    ).toBe(7);
    const s3 = agg.ingest(
      cycleOf([okPage(A, vllmPage({ prompt: 105 }), 3000)], 3000),
    );
    expect(num(role(s3), key('m'))).toBe(155);
    // 5 s after its last live source the frozen series is gone, and so is instance 2
    const s4 = agg.ingest(
      cycleOf([okPage(A, vllmPage({ prompt: 106 }), 7500)], 7500),
    );
    expect(role(s4).has(key('other'))).toBe(false);
    expect(num(role(s4), key('m'))).toBe(156);
    expect(
      [...samples(s4, 'instance').keys()].some((k) =>
        k.includes('instance_id="2"'),
      ),
    ).toBe(false);
  });

  it('keeps histogram buckets monotonic when an endpoint restarts and another leaves', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 60_000 });
    const page = (a: number, b: number) =>
      ttftPage(
        [
          ['0.1', a],
          ['+Inf', b],
        ],
        b,
        b,
      );
    agg.ingest(
      cycleOf([okPage(A, page(5, 10), 1), okPage(B, page(1, 2), 1)], 1000),
    );
    const s2 = agg.ingest(cycleOf([okPage(A, page(1, 1), 2)], 2000));
    const full = samples(s2);
    expect(
      num(
        full,
        'vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="m"}',
      ),
    ).toBe(7);
    expect(
      num(
        full,
        'vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"}',
      ),
    ).toBe(13);
    expect(
      num(full, 'vllm:time_to_first_token_seconds_count{model_name="m"}'),
    ).toBe(13);
  });

  it('keeps a counter that vanishes from a live page until it is stale', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 5_000 });
    const extra = '# TYPE foo_total counter\nfoo_total 40\n';
    agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({}) + extra, 1000),
          okPage(B, vllmPage({}) + extra, 1000),
        ],
        1000,
      ),
    );
    const s2 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({}) + extra.replace('40', '41'), 2000),
          okPage(B, vllmPage({}), 2000),
        ],
        2000,
      ),
    );
    expect(num(samples(s2), 'foo_total')).toBe(81);
    const s3 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({}) + extra.replace('40', '42'), 9000),
          okPage(B, vllmPage({}), 9000),
        ],
        9000,
      ),
    );
    expect(num(samples(s3), 'foo_total')).toBe(82); // folded into the baseline
    const s4 = agg.ingest(
      cycleOf(
        [
          okPage(A, vllmPage({}) + extra.replace('40', '43'), 10000),
          okPage(B, vllmPage({}), 10000),
        ],
        10000,
      ),
    );
    expect(num(samples(s4), 'foo_total')).toBe(83);
  });
});
