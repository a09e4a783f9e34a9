import { cycleOf, okPage } from './cycle-builder.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import {
  A,
  B,
  num,
  samples,
  vllmPage,
} from '../../test/support/aggregator-views.js';

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
        'vllm:num_requests_running{dp_rank="0",role="decode",instance_id="1",pod_ip="127.0.0.1",engine="0",model_name="m"}',
      ),
    ).toBe(3);
    expect(
      num(
        dp,
        'motor:endpoint_up{dp_rank="0",role="decode",instance_id="2",pod_ip="127.0.0.2"}',
      ),
    ).toBe(1);
    expect(
      num(
        dp,
        'motor:endpoint_last_success_timestamp_seconds{dp_rank="0",role="decode",instance_id="2",pod_ip="127.0.0.2"}',
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
        'vllm:num_requests_running{pod_ip="127.0.0.1",role="decode",model_name="m"}',
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
