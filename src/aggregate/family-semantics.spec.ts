import { guessType, semanticsFor } from './family-semantics.js';

describe('semanticsFor', () => {
  it.each([
    ['vllm:num_requests_running', 'gauge', 'sum'],
    ['vllm:num_requests_waiting', 'gauge', 'sum'],
    ['vllm:kv_cache_usage_perc', 'gauge', 'mean'],
    ['vllm:gpu_cache_usage_perc', 'gauge', 'mean'],
    ['sglang:token_usage', 'gauge', 'mean'],
    ['sglang:cache_hit_rate', 'gauge', 'mean'],
    ['vllm:gpu_prefix_cache_hit_rate', 'gauge', 'mean'],
    ['failed_request_perc', 'gauge', 'mean'],
    ['sglang:context_len', 'gauge', 'first'],
    ['sglang:max_total_num_tokens', 'gauge', 'first'],
    ['process_start_time_seconds', 'gauge', 'min'],
    ['process_open_fds', 'gauge', 'sum'],
    ['process_max_fds', 'gauge', 'sum'],
    ['python_gc_objects_collected_total', 'counter', 'sum'],
    ['python_info', 'gauge', 'first'],
    ['vllm:cache_config_info', 'gauge', 'first'],
    ['vllm:lora_requests_info', 'gauge', 'first'],
    ['vllm:prompt_tokens_total', 'counter', 'sum'],
    ['some_unknown_gauge', 'gauge', 'sum'],
    ['some_unknown', 'untyped', 'sum'],
  ] as const)('%s (%s) → %s', (name, type, reduction) => {
    expect(semanticsFor(name, type).reduction).toBe(reduction);
  });

  it.each([
    ['vllm:time_to_first_token_seconds', 'decode'],
    ['sglang:time_to_first_token_seconds', 'decode'],
    ['time_to_first_token_seconds', 'decode'],
    ['vllm:time_per_output_token_seconds', 'decode'],
    ['vllm:inter_token_latency_seconds', 'decode'],
    ['sglang:inter_token_latency_seconds', 'decode'],
    ['vllm:e2e_request_latency_seconds', 'decode'],
    ['vllm:request_decode_time_seconds', 'decode'],
    ['vllm:request_prefill_time_seconds', 'prefill'],
    ['vllm:request_queue_time_seconds', 'all'],
    ['sglang:queue_time_seconds', 'all'],
    ['vllm:request_inference_time_seconds', 'all'],
  ] as const)('latency histogram %s has quantiles, scope %s', (name, scope) => {
    const sem = semanticsFor(name, 'histogram');
    expect(sem.quantiles).toBe(true);
    expect(sem.scope).toBe(scope);
  });

  it('gives plain histograms no quantiles, and scopes them by the side that does the work', () => {
    expect(
      semanticsFor('vllm:request_prompt_tokens', 'histogram'),
    ).toMatchObject({
      quantiles: false,
      scope: 'prefill',
    });
    expect(
      semanticsFor('vllm:request_generation_tokens', 'histogram'),
    ).toMatchObject({ quantiles: false, scope: 'decode' });
    expect(semanticsFor('vllm:iteration_tokens_total', 'histogram').scope).toBe(
      'all',
    );
    expect(semanticsFor('http_request_size_bytes', 'summary').quantiles).toBe(
      false,
    );
  });

  it('wires derived metrics', () => {
    expect(semanticsFor('vllm:num_requests_running', 'gauge').maxInto).toBe(
      'vllm:num_requests_running_max',
    );
    expect(semanticsFor('vllm:gpu_cache_usage_perc', 'gauge').maxInto).toBe(
      'vllm:kv_cache_usage_perc_max',
    );
    expect(
      semanticsFor('vllm:prefix_cache_hits_total', 'counter').prefixCache,
    ).toBe('v1_hits');
    expect(
      semanticsFor('vllm:gpu_prefix_cache_queries_total', 'counter')
        .prefixCache,
    ).toBe('v0_queries');
    expect(semanticsFor('sglang:prompt_tokens_total', 'counter').tokens).toBe(
      'prompt',
    );
    expect(semanticsFor('generation_tokens_total', 'counter').tokens).toBe(
      'generation',
    );
  });

  it('guesses the type of well-known names seen without a TYPE line', () => {
    expect(guessType('vllm:time_to_first_token_seconds')).toBe('histogram');
    expect(guessType('foo_total')).toBe('counter');
    expect(guessType('foo')).toBeUndefined();
  });

  it.each([
    ['vllm:prompt_tokens_total', 'counter', 'prefill'],
    ['sglang:prompt_tokens_total', 'counter', 'prefill'],
    ['prompt_tokens_total', 'counter', 'prefill'],
    ['vllm:prefix_cache_queries_total', 'counter', 'prefill'],
    ['vllm:generation_tokens_total', 'counter', 'decode'],
    ['vllm:request_success_total', 'counter', 'decode'],
    ['request_failed_total', 'counter', 'decode'],
    ['vllm:num_preemptions_total', 'counter', 'all'],
    ['vllm:num_requests_running', 'gauge', 'all'],
    ['some_unknown_total', 'counter', 'all'],
  ] as const)('S2 scope of %s (%s) is %s', (name, type, scope) => {
    expect(semanticsFor(name, type).scope).toBe(scope);
  });

  it.each([
    ['vllm:num_requests_running', 'gauge', 'motor:requests_running'],
    ['sglang:num_running_reqs', 'gauge', 'motor:requests_running'],
    ['num_requests_running', 'gauge', 'motor:requests_running'],
    ['sglang:num_queue_reqs', 'gauge', 'motor:requests_waiting'],
    ['vllm:gpu_cache_usage_perc', 'gauge', 'motor:kv_cache_usage_ratio'],
    ['npu_cache_usage_perc', 'gauge', 'motor:kv_cache_usage_ratio'],
    ['request_failed_total', 'counter', 'motor:requests_finished_total'],
    [
      'sglang:time_per_output_token_seconds',
      'histogram',
      'motor:inter_token_latency_seconds',
    ],
    [
      'vllm:request_queue_time_seconds',
      'histogram',
      'motor:request_queue_time_seconds',
    ],
  ] as const)('%s (%s) also feeds %s', (name, type, canonical) => {
    expect(semanticsFor(name, type).canonical?.family).toBe(canonical);
  });

  it('feeds no canonical family from a type that does not fit it', () => {
    expect(
      semanticsFor('time_to_first_token_seconds', 'gauge').canonical,
    ).toBeUndefined();
    expect(semanticsFor('some_unknown', 'gauge').canonical).toBeUndefined();
  });

  it('names capacity sources for weighted means', () => {
    expect(semanticsFor('vllm:cache_config_info', 'gauge').capacity).toBe(
      'vllm_cache_config',
    );
    expect(semanticsFor('sglang:max_total_num_tokens', 'gauge').capacity).toBe(
      'sglang_max_tokens',
    );
  });
});
