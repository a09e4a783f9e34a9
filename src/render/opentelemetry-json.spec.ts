import { fixtureNames, readFixture } from '../../test/support/fixtures.js';
import { cycleOf, endpointRef, okPage } from '../aggregate/cycle-builder.js';
import { ROLES } from '../instances/role.js';
import { parsePage } from '../parse/parse-page.js';
import { VIEW_TYPES, type ViewType } from '../aggregate/views.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from './rendered-views.js';

interface Attr {
  key: string;
  value: { stringValue: string };
}
interface Point {
  attributes: Attr[];
  startTimeUnixNano?: string;
  timeUnixNano: string;
  asDouble?: number | string;
  count?: string;
  sum?: number | string;
  bucketCounts?: string[];
  explicitBounds?: number[];
  quantileValues?: { quantile: number; value: number | string }[];
}
interface Metric {
  name: string;
  description: string;
  unit: string;
  gauge?: { dataPoints: Point[] };
  sum?: {
    dataPoints: Point[];
    aggregationTemporality: number;
    isMonotonic: boolean;
  };
  histogram?: { dataPoints: Point[]; aggregationTemporality: number };
  summary?: { dataPoints: Point[] };
}

function otel(snapshot: RenderedViews, view: ViewType): Metric[] {
  const rendered = snapshot.render(view, undefined, 'opentelemetry');
  expect(rendered.contentType).toBe('application/json');
  const doc = JSON.parse(rendered.body.toString('utf8'));
  expect(doc.resourceMetrics).toHaveLength(1);
  expect(doc.resourceMetrics[0].resource.attributes).toEqual([
    { key: 'service.name', value: { stringValue: 'motor-coordinator' } },
  ]);
  expect(doc.resourceMetrics[0].scopeMetrics[0].scope).toEqual({
    name: 'motor-coordinator',
  });
  return doc.resourceMetrics[0].scopeMetrics[0].metrics as Metric[];
}

const key = (name: string, labels: Record<string, string>): string =>
  `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
const attrs = (p: Point): Record<string, string> =>
  Object.fromEntries(p.attributes.map((a) => [a.key, a.value.stringValue]));
const double = (v: number | string | undefined): number =>
  v === 'NaN'
    ? NaN
    : v === 'Infinity'
      ? Infinity
      : v === '-Infinity'
        ? -Infinity
        : Number(v);

describe('OpenTelemetry JSON', () => {
  const files = fixtureNames();
  const agg = new MetricsPipeline({ staleAfterMs: 10_000 });
  const snapshot = agg.ingest(
    cycleOf(
      files.map((f, i) =>
        okPage(
          endpointRef(i, ROLES[i % 3]!, `10.0.0.${i % 3}`, 0),
          readFixture(f) +
            (i === 0 ? '# TYPE nan_value gauge\nnan_value NaN\n' : ''),
          1_700_000_000_000,
        ),
      ),
      1_700_000_000_123,
    ),
  );

  it('maps types: counters to monotonic cumulative sums, histograms, gauges', () => {
    const metrics = otel(snapshot, 'full');
    const counter = metrics.find((m) => m.name === 'vllm:prompt_tokens_total')!;
    expect(counter.unit).toBe('');
    expect(counter.description).toBe('Number of prefill tokens processed.');
    expect(counter.sum).toMatchObject({
      aggregationTemporality: 2,
      isMonotonic: true,
    });
    const point = counter.sum!.dataPoints.find(
      (p) => attrs(p).model_name === 'deepseek-ai/DeepSeek-V3',
    )!;
    expect(point.timeUnixNano).toBe('1700000000123000000');
    expect(typeof point.asDouble).toBe('number');
    const gauge = metrics.find((m) => m.name === 'vllm:num_requests_running')!;
    expect(gauge.gauge!.dataPoints.length).toBeGreaterThan(0);
    expect(
      metrics.find((m) => m.name === 'nan_value')!.gauge!.dataPoints[0]!
        .asDouble,
    ).toBe('NaN');
    // the series appeared in this (the first) cycle
    expect(point.startTimeUnixNano).toBe('1700000000123000000');
  });

  it('keeps a cumulative series start time across cycles and restarts it with the engine', () => {
    const agg2 = new MetricsPipeline({ staleAfterMs: 60_000 });
    const ref = endpointRef(1, 'union', '127.0.0.1', 0, 'm');
    const page = (tokens: number, le1: number, inf: number) =>
      [
        '# TYPE vllm:prompt_tokens_total counter',
        `vllm:prompt_tokens_total{model_name="m"} ${tokens}`,
        '# TYPE vllm:time_to_first_token_seconds histogram',
        `vllm:time_to_first_token_seconds_bucket{le="1",model_name="m"} ${le1}`,
        `vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} ${inf}`,
        `vllm:time_to_first_token_seconds_sum{model_name="m"} ${inf}`,
        `vllm:time_to_first_token_seconds_count{model_name="m"} ${inf}`,
        '',
      ].join('\n');
    const at = (s: number) => 1_700_000_000_000 + s * 1000;
    agg2.ingest(cycleOf([okPage(ref, page(10, 1, 1), at(0))], at(0)));
    const second = agg2.ingest(
      cycleOf([okPage(ref, page(30, 9, 11), at(3))], at(3)),
    );
    const metrics = otel(second, 'full');
    const start = (name: string) =>
      metrics.find((m) => m.name === name)!.sum!.dataPoints[0]!
        .startTimeUnixNano;
    expect(start('vllm:prompt_tokens_total')).toBe('1700000000000000000');
    expect(start('motor:prompt_tokens_total')).toBe('1700000000000000000');
    const p95 = metrics.find(
      (m) => m.name === 'vllm:time_to_first_token_seconds_p95',
    )!;
    // the quantile label comes first; Δ buckets: le=1 → 8, +Inf → 10: rank 9.5 lies in +Inf → 1
    expect(p95.gauge!.dataPoints[0]!.attributes[0]).toEqual({
      key: 'quantile',
      value: { stringValue: '0.95' },
    });
    expect(p95.gauge!.dataPoints[0]!.asDouble).toBe(1);
    // an engine restart starts the dp series anew
    const third = agg2.ingest(
      cycleOf([okPage(ref, page(5, 0, 0), at(6))], at(6)),
    );
    const dp = otel(third, 'dp').find(
      (m) => m.name === 'vllm:prompt_tokens_total',
    )!;
    expect(dp.sum!.dataPoints[0]!.startTimeUnixNano).toBe(
      '1700000006000000000',
    );
  });

  it('writes histograms with non-cumulative bucket counts and finite bounds', () => {
    const metrics = otel(snapshot, 'full');
    const h = metrics.find(
      (m) => m.name === 'sglang:time_to_first_token_seconds',
    )!;
    expect(h.histogram!.aggregationTemporality).toBe(2);
    const p = h.histogram!.dataPoints[0]!;
    expect(attrs(p)).toEqual({
      model_name: 'meta-llama/Llama-3.1-8B-Instruct',
    });
    expect(p.count).toBe('11008');
    expect(p.sum).toBeCloseTo(2351897.9474117756, 6);
    expect(p.explicitBounds!.slice(0, 6)).toEqual([
      0.001, 0.005, 0.01, 0.02, 0.04, 0.06,
    ]);
    expect(p.bucketCounts!.slice(0, 6)).toEqual(['0', '0', '0', '0', '1', '2']);
    expect(p.bucketCounts).toHaveLength(p.explicitBounds!.length + 1);
    expect(p.bucketCounts!.at(-1)).toBe(String(11008 - 2513));
    expect(p.bucketCounts!.reduce((n, c) => n + Number(c), 0)).toBe(11008);
  });

  it('keeps summary quantiles in the dp view only', () => {
    const full = otel(snapshot, 'full').find(
      (m) => m.name === 'http_request_size_bytes',
    )!;
    expect(
      full.summary!.dataPoints.every((p) => p.quantileValues!.length === 0),
    ).toBe(true);
    const dp = otel(snapshot, 'dp').find(
      (m) => m.name === 'http_request_size_bytes',
    )!;
    expect(attrs(dp.summary!.dataPoints[0]!)).toMatchObject({
      dp_rank: '0',
      role: expect.any(String),
    });
  });

  it.each(VIEW_TYPES)(
    'carries the same data as the text in the %s view',
    (view) => {
      const text = parsePage(
        snapshot.render(view, undefined, 'prometheus').body.toString('utf8'),
      );
      const metrics = otel(snapshot, view);
      expect(metrics.map((m) => m.name)).toEqual(
        text.families.map((f) => f.name),
      );
      const expected = new Map<string, number>();
      for (const f of text.families) {
        for (const s of f.samples) {
          if (f.type === 'histogram' || f.type === 'summary') {
            if (s.name.endsWith('_count'))
              expected.set(key(`${f.name}#count`, s.labels), s.value);
            if (s.name.endsWith('_bucket') && s.labels.le !== '+Inf') {
              const { le, ...rest } = s.labels;
              expected.set(key(`${f.name}#le=${Number(le)}`, rest), s.value);
            }
            continue;
          }
          expected.set(key(f.name, s.labels), s.value);
        }
      }
      const actual = new Map<string, number>();
      for (const m of metrics) {
        for (const p of m.gauge?.dataPoints ?? m.sum?.dataPoints ?? []) {
          actual.set(key(m.name, attrs(p)), double(p.asDouble));
        }
        for (const p of [
          ...(m.histogram?.dataPoints ?? []),
          ...(m.summary?.dataPoints ?? []),
        ]) {
          actual.set(key(`${m.name}#count`, attrs(p)), Number(p.count));
          let cumulative = 0;
          p.explicitBounds?.forEach((b, i) => {
            cumulative += Number(p.bucketCounts![i]);
            actual.set(key(`${m.name}#le=${b}`, attrs(p)), cumulative);
          });
        }
      }
      expect([...expected.keys()].filter((k) => !actual.has(k))).toEqual([]);
      // OTLP always carries a count; a truncated histogram (no _count line) gets one derived
      const truncated = new Set<string>();
      for (const f of text.families) {
        if (f.type !== 'histogram') continue;
        const counted = new Set(
          f.samples
            .filter((s) => s.name.endsWith('_count'))
            .map((s) => key(`${f.name}#count`, s.labels)),
        );
        for (const s of f.samples) {
          if (!s.name.endsWith('_bucket')) continue;
          const { le: _le, ...rest } = s.labels;
          const k = key(`${f.name}#count`, rest);
          if (!counted.has(k)) truncated.add(k);
        }
      }
      const extra = [...actual.keys()].filter((k) => !expected.has(k));
      expect(new Set(extra)).toEqual(truncated);
      for (const [k, v] of expected) {
        // OTLP counts are unsigned integers; every other value is the very same double
        expect(actual.get(k), k).toBe(k.includes('#') ? Math.round(v) : v);
      }
    },
  );
});
