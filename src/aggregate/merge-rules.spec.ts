import { cycleOf, okPage } from './cycle-builder.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import {
  samples,
  get,
  gauge,
  histogram,
  ref,
  s,
} from '../../test/support/semantics-pages.js';

/**
 * SPEC §3.1, the rules by which sources merge into one series: R1 rank labels, R2
 * reductions, S4 histogram layouts.
 * Every expected value is worked out by hand in the comment next to it, from the pages
 * the test writes; none is read back from the code.
 */

describe('R1 rank labels', () => {
  const page =
    gauge('sglang:num_running_reqs', 3, 'dp_rank="0",model_name="m"') +
    'sglang:num_running_reqs{dp_rank="1",model_name="m"} 4\n';

  it('are removed before merging, kept in dp as exported_<name>', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const snap = agg.ingest(cycleOf([okPage(ref(2, 'decode'), page, 1)], 1));
    // 3 + 4: the two DP ranks of one engine page are one series of the cluster
    expect(get(samples(snap), 'sglang:num_running_reqs{model_name="m"}')).toBe(
      7,
    );
    const dp = samples(snap, 'dp');
    expect(
      get(
        dp,
        'sglang:num_running_reqs{dp_rank="0",role="decode",instance_id="2",pod_ip="127.0.0.2",exported_dp_rank="1",model_name="m"}',
      ),
    ).toBe(4);
  });

  it('come from the rank_labels setting', () => {
    const agg = new MetricsPipeline({
      staleAfterMs: s(60),
      rankLabels: ['engine'],
    });
    const full = samples(
      agg.ingest(cycleOf([okPage(ref(2, 'decode'), page, 1)], 1)),
    );
    expect(
      get(full, 'sglang:num_running_reqs{dp_rank="0",model_name="m"}'),
    ).toBe(3);
  });
});

describe('R2 reductions', () => {
  const vllm = (usage: number, blocks?: number, engine = '0') =>
    gauge(
      'vllm:kv_cache_usage_perc',
      usage,
      `engine="${engine}",model_name="m"`,
    ) +
    (blocks === undefined
      ? ''
      : gauge(
          'vllm:cache_config_info',
          1,
          `block_size="16",engine="${engine}",num_gpu_blocks="${blocks}"`,
        ));

  it('weights utilisation by each source’s stated KV capacity', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const full = samples(
      agg.ingest(
        cycleOf(
          [
            okPage(ref(2, 'decode'), vllm(0.5, 100), 1),
            okPage(ref(3, 'decode'), vllm(0.9, 300), 1),
          ],
          1,
        ),
      ),
    );
    // (0.5 × 1600 + 0.9 × 4800) / 6400 = 0.8 (unweighted it would be 0.7)
    expect(get(full, 'vllm:kv_cache_usage_perc{model_name="m"}')).toBeCloseTo(
      0.8,
      12,
    );
    expect(get(full, 'motor:kv_cache_usage_ratio{model_name="m"}')).toBeCloseTo(
      0.8,
      12,
    );
    expect(get(full, 'motor:kv_cache_usage_ratio_max{model_name="m"}')).toBe(
      0.9,
    );
  });

  it('falls back to equal weights as soon as one source states no capacity', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const full = samples(
      agg.ingest(
        cycleOf(
          [
            okPage(ref(2, 'decode'), vllm(0.5, 100), 1),
            okPage(ref(3, 'decode'), vllm(0.9), 1),
          ],
          1,
        ),
      ),
    );
    expect(get(full, 'vllm:kv_cache_usage_perc{model_name="m"}')).toBeCloseTo(
      0.7,
      12,
    );
  });

  it('matches capacity per engine on a page with several engines', () => {
    const page =
      vllm(0.2, 100, '0') +
      'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.6\n' +
      'vllm:cache_config_info{block_size="16",engine="1",num_gpu_blocks="300"} 1\n';
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const full = samples(
      agg.ingest(cycleOf([okPage(ref(2, 'decode'), page, 1)], 1)),
    );
    // (0.2 × 1600 + 0.6 × 4800) / 6400 = 0.5
    expect(get(full, 'vllm:kv_cache_usage_perc{model_name="m"}')).toBeCloseTo(
      0.5,
      12,
    );
  });

  it('weights SGLang token usage by max_total_num_tokens', () => {
    const sglang = (usage: number, tokens: number) =>
      gauge('sglang:token_usage', usage, 'model_name="m"') +
      gauge('sglang:max_total_num_tokens', tokens, 'model_name="m"');
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const full = samples(
      agg.ingest(
        cycleOf(
          [
            okPage(ref(2, 'decode'), sglang(0.1, 1000), 1),
            okPage(ref(3, 'decode'), sglang(0.4, 3000), 1),
          ],
          1,
        ),
      ),
    );
    // (0.1 × 1000 + 0.4 × 3000) / 4000 = 0.325
    expect(get(full, 'sglang:token_usage{model_name="m"}')).toBeCloseTo(
      0.325,
      12,
    );
    expect(get(full, 'motor:kv_cache_usage_ratio{model_name="m"}')).toBeCloseTo(
      0.325,
      12,
    );
    // limits pass through: the first value
    expect(get(full, 'sglang:max_total_num_tokens{model_name="m"}')).toBe(1000);
  });

  it('leaves vLLM V0’s -1 ("disabled") out of means and maxima', () => {
    const v0 = (usage: number) =>
      gauge('vllm:gpu_cache_usage_perc', usage, 'model_name="m"');
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const full = samples(
      agg.ingest(
        cycleOf(
          [
            okPage(ref(2, 'decode'), v0(-1), 1),
            okPage(ref(3, 'decode'), v0(0.8), 1),
          ],
          1,
        ),
      ),
    );
    // the mean of the one enabled source, not (-1 + 0.8) / 2 = -0.1
    expect(get(full, 'vllm:gpu_cache_usage_perc{model_name="m"}')).toBe(0.8);
    expect(get(full, 'vllm:kv_cache_usage_perc_max{model_name="m"}')).toBe(0.8);
    expect(get(full, 'motor:kv_cache_usage_ratio{model_name="m"}')).toBe(0.8);
  });
});

describe('S4 histogram layouts', () => {
  it('merges only the boundaries every source shares, and flags the family', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const a = histogram(
      'vllm:time_to_first_token_seconds',
      [
        ['0.1', 1],
        ['0.5', 3],
        ['1', 4],
        ['+Inf', 5],
      ],
      2,
    );
    const b = histogram(
      'vllm:time_to_first_token_seconds',
      [
        ['0.1', 2],
        ['1', 6],
        ['+Inf', 7],
      ],
      3,
    );
    const snap = agg.ingest(
      cycleOf(
        [okPage(ref(2, 'decode'), a, 1), okPage(ref(3, 'decode'), b, 1)],
        1,
      ),
    );
    const full = samples(snap);
    const bucket = (le: string) =>
      full.get(
        `vllm:time_to_first_token_seconds_bucket{le="${le}",model_name="m"}`,
      );
    expect([bucket('0.1'), bucket('0.5'), bucket('1'), bucket('+Inf')]).toEqual(
      [3, undefined, 10, 12],
    );
    expect(
      get(
        full,
        'motor:histogram_layout_mismatch{family="vllm:time_to_first_token_seconds"}',
      ),
    ).toBe(1);
    expect(
      get(
        full,
        'motor:histogram_layout_mismatch{family="motor:time_to_first_token_seconds"}',
      ),
    ).toBe(1);
    // the dp view shows each endpoint's own buckets
    expect(
      samples(snap, 'dp').has(
        'vllm:time_to_first_token_seconds_bucket{dp_rank="0",role="decode",instance_id="2",pod_ip="127.0.0.2",le="0.5",model_name="m"}',
      ),
    ).toBe(true);
  });
});
