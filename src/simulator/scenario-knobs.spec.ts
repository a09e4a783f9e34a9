import type { EngineRole } from './vllm-catalogue.js';
import { SimulatedVllmEngine } from './vllm-engine.js';
import { pageSamples, pageValue } from '../../test/support/page-lines.js';

const START = 1_767_000_000;

function engine(
  role: EngineRole,
  extra: Partial<ConstructorParameters<typeof SimulatedVllmEngine>[0]> = {},
): SimulatedVllmEngine {
  return new SimulatedVllmEngine({
    modelName: 'm',
    engineIndex: 0,
    role,
    seed: 5,
    startTimeSeconds: START,
    ...extra,
  });
}

const counters = (page: string) =>
  pageSamples(page).filter(
    (s) =>
      /(_total|_bucket|_count|_sum)$/.test(s.name) &&
      !s.name.startsWith('process_') &&
      !s.name.startsWith('python_'),
  );

describe('frozen engines', () => {
  it('start at zero and change only through explicit calls', () => {
    const e = engine('decode', { frozen: true, warmupSeconds: 600 });
    const page = e.render();
    for (const s of counters(page)) expect(s.value, s.name).toBe(0);
    expect(pageValue(page, 'vllm:num_requests_running', { engine: '0' })).toBe(
      0,
    );
    e.tick(3600);
    expect(e.render(START + 86_400)).toBe(page);
  });

  it('record injected requests exactly where a hand computation puts them', () => {
    const e = engine('decode', { frozen: true });
    e.injectRequests({
      count: 10,
      promptTokens: 1000,
      generationTokens: 50,
      ttftSeconds: 0.3,
      itlSeconds: 0.02,
      e2eSeconds: 1.3,
      finishedReason: 'stop',
    });
    const p = e.render();
    expect(pageValue(p, 'vllm:prompt_tokens_total')).toBe(10_000);
    expect(pageValue(p, 'vllm:generation_tokens_total')).toBe(500);
    expect(
      pageValue(p, 'vllm:request_success_total', { finished_reason: 'stop' }),
    ).toBe(10);
    expect(
      pageValue(p, 'vllm:request_success_total', { finished_reason: 'length' }),
    ).toBe(0);
    const ttft = (le: string) =>
      pageValue(p, 'vllm:time_to_first_token_seconds_bucket', { le });
    expect(ttft('0.25')).toBe(0);
    expect(ttft('0.5')).toBe(10);
    expect(ttft('+Inf')).toBe(10);
    expect(pageValue(p, 'vllm:time_to_first_token_seconds_sum')).toBeCloseTo(
      3,
      12,
    );
    // 49 gaps between 50 tokens, per request.
    expect(pageValue(p, 'vllm:inter_token_latency_seconds_count')).toBe(490);
    expect(pageValue(p, 'vllm:inter_token_latency_seconds_sum')).toBeCloseTo(
      9.8,
      9,
    );
    expect(pageValue(p, 'vllm:time_per_output_token_seconds_count')).toBe(490);
    const e2e = (le: string) =>
      pageValue(p, 'vllm:e2e_request_latency_seconds_bucket', { le });
    expect(e2e('1.0')).toBe(0);
    expect(e2e('1.5')).toBe(10);
    // Decode in PD: the prompt but its last token comes over the KV connector.
    expect(pageValue(p, 'vllm:prefix_cache_queries_total')).toBe(10_000);
    expect(pageValue(p, 'vllm:external_prefix_cache_queries_total')).toBe(
      10_000,
    );
    expect(pageValue(p, 'vllm:external_prefix_cache_hits_total')).toBe(9_990);
    const t = e.totals();
    expect(t.promptTokens).toBe(10_000);
    expect(t.finished).toEqual({ stop: 10, length: 0, abort: 0, error: 0 });
    expect(t.histograms.ttft.buckets.find((b) => b.le === 0.5)?.count).toBe(10);
  });

  it('give prefill injections one token and "length" by default', () => {
    const e = engine('prefill', { frozen: true });
    e.injectRequests({ count: 4 });
    const t = e.totals();
    expect(t.finished.length).toBe(4);
    expect(t.generationTokens).toBe(4);
    expect(t.histograms.itl.count).toBe(0);
    expect(t.externalPrefixCacheQueries).toBe(0);
  });
});

describe('scenario knobs', () => {
  it('history pre-loads the counters of a long-running engine', () => {
    const e = engine('prefill', {
      history: { requests: 300_000, promptTokensPerRequest: 3000 },
      warmupSeconds: 10,
    });
    const p = e.render();
    expect(pageValue(p, 'vllm:prompt_tokens_total')).toBeGreaterThan(9e8);
    expect(pageValue(p, 'vllm:prompt_tokens_total')).toBeLessThan(9.01e8);
    const frozen = engine('prefill', {
      frozen: true,
      history: { requests: 300_000, promptTokensPerRequest: 3000 },
    });
    const page = frozen.render();
    expect(pageValue(page, 'vllm:prompt_tokens_total')).toBe(9e8);
    expect(page).toContain(
      'vllm:prompt_tokens_total{engine="0",model_name="m"} 9e+08\n',
    );
    expect(
      pageValue(page, 'vllm:request_success_total', {
        finished_reason: 'length',
      }),
    ).toBe(300_000);
  });

  it('a burst of slow requests lands in the high buckets only', () => {
    const e = engine('decode', { warmupSeconds: 120 });
    const before = e.totals().histograms.ttft.buckets;
    e.injectRequests({ count: 500, ttftSeconds: 30 });
    const after = e.totals().histograms.ttft.buckets;
    for (const [i, b] of after.entries()) {
      expect(b.count - before[i]!.count, `le=${b.le}`).toBe(
        b.le >= 30 ? 500 : 0,
      );
    }
    expect(
      pageValue(e.render(), 'vllm:time_to_first_token_seconds_bucket', {
        le: '40.0',
      }) -
        pageValue(e.render(), 'vllm:time_to_first_token_seconds_bucket', {
          le: '20.0',
        }),
    ).toBeGreaterThanOrEqual(500);
  });

  it('pause() stops every counter and idles the gauges; resume() goes on', () => {
    const e = engine('decode', { warmupSeconds: 60 });
    e.pause();
    const quiet = e.render();
    expect(pageValue(quiet, 'vllm:num_requests_running', { engine: '0' })).toBe(
      0,
    );
    expect(pageValue(quiet, 'vllm:kv_cache_usage_perc', { engine: '0' })).toBe(
      0,
    );
    e.tick(600);
    expect(e.render()).toBe(quiet);
    expect(e.paused).toBe(true);
    e.resume();
    e.tick(60);
    expect(
      pageValue(e.render(), 'vllm:generation_tokens_total'),
    ).toBeGreaterThan(pageValue(quiet, 'vllm:generation_tokens_total'));
  });

  it('restart() resets every kind’s counters and moves the start time', () => {
    for (const kind of ['vllm', 'sglang', 'mindie', 'vllm-v0'] as const) {
      const e = engine('union', {
        kind,
        history: { requests: 1000 },
        warmupSeconds: 60,
      });
      const started = e.totals().processStartTimeSeconds;
      e.restart();
      const t = e.totals();
      expect(t.promptTokens, kind).toBe(0);
      expect(t.histograms.e2e.count, kind).toBe(0);
      expect(t.processStartTimeSeconds, kind).toBeGreaterThan(started);
      for (const s of counters(e.render())) expect(s.value, s.name).toBe(0);
    }
  });

  it('custom bucket layouts change the page and where observations land', () => {
    const e = engine('decode', {
      frozen: true,
      buckets: { 'vllm:time_to_first_token_seconds': [2, 0.5, 1] },
    });
    e.injectRequests({ count: 3, ttftSeconds: 0.7 });
    const les = pageSamples(e.render())
      .filter((s) => s.name === 'vllm:time_to_first_token_seconds_bucket')
      .map((s) => [s.labels.le, s.value]);
    expect(les).toEqual([
      ['0.5', 0],
      ['1.0', 3],
      ['2.0', 3],
      ['+Inf', 3],
    ]);
    // Other engines keep the default layout.
    const other = pageSamples(engine('decode').render()).filter(
      (s) => s.name === 'vllm:time_to_first_token_seconds_bucket',
    );
    expect(other).toHaveLength(23);
  });

  it('states the KV capacity: cache_config_info blocks and block size', () => {
    const e = engine('decode', {
      cacheConfig: { numGpuBlocks: 1234, blockSize: 16 },
    });
    const info = pageSamples(e.render()).find(
      (s) => s.name === 'vllm:cache_config_info',
    );
    expect(info?.labels).toMatchObject({
      num_gpu_blocks: '1234',
      block_size: '16',
      engine: '0',
    });
    expect(e.totals().kvCapacityTokens).toBe(1234 * 16);
  });

  it('pinned gauges hold through ticks until unpinned', () => {
    const e = engine('decode', { warmupSeconds: 30 });
    e.pinGauges({ running: 7, waiting: 3, kvCacheUsage: 0.5 });
    for (let i = 0; i < 5; i++) e.tick(10);
    const p = e.render();
    expect(pageValue(p, 'vllm:num_requests_running', { engine: '0' })).toBe(7);
    expect(pageValue(p, 'vllm:num_requests_waiting', { engine: '0' })).toBe(3);
    expect(pageValue(p, 'vllm:kv_cache_usage_perc', { engine: '0' })).toBe(0.5);
    e.unpinGauges();
    e.tick(10);
    expect(
      pageValue(e.render(), 'vllm:num_requests_running', { engine: '0' }),
    ).not.toBe(7);
  });

  it('a fixed arrival rate with a steady load serves that rate', () => {
    const e = engine('decode', { requestsPerSecond: 4, steadyLoad: true });
    for (let i = 0; i < 300; i++) e.tick(2);
    const requests = e.totals().histograms.e2e.count;
    // Poisson over 600 s at 4/s: 2400 ± 49.
    expect(requests).toBeGreaterThan(2400 - 250);
    expect(requests).toBeLessThan(2400 + 250);
  });
});
