import { cycleOf, okPage } from './cycle-builder.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import { A, B, num, samples } from '../../test/support/aggregator-views.js';

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
        'sglang:num_running_reqs{dp_rank="0",role="decode",instance_id="1",pod_ip="127.0.0.1",exported_dp_rank="3",model_name="m",exported_role="x"}',
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
        'rpc{dp_rank="0",role="decode",instance_id="1",pod_ip="127.0.0.1",quantile="0.5"}',
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
        'vllm:num_requests_waiting{dp_rank="0",role="decode",instance_id="1",pod_ip="127.0.0.1",engine="1"}',
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
