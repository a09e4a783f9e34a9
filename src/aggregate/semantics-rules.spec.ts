import fc from 'fast-check';
import type { Role } from '../instances/role.js';
import { cycleOf, endpointRef, failedPage, okPage } from './cycle-builder.js';
import type {
  EndpointRef,
  InstanceRef,
  PageResult,
} from '../scrape/scrape.types.js';
import type { ViewType } from './views.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from '../render/rendered-views.js';

/**
 * SPEC §3.1, one rule at a time. Every expected value is worked out by hand in the
 * comment next to it, from the pages the test writes; none is read back from the code.
 */

function samples(
  snapshot: RenderedViews,
  view: ViewType = 'full',
): Map<string, number> {
  const text = snapshot.render(view, undefined, 'prometheus').body.toString();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}
function get(m: Map<string, number>, key: string): number {
  const v = m.get(key);
  if (v === undefined)
    throw new Error(`missing ${key}\n${[...m.keys()].join('\n')}`);
  return v;
}
const header = (snapshot: RenderedViews, view: ViewType = 'full') =>
  snapshot.render(view, undefined, 'prometheus').body.toString();

const counter = (name: string, value: number, labels = '') =>
  `# TYPE ${name} counter\n${name}${labels === '' ? '' : `{${labels}}`} ${value}\n`;
const gauge = (name: string, value: number, labels = '') =>
  `# TYPE ${name} gauge\n${name}${labels === '' ? '' : `{${labels}}`} ${value}\n`;
function histogram(
  name: string,
  buckets: readonly [string, number][],
  sum: number,
  labels = 'model_name="m"',
): string {
  const lines = [`# TYPE ${name} histogram`];
  for (const [le, c] of buckets)
    lines.push(`${name}_bucket{le="${le}",${labels}} ${c}`);
  const count = buckets[buckets.length - 1]![1];
  lines.push(
    `${name}_sum{${labels}} ${sum}`,
    `${name}_count{${labels}} ${count}`,
  );
  return lines.join('\n') + '\n';
}

const ref = (id: number, role: Role, model = 'm'): EndpointRef =>
  endpointRef(id, role, `127.0.0.${id}`, 0, model);
const s = (seconds: number) => seconds * 1000;

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

describe('S1 counters move only by what happened', () => {
  const page = (prompt: number) =>
    counter('vllm:prompt_tokens_total', prompt, 'model_name="m"');
  const A = ref(2, 'union');
  const B = ref(3, 'union');
  const full = (snap: RenderedViews) =>
    get(samples(snap), 'vllm:prompt_tokens_total{model_name="m"}');
  const canonical = (snap: RenderedViews) =>
    get(samples(snap), 'motor:prompt_tokens_total{model_name="m"}');

  it('a joining engine adds nothing of its history; leave, re-add and restart keep the sum honest', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const at = (t: number, pages: PageResult[]) =>
      agg.ingest(cycleOf(pages, s(t)));
    // first appearance: the raw value
    expect(full(at(0, [okPage(A, page(100), 1)]))).toBe(100);
    // B joins with a week of history (9e8): it adds 0 now
    const joined = at(3, [okPage(A, page(110), 1), okPage(B, page(9e8), 1)]);
    expect(full(joined)).toBe(110);
    expect(canonical(joined)).toBe(110);
    // the rate over the window (base: the first cycle) is A's 10 tokens in 3 s, not 3e8
    expect(
      get(samples(joined), 'motor:prompt_tokens_per_second{model_name="m"}'),
    ).toBeCloseTo(10 / 3, 9);
    // then only its increases: 120 + 50
    expect(
      full(at(6, [okPage(A, page(120), 1), okPage(B, page(9e8 + 50), 1)])),
    ).toBe(170);
    // A is removed: its 120 stays (frozen), B adds 10
    expect(full(at(9, [okPage(B, page(9e8 + 60), 1)]))).toBe(180);
    // A is added again with 130: it joins at 0; B adds 10
    expect(
      full(at(12, [okPage(A, page(130), 1), okPage(B, page(9e8 + 70), 1)])),
    ).toBe(190);
    expect(
      full(at(15, [okPage(A, page(135), 1), okPage(B, page(9e8 + 70), 1)])),
    ).toBe(195);
    // B restarts (raw 5 < 9e8 + 70): the new raw value is what happened since
    expect(full(at(18, [okPage(A, page(135), 1), okPage(B, page(5), 1)]))).toBe(
      200,
    );
  });

  it('a stale endpoint leaves; when it answers again it joins at 0', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(5) });
    const at = (t: number, pages: PageResult[]) =>
      agg.ingest(cycleOf(pages, s(t)));
    at(0, [okPage(A, page(100), s(0)), okPage(B, page(50), s(0))]);
    // B fails: its last good value still counts (not yet stale)
    expect(
      full(at(3, [okPage(A, page(110), s(3)), failedPage(B, 'timeout', s(3))])),
    ).toBe(160);
    // stale after 5 s: B leaves, its 50 frozen
    expect(
      full(at(6, [okPage(A, page(120), s(6)), failedPage(B, 'timeout', s(6))])),
    ).toBe(170);
    // B is back with 80: it joins at 0 (what it did while away is not seen)
    expect(
      full(at(9, [okPage(A, page(130), s(9)), okPage(B, page(80), s(9))])),
    ).toBe(180);
    expect(
      full(at(12, [okPage(A, page(130), s(12)), okPage(B, page(85), s(12))])),
    ).toBe(185);
  });

  it('a series with no live source is shown frozen until stale_after, then it is gone; coming back it is new', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(5) });
    const other = (v: number) =>
      counter('vllm:prompt_tokens_total', v, 'model_name="other"');
    const at = (t: number, pages: PageResult[]) =>
      samples(
        agg.ingest(
          cycleOf(
            pages.map((p) => ({ ...p, at: s(t) })),
            s(t),
          ),
        ),
      );
    at(0, [okPage(A, page(1) + other(7), 1)]);
    // the "other" label set vanished from A's page: kept at 7 (a parked counter)
    expect(
      get(
        at(3, [okPage(A, page(2), 1)]),
        'vllm:prompt_tokens_total{model_name="other"}',
      ),
    ).toBe(7);
    // still within 5 s of its last sighting, then frozen for 5 s more, then gone
    expect(
      at(6, [okPage(A, page(3), 1)]).get(
        'vllm:prompt_tokens_total{model_name="other"}',
      ),
    ).toBe(7);
    const gone = at(12, [okPage(A, page(4), 1)]);
    expect(gone.has('vllm:prompt_tokens_total{model_name="other"}')).toBe(
      false,
    );
    // back after it was gone: a new series, its raw value
    expect(
      get(
        at(15, [okPage(A, page(5) + other(9), 1)]),
        'vllm:prompt_tokens_total{model_name="other"}',
      ),
    ).toBe(9);
  });

  it('property: merged counters never decrease and grow by the sources’ real increases', () => {
    type Op =
      | { kind: 'inc'; k: number; d: number }
      | { kind: 'restart'; k: number; v: number }
      | { kind: 'leave'; k: number }
      | { kind: 'join'; k: number; v: number }
      | { kind: 'fail'; k: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('inc' as const),
        k: fc.nat(3),
        d: fc.integer({ min: 0, max: 1000 }),
      }),
      fc.record({
        kind: fc.constant('restart' as const),
        k: fc.nat(3),
        v: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({ kind: fc.constant('leave' as const), k: fc.nat(3) }),
      fc.record({
        kind: fc.constant('join' as const),
        k: fc.nat(3),
        v: fc.integer({ min: 0, max: 1e9 }),
      }),
      fc.record({ kind: fc.constant('fail' as const), k: fc.nat(3) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(op, { maxLength: 4 }), {
          minLength: 1,
          maxLength: 25,
        }),
        (cycles) => {
          // stale_after far beyond the test: a failing source keeps its last value
          const agg = new MetricsPipeline({ staleAfterMs: s(1e6) });
          const refs = [0, 1, 2, 3].map((k) => ref(10 + k, 'union'));
          const raw: (number | undefined)[] = [
            5,
            undefined,
            undefined,
            undefined,
          ];
          const failing = [false, false, false, false];
          // The oracle: each source's real increase between two reads, as a counter
          // reader sees it (a drop is a restart from 0); a joiner's first read adds 0.
          const lastRead: (number | undefined)[] = [
            undefined,
            undefined,
            undefined,
            undefined,
          ];
          let expected: number | undefined;
          let previous: number | undefined;
          for (const [t, ops] of cycles.entries()) {
            const left = new Set<number>();
            for (const o of ops) {
              const present = raw[o.k] !== undefined;
              if (o.kind === 'inc' && present) raw[o.k] = raw[o.k]! + o.d;
              else if (o.kind === 'restart' && present) raw[o.k] = o.v;
              else if (o.kind === 'leave' && present) {
                raw[o.k] = undefined;
                failing[o.k] = false;
                lastRead[o.k] = undefined;
                left.add(o.k);
              } else if (o.kind === 'join' && !present && !left.has(o.k))
                raw[o.k] = o.v;
              else if (o.kind === 'fail' && present)
                failing[o.k] = !failing[o.k];
            }
            const pages: PageResult[] = [];
            const instances: InstanceRef[] = [];
            let firstAppearance = 0;
            let increase = 0;
            raw.forEach((v, k) => {
              if (v === undefined) return;
              instances.push({
                id: 10 + k,
                role: 'union',
                paused: false,
                modelName: 'm',
              });
              if (failing[k]) {
                pages.push(failedPage(refs[k]!, 'down', s(t)));
                return;
              }
              pages.push(okPage(refs[k]!, page(v), s(t)));
              const last = lastRead[k];
              firstAppearance += v;
              if (last !== undefined) increase += v >= last ? v - last : v;
              lastRead[k] = v;
            });
            const snap = agg.ingest(cycleOf(pages, s(t), { instances }));
            const value = samples(snap).get(
              'vllm:prompt_tokens_total{model_name="m"}',
            );
            const read = pages.some((p) => p.status === 'ok');
            if (pages.length === 0) {
              // an emptied registry starts afresh
              expect(value).toBeUndefined();
              expected = previous = undefined;
              lastRead.fill(undefined);
              continue;
            }
            if (expected === undefined && !read) {
              expect(value).toBeUndefined(); // nothing read yet
              continue;
            }
            expected =
              expected === undefined ? firstAppearance : expected + increase;
            expect(value).toBe(expected);
            if (previous !== undefined)
              expect(value).toBeGreaterThanOrEqual(previous);
            previous = value;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

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

describe('§3.2 canonical families', () => {
  it('feed from a deprecated alias only on pages without the preferred name', () => {
    const itl = (n: number) =>
      histogram(
        'vllm:inter_token_latency_seconds',
        [
          ['1', n],
          ['+Inf', n],
        ],
        n,
      );
    const tpot = (n: number) =>
      histogram(
        'vllm:time_per_output_token_seconds',
        [
          ['1', n],
          ['+Inf', n],
        ],
        n,
      );
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const full = samples(
      agg.ingest(
        cycleOf(
          [
            // V1 prints both names: only the preferred one feeds the canonical family
            okPage(ref(2, 'decode'), itl(10) + tpot(10), 1),
            // an older engine prints only the deprecated one
            okPage(ref(3, 'decode'), tpot(4), 1),
          ],
          1,
        ),
      ),
    );
    // 10 (ITL of the first page) + 4 (TPOT of the second), not 10 + 10 + 4
    expect(
      get(full, 'motor:inter_token_latency_seconds_count{model_name="m"}'),
    ).toBe(14);
    // the engine families themselves are untouched
    expect(
      get(full, 'vllm:time_per_output_token_seconds_count{model_name="m"}'),
    ).toBe(14);
  });
});

describe('always one series per identity', () => {
  it('takes a series written twice with its labels in another order once: the first wins', () => {
    const page =
      counter('x_total', 1, 'a="1",b="2"') +
      'x_total{b="2",a="1"} 2\n' +
      gauge('g', 5, 'a="1",b="2"') +
      'g{b="2",a="1"} 7\n';
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const snap = agg.ingest(cycleOf([okPage(ref(2, 'union'), page, 1)], 1));
    const full = samples(snap);
    expect(get(full, 'x_total{a="1",b="2"}')).toBe(1);
    expect(get(full, 'g{a="1",b="2"}')).toBe(5);
    expect(snap.endpoints[0]!.badLines).toBe(2);
  });
});

describe('suffix clashes: the histogram or summary wins', () => {
  const gaugeSum = gauge('x_sum', 99, 'model_name="m"');
  const hist = histogram(
    'x',
    [
      ['1', 3],
      ['+Inf', 4],
    ],
    2.5,
  );
  const seriesNames = (text: string) =>
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.slice(0, l.lastIndexOf(' ')));

  it.each([
    ['gauge first', [gaugeSum, hist]],
    ['histogram first', [hist, gaugeSum]],
  ] as const)(
    '%s: x_sum is the histogram’s _sum, never a gauge beside it',
    (_, order) => {
      const agg = new MetricsPipeline({ staleAfterMs: s(60) });
      // two cycles: whichever family the catalog met first, the second cycle is clean
      let snap: RenderedViews | undefined;
      for (const t of [0, 3]) {
        snap = agg.ingest(
          cycleOf(
            [
              okPage(ref(2, 'union'), order[0], s(t)),
              okPage(ref(3, 'union'), order[1], s(t)),
            ],
            s(t),
          ),
        );
      }
      const text = header(snap!);
      expect(text).not.toContain('# TYPE x_sum gauge');
      expect(text).toContain('# TYPE x histogram');
      const names = seriesNames(text);
      expect(names.length).toBe(new Set(names).size);
      // the histogram's own _sum, not 2.5 + 99
      expect(get(samples(snap!), 'x_sum{model_name="m"}')).toBe(2.5);
      const gaugePage = order[0] === gaugeSum ? 0 : 1;
      expect(snap!.endpoints[gaugePage]!.badLines).toBe(1);
    },
  );

  it('a counter s_count beside summary s yields to the summary', () => {
    const summary =
      '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 10\ns_count 4\n';
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const snap = agg.ingest(
      cycleOf(
        [
          okPage(ref(2, 'union'), summary, 1),
          okPage(ref(3, 'union'), counter('s_count', 7), 1),
        ],
        1,
      ),
    );
    const full = samples(snap);
    expect(get(full, 's_count')).toBe(4);
    expect(header(snap)).not.toContain('# TYPE s_count counter');
  });
});

describe('memory follows the live fleet', () => {
  it('forgets series no page shows any more, without moving any number of the views', () => {
    const churn = (t: number) =>
      Array.from(
        { length: 50 },
        (_, i) => `churn_total{req="${t}-${i}"} 1\n`,
      ).join('');
    const stable = (prompt: number, fast: number, slow: number) =>
      counter('vllm:prompt_tokens_total', prompt, 'model_name="m"') +
      histogram(
        'vllm:time_to_first_token_seconds',
        [
          ['1', fast],
          ['10', fast + slow],
          ['+Inf', fast + slow],
        ],
        fast,
      );
    const opts = { staleAfterMs: s(5), compactAtSeries: 400 };
    const churned = new MetricsPipeline(opts);
    const A = ref(2, 'union');
    const B = ref(3, 'union');
    const C = ref(4, 'union');
    const run = (t: number, pages: PageResult[]) =>
      churned.ingest(
        cycleOf(
          pages.map((p) => ({ ...p, at: s(t) })),
          s(t),
        ),
      );
    const page = (p: number, fast: number, slow: number, t: number) =>
      '# TYPE churn_total counter\n' + churn(t) + stable(p, fast, slow);
    let snap: RenderedViews | undefined;
    const sizes: number[] = [];
    // A serves throughout; B leaves at 9 s (its 40 stays, S1); C joins at 30 s with history
    for (let t = 0; t <= 117; t += 3) {
      const pages = [okPage(A, page(100 + t, 10 + t, 0, t), 1)];
      if (t < 9) pages.push(okPage(B, stable(40, 0, 0), 1));
      if (t >= 30) pages.push(okPage(C, stable(1e6 + (t - 30), 0, 0), 1));
      snap = run(t, pages);
      sizes.push(churned.catalogSize);
    }
    // compacted (checked every 8th cycle), so the catalog stays below the threshold plus
    // 8 cycles of churn (400 + 8 × 50), where it would hold 40 × 50 texts without
    expect(churned.compactions).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThan(800);
    const full = samples(snap!);
    // A: 217; B left with 40 (frozen); C joined at 1e6 and added 87: 217 + 40 + 87
    expect(get(full, 'vllm:prompt_tokens_total{model_name="m"}')).toBe(344);
    expect(get(full, 'motor:prompt_tokens_total{model_name="m"}')).toBe(344);
    // the window (60 s; base: the reading kept at 45 s) reads Δ = 72 fast, all in (0, 1]
    expect(
      get(
        full,
        'vllm:time_to_first_token_seconds_p50{quantile="0.5",model_name="m"}',
      ),
    ).toBeCloseTo(0.5, 9);
  });
});
