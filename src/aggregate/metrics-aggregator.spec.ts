import type { Role } from '../instances/role.js';
import { cycleOf, endpointRef, failedPage, okPage } from './cycle-builder.js';
import type { ViewType } from './views.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from '../render/rendered-views.js';
import { CycleSupersededError } from './merged-views.js';

/** Sample lines of a rendered text view: series text (as printed) → value text. */
function samples(
  snapshot: RenderedViews,
  view: ViewType = 'full',
  role?: Role,
): Map<string, string> {
  const text = snapshot.render(view, role, 'prometheus').body.toString('utf8');
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    const key = line.slice(0, sp);
    expect(out.has(key), `duplicate series ${key}`).toBe(false);
    out.set(key, line.slice(sp + 1));
  }
  return out;
}
const num = (m: Map<string, string>, key: string): number => {
  const v = m.get(key);
  if (v === undefined)
    throw new Error(`missing ${key}\n${[...m.keys()].join('\n')}`);
  return Number(v);
};

interface VllmValues {
  running?: number;
  usage?: number;
  prompt?: number;
  model?: string;
  start?: number;
  python?: string;
}
function vllmPage(v: VllmValues): string {
  const m = v.model ?? 'm';
  return [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{engine="0",model_name="${m}"} ${v.running ?? 0}`,
    '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
    '# TYPE vllm:kv_cache_usage_perc gauge',
    `vllm:kv_cache_usage_perc{engine="0",model_name="${m}"} ${v.usage ?? 0}`,
    '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{engine="0",model_name="${m}"} ${v.prompt ?? 0}`,
    '# HELP vllm:prompt_tokens_created Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_created gauge',
    `vllm:prompt_tokens_created{engine="0",model_name="${m}"} 1.7e+09`,
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${v.start ?? 100}`,
    '# TYPE python_info gauge',
    `python_info{version="${v.python ?? '3.11'}"} 1.0`,
    '# TYPE vllm:cache_config_info gauge',
    'vllm:cache_config_info{block_size="16",engine="0"} 1.0',
    '',
  ].join('\n');
}

function ttftPage(
  buckets: [string, number][],
  sum: number,
  count: number,
  extra = '',
): string {
  return [
    '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
    '# TYPE vllm:time_to_first_token_seconds histogram',
    `vllm:time_to_first_token_seconds_sum{model_name="m"} ${sum}`,
    ...buckets.map(
      ([le, c]) =>
        `vllm:time_to_first_token_seconds_bucket{le="${le}",model_name="m"} ${c}`,
    ),
    `vllm:time_to_first_token_seconds_count{model_name="m"} ${count}`,
    extra,
  ].join('\n');
}

const A = endpointRef(1, 'decode', '10.0.0.1', 0);
const B = endpointRef(2, 'decode', '10.0.0.2', 0);
const P = endpointRef(3, 'prefill', '10.0.0.3', 0);

describe('MetricsAggregator: reductions', () => {
  const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
  const snap = agg.ingest(
    cycleOf(
      [
        okPage(
          A,
          vllmPage({
            running: 3,
            usage: 0.2,
            prompt: 100,
            start: 200,
            python: '3.11',
          }),
          900,
        ),
        okPage(
          B,
          vllmPage({
            running: 5,
            usage: 0.6,
            prompt: 50,
            start: 100,
            python: '3.12',
          }),
          950,
        ),
      ],
      1000,
    ),
  );
  const full = samples(snap);

  it('sums counters and request gauges after dropping the engine label', () => {
    expect(num(full, 'vllm:num_requests_running{model_name="m"}')).toBe(8);
    // prompt tokens are prefill-scoped (S2): no decode instance feeds them in full…
    expect(full.has('vllm:prompt_tokens_total{model_name="m"}')).toBe(false);
    // …while the role view sums them unfiltered
    expect(
      num(
        samples(snap, 'role'),
        'vllm:prompt_tokens_total{role="decode",model_name="m"}',
      ),
    ).toBe(150);
  });

  it('averages cache usage and derives the maxima', () => {
    expect(num(full, 'vllm:kv_cache_usage_perc{model_name="m"}')).toBeCloseTo(
      0.4,
      12,
    );
    expect(num(full, 'vllm:kv_cache_usage_perc_max{model_name="m"}')).toBe(0.6);
    expect(num(full, 'vllm:num_requests_running_max{model_name="m"}')).toBe(5);
  });

  it('takes the min start time and passes info gauges through', () => {
    expect(num(full, 'process_start_time_seconds')).toBe(100);
    expect(num(full, 'python_info{version="3.11"}')).toBe(1);
    expect(num(full, 'python_info{version="3.12"}')).toBe(1);
    expect(num(full, 'vllm:cache_config_info{block_size="16"}')).toBe(1); // not 2
  });

  it('drops *_created series and families', () => {
    const text = snap.render('full', undefined, 'prometheus').body.toString();
    expect(text).not.toContain('_created');
    expect(
      snap.render('dp', undefined, 'prometheus').body.toString(),
    ).not.toContain('_created');
  });

  it('keeps the engine label and raw values in the dp view, with injected labels first', () => {
    const dp = samples(snap, 'dp');
    expect(
      num(
        dp,
        'vllm:num_requests_running{dp_rank="0",role="decode",instance_id="1",pod_ip="10.0.0.1",engine="0",model_name="m"}',
      ),
    ).toBe(3);
    expect(
      num(
        dp,
        'motor:endpoint_up{dp_rank="0",role="decode",instance_id="2",pod_ip="10.0.0.2"}',
      ),
    ).toBe(1);
    expect(
      num(
        dp,
        'motor:endpoint_last_success_timestamp_seconds{dp_rank="0",role="decode",instance_id="2",pod_ip="10.0.0.2"}',
      ),
    ).toBe(0.95);
  });

  it('groups per instance, role and node with the view labels', () => {
    expect(
      num(
        samples(snap, 'instance'),
        'vllm:num_requests_running{instance_id="2",role="decode",model_name="m"}',
      ),
    ).toBe(5);
    expect(
      num(
        samples(snap, 'role'),
        'vllm:num_requests_running{role="decode",model_name="m"}',
      ),
    ).toBe(8);
    expect(
      num(
        samples(snap, 'node'),
        'vllm:num_requests_running{pod_ip="10.0.0.1",role="decode",model_name="m"}',
      ),
    ).toBe(3);
  });

  it('adds freshness metrics with each view’s labels', () => {
    expect(num(full, 'motor:endpoints_configured')).toBe(2);
    expect(num(full, 'motor:endpoints_scraped')).toBe(2);
    expect(num(full, 'motor:scrape_duration_seconds')).toBe(1);
    const role = samples(snap, 'role');
    expect(num(role, 'motor:endpoints_configured{role="decode"}')).toBe(2);
    expect(num(role, 'motor:endpoints_configured{role="prefill"}')).toBe(0);
    expect(
      num(
        samples(snap, 'instance'),
        'motor:endpoints_scraped{instance_id="1",role="decode"}',
      ),
    ).toBe(1);
    // the last answer of instance 2 came 950 ms after the cycle start (0)
    expect(
      num(
        samples(snap, 'instance'),
        'motor:scrape_duration_seconds{instance_id="2",role="decode"}',
      ),
    ).toBe(0.95);
    expect(num(full, 'motor:active_decode_workers')).toBe(2);
    expect(num(full, 'motor:active_prefill_workers')).toBe(0);
  });

  it('memoizes each rendering', () => {
    const first = snap.render('role', 'decode', 'prometheus');
    expect(snap.render('role', 'decode', 'prometheus')).toBe(first);
    expect(snap.render('role', 'decode', 'prometheus').body).toBe(first.body);
    expect(snap.render('full', 'decode', 'opentelemetry')).toBe(
      snap.render('full', undefined, 'opentelemetry'),
    );
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('reports per-endpoint scrape status', () => {
    expect(snap.createdAt).toBe(1000);
    expect(snap.endpoints).toEqual([
      {
        key: A.key,
        up: true,
        lastSuccessAt: 900,
        lastError: null,
        stale: false,
        badLines: 0,
      },
      {
        key: B.key,
        up: true,
        lastSuccessAt: 950,
        lastError: null,
        stale: false,
        badLines: 0,
      },
    ]);
  });
});

describe('MetricsAggregator: histograms and quantiles', () => {
  it('merges buckets per numeric le and derives quantiles like histogram_quantile', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    // the window's base: the same layouts with no observation yet, so Δ = the counts below
    const zeros = (les: string[]) =>
      ttftPage(
        les.map((le): [string, number] => [le, 0]),
        0,
        0,
      );
    agg.ingest(
      cycleOf(
        [
          okPage(A, zeros(['0.1', '0.5', '1.0', '+Inf']), -2999),
          okPage(B, zeros(['0.10', '5e-1', '1', '+inf']), -2999),
        ],
        -2000,
      ),
    );
    const snap = agg.ingest(
      cycleOf(
        [
          okPage(
            A,
            ttftPage(
              [
                ['0.1', 2],
                ['0.5', 6],
                ['1.0', 8],
                ['+Inf', 10],
              ],
              4,
              10,
            ),
            1,
          ),
          okPage(
            B,
            ttftPage(
              [
                ['0.10', 0],
                ['5e-1', 4],
                ['1', 8],
                ['+inf', 9],
              ],
              6,
              9,
            ),
            1,
          ),
        ],
        1000,
      ),
    );
    const full = samples(snap);
    const bucket = (le: string) =>
      num(
        full,
        `vllm:time_to_first_token_seconds_bucket{le="${le}",model_name="m"}`,
      );
    expect([bucket('0.1'), bucket('0.5'), bucket('1'), bucket('+Inf')]).toEqual(
      [2, 10, 16, 19],
    );
    expect(
      num(full, 'vllm:time_to_first_token_seconds_sum{model_name="m"}'),
    ).toBe(10);
    expect(
      num(full, 'vllm:time_to_first_token_seconds_count{model_name="m"}'),
    ).toBe(19);
    // rank 9.5 in (0.1, 0.5] holding 2..10 → 0.1 + 0.4 × 7.5/8
    expect(
      num(
        full,
        'vllm:time_to_first_token_seconds_p50{quantile="0.5",model_name="m"}',
      ),
    ).toBeCloseTo(0.475, 12);
    // rank 18.05 > 16 → +Inf bucket → upper bound of the previous bucket
    expect(
      num(
        full,
        'vllm:time_to_first_token_seconds_p95{quantile="0.95",model_name="m"}',
      ),
    ).toBe(1);
    expect(
      num(
        full,
        'vllm:time_to_first_token_seconds_p99{quantile="0.99",model_name="m"}',
      ),
    ).toBe(1);
    expect(
      num(full, 'vllm:time_to_first_token_seconds_mean{model_name="m"}'),
    ).toBeCloseTo(10 / 19, 12);
    // the dp view shows each endpoint's raw buckets; its quantiles are PromQL's job there
    const dp = samples(snap, 'dp');
    expect(
      num(
        dp,
        'vllm:time_to_first_token_seconds_bucket{dp_rank="0",role="decode",instance_id="1",pod_ip="10.0.0.1",le="0.5",model_name="m"}',
      ),
    ).toBe(6);
    expect([...dp.keys()].some((k) => k.includes('_p50'))).toBe(false);
  });

  it('gives no quantile without observations in the window and keeps a truncated histogram', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const truncated = (c1: number, c2: number) =>
      ttftPage(
        [
          ['0.1', c1],
          ['0.5', c2],
        ],
        0,
        0,
      ).replace(/.*_count.*\n?/, '');
    agg.ingest(
      cycleOf(
        [
          okPage(
            A,
            ttftPage(
              [
                ['0.1', 0],
                ['+Inf', 0],
              ],
              0,
              0,
            ),
            -2999,
          ),
          okPage(P, truncated(0, 0), -2999),
        ],
        -2000,
      ),
    );
    const snap = agg.ingest(
      cycleOf(
        [
          okPage(
            A,
            ttftPage(
              [
                ['0.1', 0],
                ['+Inf', 0],
              ],
              0,
              0,
            ),
            1,
          ),
          okPage(P, truncated(1, 2), 1),
        ],
        1000,
      ),
    );
    const role = samples(snap, 'role');
    // S3: no observation in the window → absent, never 0 or NaN
    expect(
      role.has(
        'vllm:time_to_first_token_seconds_p50{quantile="0.5",role="decode",model_name="m"}',
      ),
    ).toBe(false);
    expect(
      role.has(
        'vllm:time_to_first_token_seconds_mean{role="decode",model_name="m"}',
      ),
    ).toBe(false);
    const text = snap.render('role', undefined, 'prometheus').body.toString();
    expect(text).toContain('# TYPE vllm:time_to_first_token_seconds_p50 gauge');
    // no +Inf bucket: no quantile, as PromQL gives none; buckets are still shown
    expect(
      role.has(
        'vllm:time_to_first_token_seconds_p99{quantile="0.99",role="prefill",model_name="m"}',
      ),
    ).toBe(false);
    expect(
      num(
        role,
        'vllm:time_to_first_token_seconds_bucket{role="prefill",le="0.5",model_name="m"}',
      ),
    ).toBe(2);
  });
});

describe('MetricsAggregator: role scope', () => {
  const decodeTtft = ttftPage(
    [
      ['0.1', 1],
      ['+Inf', 2],
    ],
    0.3,
    2,
  );
  const prefillTtft = ttftPage(
    [
      ['0.1', 10],
      ['+Inf', 20],
    ],
    50,
    20,
  );
  const prefillTime = [
    '# TYPE vllm:request_prefill_time_seconds histogram',
    'vllm:request_prefill_time_seconds_bucket{le="1.0"} 7',
    'vllm:request_prefill_time_seconds_bucket{le="+Inf"} 7',
    'vllm:request_prefill_time_seconds_count 7',
    'vllm:request_prefill_time_seconds_sum 3',
  ].join('\n');

  it('takes TTFT from decode instances and prefill time from prefill instances in the full view', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(
      cycleOf(
        [
          okPage(A, decodeTtft + prefillTime.replaceAll(' 7', ' 1'), 1),
          okPage(P, prefillTtft + prefillTime, 1),
        ],
        1000,
      ),
    );
    const full = samples(snap);
    expect(
      num(full, 'vllm:time_to_first_token_seconds_count{model_name="m"}'),
    ).toBe(2);
    expect(num(full, 'vllm:request_prefill_time_seconds_count')).toBe(7);
    // the role view is not filtered: each role shows its own
    const role = samples(snap, 'role');
    expect(
      num(
        role,
        'vllm:time_to_first_token_seconds_count{role="prefill",model_name="m"}',
      ),
    ).toBe(20);
    expect(
      num(role, 'vllm:request_prefill_time_seconds_count{role="decode"}'),
    ).toBe(1);
  });

  it('never passes prefill TTFT off as the cluster’s, even with no decode instance', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(cycleOf([okPage(P, prefillTtft, 1)], 1000));
    const full = samples(snap);
    expect(
      [...full.keys()].some((k) => k.startsWith('vllm:time_to_first_token')),
    ).toBe(false);
    // the family keeps its HELP/TYPE
    expect(
      snap.render('full', undefined, 'prometheus').body.toString(),
    ).toContain('# TYPE vllm:time_to_first_token_seconds histogram');
    expect(
      num(
        samples(snap, 'role'),
        'vllm:time_to_first_token_seconds_count{role="prefill",model_name="m"}',
      ),
    ).toBe(20);
  });

  it('counts union instances on both sides', () => {
    const U = endpointRef(4, 'union', '10.0.0.4', 0);
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(
      cycleOf([okPage(U, decodeTtft, 1), okPage(P, prefillTtft, 1)], 1000),
    );
    expect(
      num(
        samples(snap),
        'vllm:time_to_first_token_seconds_count{model_name="m"}',
      ),
    ).toBe(2);
  });

  it('renders only the requested role with a role filter', () => {
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(
      cycleOf([okPage(A, decodeTtft, 1), okPage(P, prefillTtft, 1)], 1000),
    );
    const prefill = samples(snap, 'role', 'prefill');
    const keys = [...prefill.keys()];
    expect(keys.some((k) => k.includes('role="decode"'))).toBe(false);
    expect(keys.some((k) => k.includes('role="union"'))).toBe(false);
    expect(
      num(
        prefill,
        'vllm:time_to_first_token_seconds_count{role="prefill",model_name="m"}',
      ),
    ).toBe(20);
    expect(num(prefill, 'motor:endpoints_configured{role="prefill"}')).toBe(1);
  });
});

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
        'motor:endpoint_up{dp_rank="0",role="decode",instance_id="2",pod_ip="10.0.0.2"}',
      ),
    ).toBe(0);
    expect(
      dp2.has(
        'vllm:num_requests_running{dp_rank="0",role="decode",instance_id="2",pod_ip="10.0.0.2",engine="0",model_name="m"}',
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
        'motor:endpoint_last_success_timestamp_seconds{dp_rank="0",role="decode",instance_id="2",pod_ip="10.0.0.2"}',
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
        'vllm:prompt_tokens_total{dp_rank="0",role="decode",instance_id="1",pod_ip="10.0.0.1",engine="0",model_name="m"}',
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

describe('MetricsAggregator: labels, values and families', () => {
  it('renames an engine label the view injects to exported_<name>', () => {
    const sglang =
      '# TYPE sglang:num_running_reqs gauge\nsglang:num_running_reqs{dp_rank="3",role="x",model_name="m"} 4\n';
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(cycleOf([okPage(A, sglang, 1)], 1000));
    expect(
      num(samples(snap), 'sglang:num_running_reqs{model_name="m",role="x"}'),
    ).toBe(4); // dp_rank is a rank label (R1): merged views drop it
    expect(
      num(
        samples(snap, 'dp'),
        'sglang:num_running_reqs{dp_rank="0",role="decode",instance_id="1",pod_ip="10.0.0.1",exported_dp_rank="3",model_name="m",exported_role="x"}',
      ),
    ).toBe(4);
    expect(
      num(
        samples(snap, 'role'),
        'sglang:num_running_reqs{role="decode",model_name="m",exported_role="x"}',
      ),
    ).toBe(4);
  });

  it('escapes label values and help text, and prints NaN and infinities', () => {
    const page = [
      '# HELP weird_gauge A \\\\ backslash\\nand a newline.',
      '# TYPE weird_gauge gauge',
      'weird_gauge{path="C:\\\\dir",msg="say \\"hi\\"\\nbye",b="}{,=:"} NaN',
      'weird_gauge{path="p2"} +Inf',
      'weird_gauge{path="p3"} -inf',
      'weird_gauge{path="p4"} Nan',
    ].join('\n');
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(cycleOf([okPage(A, page, 1)], 1000));
    const text = snap.render('full', undefined, 'prometheus').body.toString();
    expect(text).toContain(
      '# HELP weird_gauge A \\\\ backslash\\nand a newline.\n',
    );
    expect(text).toContain(
      'weird_gauge{b="}{,=:",msg="say \\"hi\\"\\nbye",path="C:\\\\dir"} NaN\n',
    );
    expect(text).toContain('weird_gauge{path="p2"} +Inf\n');
    expect(text).toContain('weird_gauge{path="p3"} -Inf\n');
    expect(text).toContain('weird_gauge{path="p4"} NaN\n');
  });

  it('keeps declared families without samples: 0 for counters/gauges, header only for histograms', () => {
    const page =
      '# HELP c_total C.\n# TYPE c_total counter\n# TYPE h histogram\n# TYPE i_info gauge\ng 1\n';
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(cycleOf([okPage(A, page, 1)], 1000));
    const text = snap.render('full', undefined, 'prometheus').body.toString();
    expect(text).toContain('# TYPE c_total counter\nc_total 0\n');
    expect(text).toContain('# TYPE h histogram\n# HELP');
    expect(text).toContain('# TYPE i_info gauge\n');
    expect(text).not.toMatch(/^i_info/m);
    expect(
      num(samples(snap, 'instance'), 'c_total{instance_id="1",role="decode"}'),
    ).toBe(0);
  });

  it('drops negative counters and buckets and counts them as bad lines', () => {
    const page =
      '# TYPE c_total counter\nc_total{a="1"} -5\nc_total{a="2"} 5\n# TYPE g gauge\ng -5\n';
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(cycleOf([okPage(A, page, 1)], 1000));
    const full = samples(snap);
    expect(full.has('c_total{a="1"}')).toBe(false);
    expect(num(full, 'c_total{a="2"}')).toBe(5);
    expect(num(full, 'g')).toBe(-5);
    expect(snap.endpoints[0]!.badLines).toBe(1);
  });

  it('sums summaries’ _sum/_count and shows their quantiles only in the dp view', () => {
    const page = (n: number) =>
      `# TYPE rpc summary\nrpc{quantile="0.5"} 0.2\nrpc_sum ${n}\nrpc_count ${n * 2}\n`;
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(
      cycleOf([okPage(A, page(1), 1), okPage(B, page(2), 1)], 1000),
    );
    const full = samples(snap);
    expect(num(full, 'rpc_sum')).toBe(3);
    expect(num(full, 'rpc_count')).toBe(6);
    expect([...full.keys()].some((k) => k.startsWith('rpc{'))).toBe(false);
    expect(
      num(
        samples(snap, 'dp'),
        'rpc{dp_rank="0",role="decode",instance_id="1",pod_ip="10.0.0.1",quantile="0.5"}',
      ),
    ).toBe(0.2);
  });

  it('merges two engines of one page in merged views and keeps them apart in dp', () => {
    const page =
      '# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{engine="0"} 2\nvllm:num_requests_waiting{engine="1"} 3\n';
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(cycleOf([okPage(A, page, 1)], 1000));
    expect(num(samples(snap), 'vllm:num_requests_waiting')).toBe(5);
    const dp = samples(snap, 'dp');
    expect(
      num(
        dp,
        'vllm:num_requests_waiting{dp_rank="0",role="decode",instance_id="1",pod_ip="10.0.0.1",engine="1"}',
      ),
    ).toBe(3);
  });
});

describe('MetricsAggregator: derived metrics', () => {
  it('computes the prefix cache hit rate over the window from V1 counters, V0 as a fallback, clamped', () => {
    const v1 = (h: number, q: number) =>
      `# TYPE vllm:prefix_cache_hits_total counter\nvllm:prefix_cache_hits_total{model_name="m"} ${h}\n# TYPE vllm:prefix_cache_queries_total counter\nvllm:prefix_cache_queries_total{model_name="m"} ${q}\n`;
    const v0 = (h: number, q: number) =>
      `# TYPE vllm:gpu_prefix_cache_hits_total counter\nvllm:gpu_prefix_cache_hits_total{model_name="v0"} ${h}\n# TYPE vllm:gpu_prefix_cache_queries_total counter\nvllm:gpu_prefix_cache_queries_total{model_name="v0"} ${q}\n`;
    const U1 = endpointRef(5, 'union', '10.0.0.5', 0);
    const U2 = endpointRef(6, 'union', '10.0.0.6', 0);
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
    const U1 = endpointRef(5, 'union', '10.0.0.5', 0, 'qwen');
    const U2 = endpointRef(6, 'union', '10.0.0.6', 0, 'qwen');
    const D = endpointRef(7, 'decode', '10.0.0.7', 0, 'qwen');
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

describe('MetricsAggregator: output shape', () => {
  it('keeps each family in one block when a group touches few of many known series', () => {
    const many = `# TYPE churn gauge\n${Array.from({ length: 3000 }, (_, i) => `churn{i="${i}"} ${i}`).join('\n')}\n`;
    const few = [
      '# TYPE z_last gauge',
      'z_last 1',
      '# TYPE churn gauge',
      'churn{i="7"} 70',
      '# TYPE a_first counter',
      'a_first_total 2',
      '',
    ].join('\n');
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(
      cycleOf([okPage(A, many, 1), okPage(B, few, 1)], 1000),
    );
    const text = snap
      .render('instance', undefined, 'prometheus')
      .body.toString();
    const typeLines = text.split('\n').filter((l) => l.startsWith('# TYPE'));
    expect(new Set(typeLines).size).toBe(typeLines.length);
    // every sample line sits under its own family's TYPE line
    let family = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('# TYPE ')) family = line.split(' ')[2]!;
      else if (line !== '' && !line.startsWith('#'))
        expect(line.startsWith(family)).toBe(true);
    }
    const inst = samples(snap, 'instance');
    expect(num(inst, 'churn{instance_id="2",role="decode",i="7"}')).toBe(70);
    expect(num(inst, 'churn{instance_id="1",role="decode",i="7"}')).toBe(7);
    expect(num(inst, 'z_last{instance_id="2",role="decode"}')).toBe(1);
    expect(num(samples(snap), 'churn{i="7"}')).toBe(77);
    // `# TYPE a_first counter` + `a_first_total` samples: one family a_first_total, no empty a_first
    expect(num(samples(snap), 'a_first_total')).toBe(2);
    expect(text).not.toMatch(/^# TYPE a_first counter$/m);
    expect(text).toMatch(/^# TYPE a_first_total counter$/m);
  });

  it('writes non-ASCII label values as UTF-8', () => {
    const page =
      '# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="模型-é"} 2\n';
    const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
    const snap = agg.ingest(cycleOf([okPage(A, page, 1)], 1000));
    expect(
      num(samples(snap), 'vllm:num_requests_running{model_name="模型-é"}'),
    ).toBe(2);
    const json = JSON.parse(
      snap.render('dp', undefined, 'opentelemetry').body.toString('utf8'),
    );
    expect(JSON.stringify(json)).toContain('"stringValue":"模型-é"');
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
      okPage(endpointRef(2, 'prefill', '10.0.0.2', 0), vllmPage({}), 3990),
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
