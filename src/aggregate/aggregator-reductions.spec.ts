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
