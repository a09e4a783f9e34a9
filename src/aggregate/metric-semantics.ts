import type { MetricType } from '../parse/exposition-parser.js';

/**
 * Metric semantics: how each engine family is merged across endpoints.
 *
 * | metric / pattern | reduction | role scope (full view) |
 * |---|---|---|
 * | TTFT `time_to_first_token_seconds` | histogram + `_p50/_p95/_p99/_mean` | decode + union |
 * | TPOT/ITL `time_per_output_token_seconds`, `inter_token_latency_seconds`, `request_time_per_output_token_seconds` | histogram + quantiles | decode + union |
 * | e2e `e2e_request_latency_seconds`, decode time `request_decode_time_seconds` | histogram + quantiles | decode + union |
 * | prefill time `request_prefill_time_seconds`, `time_per_prefill_token_request_seconds` | histogram + quantiles | prefill + union |
 * | queue `request_queue_time_seconds`, `queue_time_seconds`, `time_in_queue_requests`; `request_inference_time_seconds`; `model_forward_time_milliseconds`, `model_execute_time_milliseconds` | histogram + quantiles | none |
 * | any other histogram | buckets, `_sum`, `_count` summed per `le` | none |
 * | summary | `_sum`/`_count` summed; quantile series only in the `dp` view | none |
 * | `*_info` gauges (`python_info`, `vllm:cache_config_info`, `vllm:lora_requests_info`) | passthrough (first value) | none |
 * | `process_start_time_seconds` | min | none |
 * | other `process_*`, `python_*` | sum | none |
 * | cache usage / ratio gauges (`*_perc`, `*_percent`, `*_ratio`, `*_usage`, `*_utilization`, `*_hit_rate`, `*_accept_rate`, `*_acceptance_rate`, `*_accept_length`, `*_efficiency`; e.g. `vllm:kv_cache_usage_perc`, `vllm:gpu_cache_usage_perc`, `sglang:token_usage`, `sglang:cache_hit_rate`) | mean | none |
 * | `sglang:context_len`, `sglang:max_prefill_tokens` (per-engine limits) | max | none |
 * | any other counter / gauge / untyped (`vllm:num_requests_running`, `…_waiting`, token counters, …) | sum | none |
 * | derived `vllm:num_requests_running_max` (from `vllm:num_requests_running`) | max | none |
 * | derived `vllm:kv_cache_usage_perc_max` (from `vllm:kv_cache_usage_perc`, V0 `vllm:gpu_cache_usage_perc`) | max | none |
 * | derived `vllm:prefix_cache_hit_rate` = hits / queries of `vllm:prefix_cache_{hits,queries}[_total]` (V0 fallback `vllm:gpu_prefix_cache_*`) | clamped to [0,1], 0 when no query | none |
 * | derived `motor:prompt_tokens_per_second`, `motor:generation_tokens_per_second` (`vllm:`, `sglang:` and unprefixed `prompt_tokens_total` / `generation_tokens_total`) | rate of the merged counter between the last two cycles | none |
 *
 * Names match with the `vllm:`, `sglang:` or `mindie:` prefix or none (MindIE pages are unprefixed).
 * The `engine` label is dropped before merging; `*_created` series and families are dropped.
 * Role scope only applies where roles are merged (the `full` view) and only when the cluster
 * has at least one registered instance of a scoped role; otherwise no filter.
 */

export type Reduction = 'sum' | 'mean' | 'max' | 'min' | 'first';
export type RoleScope = 'none' | 'decode' | 'prefill';
export type TokenKind = 'prompt' | 'generation';
export type PrefixCachePart =
  'v1_hits' | 'v1_queries' | 'v0_hits' | 'v0_queries';

export interface FamilySemantics {
  /** How plain samples (counter, gauge, untyped) merge. Histogram/summary parts always sum. */
  readonly reduction: Reduction;
  readonly scope: RoleScope;
  /** Histograms only: emit `<name>_p50`, `_p95`, `_p99` and `_mean` gauges. */
  readonly quantiles: boolean;
  /** Name of the derived max family this family feeds, if any. */
  readonly maxInto?: string;
  readonly tokens?: TokenKind;
  readonly prefixCache?: PrefixCachePart;
}

export const QUANTILES: readonly {
  readonly suffix: string;
  readonly q: number;
}[] = [
  { suffix: '_p50', q: 0.5 },
  { suffix: '_p95', q: 0.95 },
  { suffix: '_p99', q: 0.99 },
];
export const MEAN_SUFFIX = '_mean';

const ENGINE_PREFIX = /^(?:vllm|sglang|mindie):/;

const DECODE_SCOPED = new Set([
  'time_to_first_token_seconds',
  'time_per_output_token_seconds',
  'inter_token_latency_seconds',
  'request_time_per_output_token_seconds',
  'e2e_request_latency_seconds',
  'request_decode_time_seconds',
]);
const PREFILL_SCOPED = new Set([
  'request_prefill_time_seconds',
  'time_per_prefill_token_request_seconds',
]);
const UNSCOPED_LATENCY = new Set([
  'request_queue_time_seconds',
  'queue_time_seconds',
  'time_in_queue_requests',
  'request_inference_time_seconds',
  'model_forward_time_milliseconds',
  'model_execute_time_milliseconds',
]);

const MEAN_PATTERN =
  /(?:_perc|_percent|_ratio|_usage|_utilization|_hit_rate|_accept_rate|_acceptance_rate|_accept_length|_efficiency)$/;
const MAX_GAUGES = new Set(['sglang:context_len', 'sglang:max_prefill_tokens']);

export const DERIVED_RUNNING_MAX = 'vllm:num_requests_running_max';
export const DERIVED_KV_USAGE_MAX = 'vllm:kv_cache_usage_perc_max';
export const DERIVED_PREFIX_HIT_RATE = 'vllm:prefix_cache_hit_rate';

const MAX_SOURCES: Readonly<Record<string, string>> = {
  'vllm:num_requests_running': DERIVED_RUNNING_MAX,
  'vllm:kv_cache_usage_perc': DERIVED_KV_USAGE_MAX,
  'vllm:gpu_cache_usage_perc': DERIVED_KV_USAGE_MAX,
};

const PREFIX_CACHE: Readonly<Record<string, PrefixCachePart>> = {
  'vllm:prefix_cache_hits_total': 'v1_hits',
  'vllm:prefix_cache_hits': 'v1_hits',
  'vllm:prefix_cache_queries_total': 'v1_queries',
  'vllm:prefix_cache_queries': 'v1_queries',
  'vllm:gpu_prefix_cache_hits_total': 'v0_hits',
  'vllm:gpu_prefix_cache_hits': 'v0_hits',
  'vllm:gpu_prefix_cache_queries_total': 'v0_queries',
  'vllm:gpu_prefix_cache_queries': 'v0_queries',
};

/** Help texts of the families the coordinator computes itself. */
export const DERIVED_HELP: Readonly<Record<string, string>> = {
  [DERIVED_RUNNING_MAX]:
    'Largest vllm:num_requests_running among the merged endpoints.',
  [DERIVED_KV_USAGE_MAX]:
    'Largest KV-cache usage (vllm:kv_cache_usage_perc or vllm:gpu_cache_usage_perc) among the merged endpoints.',
  [DERIVED_PREFIX_HIT_RATE]:
    'Prefix cache hit rate: merged prefix cache hits / queries (cumulative), clamped to [0,1].',
};

/** Known types, used only when a page shows samples without a TYPE line. */
function knownType(base: string, name: string): MetricType | undefined {
  if (
    DECODE_SCOPED.has(base) ||
    PREFILL_SCOPED.has(base) ||
    UNSCOPED_LATENCY.has(base)
  ) {
    return 'histogram';
  }
  if (name.endsWith('_total')) return 'counter';
  return undefined;
}

export function guessType(name: string): MetricType | undefined {
  return knownType(name.replace(ENGINE_PREFIX, ''), name);
}

export function semanticsFor(name: string, type: MetricType): FamilySemantics {
  const base = name.replace(ENGINE_PREFIX, '');
  if (type === 'histogram' || type === 'summary') {
    const latency =
      type === 'histogram' &&
      (DECODE_SCOPED.has(base) ||
        PREFILL_SCOPED.has(base) ||
        UNSCOPED_LATENCY.has(base));
    const scope: RoleScope = DECODE_SCOPED.has(base)
      ? 'decode'
      : PREFILL_SCOPED.has(base)
        ? 'prefill'
        : 'none';
    return { reduction: 'sum', scope, quantiles: latency };
  }
  const common = {
    scope: 'none' as const,
    quantiles: false,
    maxInto: MAX_SOURCES[name],
    prefixCache: PREFIX_CACHE[name],
    tokens:
      base === 'prompt_tokens_total'
        ? ('prompt' as const)
        : base === 'generation_tokens_total'
          ? ('generation' as const)
          : undefined,
  };
  if (type === 'counter') return { ...common, reduction: 'sum' };
  if (name === 'process_start_time_seconds')
    return { ...common, reduction: 'min' };
  if (name.endsWith('_info')) return { ...common, reduction: 'first' };
  if (name.startsWith('process_') || name.startsWith('python_')) {
    return { ...common, reduction: 'sum' };
  }
  if (MAX_GAUGES.has(name)) return { ...common, reduction: 'max' };
  if (MEAN_PATTERN.test(base)) return { ...common, reduction: 'mean' };
  return { ...common, reduction: 'sum' };
}
