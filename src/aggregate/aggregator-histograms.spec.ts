import { cycleOf, endpointRef, okPage } from './cycle-builder.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import {
  A,
  B,
  P,
  num,
  samples,
  ttftPage,
} from '../../test/support/aggregator-views.js';

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
        'vllm:time_to_first_token_seconds_bucket{dp_rank="0",role="decode",instance_id="1",pod_ip="127.0.0.1",le="0.5",model_name="m"}',
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
    const U = endpointRef(4, 'union', '127.0.0.4', 0);
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
