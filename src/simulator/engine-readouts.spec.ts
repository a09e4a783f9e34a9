import { engine } from '../../test/support/simulated-engine.js';
import { pageSamples, pageValue } from '../../test/support/page-lines.js';

describe('SimulatedVllmEngine.snapshot', () => {
  it('matches the numbers render() prints', () => {
    const e = engine('decode', 21);
    for (let i = 0; i < 10; i++) e.tick(2);
    const page = e.render();
    const snap = e.snapshot();
    expect(snap.promptTokensTotal).toBe(
      pageValue(page, 'vllm:prompt_tokens_total'),
    );
    expect(snap.generationTokensTotal).toBe(
      pageValue(page, 'vllm:generation_tokens_total'),
    );
    expect(snap.numRequestsRunning).toBe(
      pageValue(page, 'vllm:num_requests_running'),
    );
    expect(snap.numRequestsWaiting).toBe(
      pageValue(page, 'vllm:num_requests_waiting'),
    );
    expect(snap.kvCacheUsagePerc).toBe(
      pageValue(page, 'vllm:kv_cache_usage_perc'),
    );
    expect(snap.prefixCacheHitsTotal).toBe(
      pageValue(page, 'vllm:prefix_cache_hits_total'),
    );
    expect(snap.numPreemptionsTotal).toBe(
      pageValue(page, 'vllm:num_preemptions_total'),
    );
    expect(snap.requestSuccessTotal.stop).toBe(
      pageValue(page, 'vllm:request_success_total', {
        finished_reason: 'stop',
      }),
    );
    expect(snap.processStartTimeSeconds).toBe(
      pageValue(page, 'process_start_time_seconds'),
    );
    expect(snap.createdSeconds).toBe(
      pageValue(page, 'vllm:prompt_tokens_created'),
    );
    expect(snap.ttftCount).toBe(
      pageValue(page, 'vllm:time_to_first_token_seconds_count'),
    );
    expect(snap.ttftSum).toBe(
      pageValue(page, 'vllm:time_to_first_token_seconds_sum'),
    );
    const printed = pageSamples(page)
      .filter((s) => s.name === 'vllm:time_to_first_token_seconds_bucket')
      .map((s) => ({
        le: Number(s.labels.le!.replace('+Inf', 'Infinity')),
        count: s.value,
      }));
    expect(snap.ttftBuckets).toEqual(printed);
    const e2e = snap.histograms['vllm:e2e_request_latency_seconds'];
    expect(e2e.count).toBe(
      pageValue(page, 'vllm:e2e_request_latency_seconds_count'),
    );
    expect(e2e.buckets.at(-1)).toEqual({ le: Infinity, count: e2e.count });
  });
});
