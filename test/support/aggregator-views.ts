import type { Role } from '../../src/instances/role.js';
import { endpointRef } from '../../src/aggregate/cycle-builder.js';
import type { ViewType } from '../../src/aggregate/views.js';
import type { RenderedViews } from '../../src/render/rendered-views.js';

/**
 * What the aggregator's specs share: reading a rendered view back into its samples,
 * small vLLM pages and three endpoints (two decode, one prefill).
 */

/** Sample lines of a rendered text view: series text (as printed) → value text. */
export function samples(
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
export const num = (m: Map<string, string>, key: string): number => {
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
export function vllmPage(v: VllmValues): string {
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

export function ttftPage(
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

export const A = endpointRef(1, 'decode', '127.0.0.1', 0);
export const B = endpointRef(2, 'decode', '127.0.0.2', 0);
export const P = endpointRef(3, 'prefill', '127.0.0.3', 0);
