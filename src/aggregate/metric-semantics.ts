import type { MetricType } from '../parse/exposition-parser.js';

/**
 * Metric semantics as data (SPEC §3.1, §3.2): how each engine family merges, which
 * role feeds it in the `full` view, which canonical `motor:` family it also feeds.
 * The aggregate reads these tables (through family-semantics.ts and the catalog);
 * the README's "What each number means" and the recording-rule generator are written
 * from them, so a rule lives here only.
 *
 * Long by design: this file is one declarative table and nothing else (no lookup
 * code), kept in one place because it is the single source both the aggregate and
 * `npm run rules` read; splitting it would spread one rule over several files.
 */

export type Reduction = 'sum' | 'mean' | 'max' | 'min' | 'first';
/** Which roles feed a family in the `full` view (`union` instances feed every scope). */
export type RoleScope = 'all' | 'decode' | 'prefill';
export type TokenKind = 'prompt' | 'generation';
export type PrefixCachePart =
  'v1_hits' | 'v1_queries' | 'v0_hits' | 'v0_queries';
/** Where a page states the capacity that weights its utilisation ratios (R2). */
export type CapacitySource = 'vllm_cache_config' | 'sglang_max_tokens';

export interface CanonicalFeed {
  readonly family: string;
  /** Labels added when the engine does not carry them (MindIE's unlabeled success counter). */
  readonly addLabels?: readonly (readonly [string, string])[];
  /** A deprecated alias: skipped on a page that also carries the preferred family. */
  readonly unlessPageHas?: string;
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

/** Labels that name a part of one engine (R1): removed before merging, kept in `dp`. */
export const DEFAULT_RANK_LABELS: readonly string[] = [
  'engine',
  'dp_rank',
  'tp_rank',
  'pp_rank',
  'pid',
];

export const ENGINE_PREFIX = /^(?:vllm|sglang|mindie):/;

export interface BaseRule {
  readonly type: MetricType;
  readonly scope: RoleScope;
  readonly quantiles?: boolean;
}

/**
 * Known families by base name (engine prefix stripped). Scope (S2): prefill is the
 * prompt side, decode is what the user receives; load, queue and everything unknown
 * is fed by all roles.
 */
export const BASE_RULES: Readonly<Record<string, BaseRule>> = {
  // decode scope: what the user receives
  time_to_first_token_seconds: {
    type: 'histogram',
    scope: 'decode',
    quantiles: true,
  },
  time_per_output_token_seconds: {
    type: 'histogram',
    scope: 'decode',
    quantiles: true,
  },
  inter_token_latency_seconds: {
    type: 'histogram',
    scope: 'decode',
    quantiles: true,
  },
  request_time_per_output_token_seconds: {
    type: 'histogram',
    scope: 'decode',
    quantiles: true,
  },
  e2e_request_latency_seconds: {
    type: 'histogram',
    scope: 'decode',
    quantiles: true,
  },
  request_decode_time_seconds: {
    type: 'histogram',
    scope: 'decode',
    quantiles: true,
  },
  request_generation_tokens: { type: 'histogram', scope: 'decode' },
  request_max_num_generation_tokens: { type: 'histogram', scope: 'decode' },
  request_params_n: { type: 'histogram', scope: 'decode' },
  request_params_max_tokens: { type: 'histogram', scope: 'decode' },
  generation_tokens_total: { type: 'counter', scope: 'decode' },
  request_success_total: { type: 'counter', scope: 'decode' },
  request_failed_total: { type: 'counter', scope: 'decode' },
  request_received_total: { type: 'counter', scope: 'decode' },
  num_aborted_requests_total: { type: 'counter', scope: 'decode' },
  // prefill scope: prompt-side work
  prompt_tokens_total: { type: 'counter', scope: 'prefill' },
  request_prompt_tokens: { type: 'histogram', scope: 'prefill' },
  request_prefill_time_seconds: {
    type: 'histogram',
    scope: 'prefill',
    quantiles: true,
  },
  time_per_prefill_token_request_seconds: {
    type: 'histogram',
    scope: 'prefill',
    quantiles: true,
  },
  prefix_cache_queries_total: { type: 'counter', scope: 'prefill' },
  prefix_cache_hits_total: { type: 'counter', scope: 'prefill' },
  prefix_cache_queries: { type: 'counter', scope: 'prefill' },
  prefix_cache_hits: { type: 'counter', scope: 'prefill' },
  gpu_prefix_cache_queries_total: { type: 'counter', scope: 'prefill' },
  gpu_prefix_cache_hits_total: { type: 'counter', scope: 'prefill' },
  gpu_prefix_cache_queries: { type: 'counter', scope: 'prefill' },
  gpu_prefix_cache_hits: { type: 'counter', scope: 'prefill' },
  // all roles: queue and engine-internal latencies
  request_queue_time_seconds: {
    type: 'histogram',
    scope: 'all',
    quantiles: true,
  },
  queue_time_seconds: { type: 'histogram', scope: 'all', quantiles: true },
  time_in_queue_requests: { type: 'histogram', scope: 'all', quantiles: true },
  request_inference_time_seconds: {
    type: 'histogram',
    scope: 'all',
    quantiles: true,
  },
  model_forward_time_milliseconds: {
    type: 'histogram',
    scope: 'all',
    quantiles: true,
  },
  model_execute_time_milliseconds: {
    type: 'histogram',
    scope: 'all',
    quantiles: true,
  },
};

/** Gauges merged by mean (R2), by the suffix of their base name: ratios and utilisations. */
export const MEAN_PATTERN =
  /(?:_perc|_percent|_ratio|_usage|_utilization|_hit_rate|_accept_rate|_acceptance_rate|_accept_length|_efficiency)$/;
/** Limits passed through as the first value, beside every base name starting with `max_`. */
export const MAX_GAUGES = new Set([
  'sglang:context_len',
  'sglang:max_prefill_tokens',
]);

export const DERIVED_RUNNING_MAX = 'vllm:num_requests_running_max';
export const DERIVED_KV_USAGE_MAX = 'vllm:kv_cache_usage_perc_max';
export const DERIVED_PREFIX_HIT_RATE = 'vllm:prefix_cache_hit_rate';

/** Engine gauge → the derived max family it feeds. */
export const MAX_SOURCES: Readonly<Record<string, string>> = {
  'vllm:num_requests_running': DERIVED_RUNNING_MAX,
  'vllm:kv_cache_usage_perc': DERIVED_KV_USAGE_MAX,
  'vllm:gpu_cache_usage_perc': DERIVED_KV_USAGE_MAX,
};

/** vLLM prefix-cache counters → their part of the derived hit rate. */
export const PREFIX_CACHE: Readonly<Record<string, PrefixCachePart>> = {
  'vllm:prefix_cache_hits_total': 'v1_hits',
  'vllm:prefix_cache_hits': 'v1_hits',
  'vllm:prefix_cache_queries_total': 'v1_queries',
  'vllm:prefix_cache_queries': 'v1_queries',
  'vllm:gpu_prefix_cache_hits_total': 'v0_hits',
  'vllm:gpu_prefix_cache_hits': 'v0_hits',
  'vllm:gpu_prefix_cache_queries_total': 'v0_queries',
  'vllm:gpu_prefix_cache_queries': 'v0_queries',
};

/** Families that state the capacity weighting a page's utilisation ratios (R2). */
export const CAPACITY: Readonly<Record<string, CapacitySource>> = {
  'vllm:cache_config_info': 'vllm_cache_config',
  'sglang:max_total_num_tokens': 'sglang_max_tokens',
};

/** A canonical family of §3.2: what it is and how it merges. */
export interface CanonicalFamily {
  readonly name: string;
  readonly type: 'gauge' | 'counter' | 'histogram';
  readonly help: string;
  readonly reduction: Reduction;
  readonly scope: RoleScope;
  readonly quantiles: boolean;
  readonly maxInto?: string;
  readonly tokens?: TokenKind;
  readonly prefixCache?: 'hits' | 'queries';
}

export const CANONICAL_PREFIX_HIT_RATIO = 'motor:prefix_cache_hit_ratio';

export const CANONICAL_FAMILIES: readonly CanonicalFamily[] = [
  {
    name: 'motor:requests_running',
    type: 'gauge',
    help: 'Requests in model execution batches, summed over the merged engines.',
    reduction: 'sum',
    scope: 'all',
    quantiles: false,
    maxInto: 'motor:requests_running_max',
  },
  {
    name: 'motor:requests_waiting',
    type: 'gauge',
    help: 'Requests waiting to be scheduled, summed over the merged engines.',
    reduction: 'sum',
    scope: 'all',
    quantiles: false,
  },
  {
    name: 'motor:kv_cache_usage_ratio',
    type: 'gauge',
    help: 'KV-cache usage (0..1), mean over the merged engines weighted by their KV capacity where pages state it.',
    reduction: 'mean',
    scope: 'all',
    quantiles: false,
    maxInto: 'motor:kv_cache_usage_ratio_max',
  },
  {
    name: 'motor:prompt_tokens_total',
    type: 'counter',
    help: 'Prompt tokens processed (prefill side in a PD cluster).',
    reduction: 'sum',
    scope: 'prefill',
    quantiles: false,
    tokens: 'prompt',
  },
  {
    name: 'motor:generation_tokens_total',
    type: 'counter',
    help: 'Tokens generated for users (decode side in a PD cluster).',
    reduction: 'sum',
    scope: 'decode',
    quantiles: false,
    tokens: 'generation',
  },
  {
    name: 'motor:requests_finished_total',
    type: 'counter',
    help: 'Requests finished, by finished_reason (decode side in a PD cluster).',
    reduction: 'sum',
    scope: 'decode',
    quantiles: false,
  },
  {
    name: 'motor:preemptions_total',
    type: 'counter',
    help: 'Requests preempted by the engines.',
    reduction: 'sum',
    scope: 'all',
    quantiles: false,
  },
  {
    name: 'motor:prefix_cache_queries_total',
    type: 'counter',
    help: 'Prefix-cache queries (tokens looked up), prefill side.',
    reduction: 'sum',
    scope: 'prefill',
    quantiles: false,
    prefixCache: 'queries',
  },
  {
    name: 'motor:prefix_cache_hits_total',
    type: 'counter',
    help: 'Prefix-cache hits (tokens found), prefill side.',
    reduction: 'sum',
    scope: 'prefill',
    quantiles: false,
    prefixCache: 'hits',
  },
  {
    name: CANONICAL_PREFIX_HIT_RATIO,
    type: 'gauge',
    help: 'Prefix-cache hit ratio over the quantile window: Δhits / Δqueries of the merged counters (SGLang: mean of its cache_hit_rate gauge).',
    reduction: 'mean',
    scope: 'all',
    quantiles: false,
  },
  {
    name: 'motor:time_to_first_token_seconds',
    type: 'histogram',
    help: 'Time to first token as the user sees it (decode side in a PD cluster).',
    reduction: 'sum',
    scope: 'decode',
    quantiles: true,
  },
  {
    name: 'motor:inter_token_latency_seconds',
    type: 'histogram',
    help: 'Time between output tokens (decode side).',
    reduction: 'sum',
    scope: 'decode',
    quantiles: true,
  },
  {
    name: 'motor:e2e_request_latency_seconds',
    type: 'histogram',
    help: 'End-to-end request latency (decode side in a PD cluster).',
    reduction: 'sum',
    scope: 'decode',
    quantiles: true,
  },
  {
    name: 'motor:request_queue_time_seconds',
    type: 'histogram',
    help: 'Time requests spent waiting in the engine queue (all roles).',
    reduction: 'sum',
    scope: 'all',
    quantiles: true,
  },
];

/** Engine family name → the canonical family it feeds (§3.2, keyed by engine names). */
export const CANONICAL_SOURCES: Readonly<Record<string, CanonicalFeed>> = {
  'vllm:num_requests_running': { family: 'motor:requests_running' },
  'sglang:num_running_reqs': { family: 'motor:requests_running' },
  num_requests_running: { family: 'motor:requests_running' },
  'vllm:num_requests_waiting': { family: 'motor:requests_waiting' },
  'sglang:num_queue_reqs': { family: 'motor:requests_waiting' },
  num_requests_waiting: { family: 'motor:requests_waiting' },
  'vllm:kv_cache_usage_perc': { family: 'motor:kv_cache_usage_ratio' },
  'vllm:gpu_cache_usage_perc': {
    family: 'motor:kv_cache_usage_ratio',
    unlessPageHas: 'vllm:kv_cache_usage_perc',
  },
  'sglang:token_usage': { family: 'motor:kv_cache_usage_ratio' },
  npu_cache_usage_perc: { family: 'motor:kv_cache_usage_ratio' },
  'vllm:prompt_tokens_total': { family: 'motor:prompt_tokens_total' },
  'sglang:prompt_tokens_total': { family: 'motor:prompt_tokens_total' },
  prompt_tokens_total: { family: 'motor:prompt_tokens_total' },
  'vllm:generation_tokens_total': { family: 'motor:generation_tokens_total' },
  'sglang:generation_tokens_total': { family: 'motor:generation_tokens_total' },
  generation_tokens_total: { family: 'motor:generation_tokens_total' },
  'vllm:request_success_total': { family: 'motor:requests_finished_total' },
  request_success_total: {
    family: 'motor:requests_finished_total',
    addLabels: [['finished_reason', 'success']],
  },
  request_failed_total: {
    family: 'motor:requests_finished_total',
    addLabels: [['finished_reason', 'error']],
  },
  'vllm:num_preemptions_total': { family: 'motor:preemptions_total' },
  num_preemptions_total: { family: 'motor:preemptions_total' },
  'vllm:prefix_cache_queries_total': {
    family: 'motor:prefix_cache_queries_total',
  },
  'vllm:prefix_cache_hits_total': { family: 'motor:prefix_cache_hits_total' },
  'vllm:gpu_prefix_cache_queries_total': {
    family: 'motor:prefix_cache_queries_total',
    unlessPageHas: 'vllm:prefix_cache_queries_total',
  },
  'vllm:gpu_prefix_cache_hits_total': {
    family: 'motor:prefix_cache_hits_total',
    unlessPageHas: 'vllm:prefix_cache_hits_total',
  },
  'sglang:cache_hit_rate': { family: CANONICAL_PREFIX_HIT_RATIO },
  'vllm:time_to_first_token_seconds': {
    family: 'motor:time_to_first_token_seconds',
  },
  'sglang:time_to_first_token_seconds': {
    family: 'motor:time_to_first_token_seconds',
  },
  time_to_first_token_seconds: { family: 'motor:time_to_first_token_seconds' },
  'vllm:inter_token_latency_seconds': {
    family: 'motor:inter_token_latency_seconds',
  },
  'vllm:time_per_output_token_seconds': {
    family: 'motor:inter_token_latency_seconds',
    unlessPageHas: 'vllm:inter_token_latency_seconds',
  },
  'sglang:time_per_output_token_seconds': {
    family: 'motor:inter_token_latency_seconds',
  },
  time_per_output_token_seconds: {
    family: 'motor:inter_token_latency_seconds',
  },
  'vllm:e2e_request_latency_seconds': {
    family: 'motor:e2e_request_latency_seconds',
  },
  'sglang:e2e_request_latency_seconds': {
    family: 'motor:e2e_request_latency_seconds',
  },
  e2e_request_latency_seconds: { family: 'motor:e2e_request_latency_seconds' },
  'vllm:request_queue_time_seconds': {
    family: 'motor:request_queue_time_seconds',
  },
};

/** Help texts of the families the coordinator computes itself. */
export const DERIVED_HELP: Readonly<Record<string, string>> = {
  [DERIVED_RUNNING_MAX]:
    'Largest vllm:num_requests_running among the merged endpoints.',
  [DERIVED_KV_USAGE_MAX]:
    'Largest KV-cache usage (vllm:kv_cache_usage_perc or vllm:gpu_cache_usage_perc) among the merged endpoints; negative "disabled" values take no part.',
  [DERIVED_PREFIX_HIT_RATE]:
    'Prefix cache hit rate over the quantile window: Δhits / Δqueries of the merged counters; absent when there was no query.',
  'motor:requests_running_max':
    'Largest motor:requests_running among the merged engines (hotspot).',
  'motor:kv_cache_usage_ratio_max':
    'Largest KV-cache usage ratio among the merged engines (hotspot); negative "disabled" values take no part.',
};
