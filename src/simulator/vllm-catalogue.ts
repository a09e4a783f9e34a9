/**
 * The `vllm:*` metric set of a vLLM V1 (v0.11-era) API server, in page order,
 * with the HELP texts and bucket boundaries vLLM's `loggers.py` uses (as in
 * the synthetic DeepSeek-V3 page). The server's HTTP series: http-catalogue.ts.
 */
import type { BucketLayout } from './bucket-dist.js';

export type EngineRole = 'prefill' | 'decode' | 'union';

const TOKENS: BucketLayout = {
  id: 'tokens',
  bounds: [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000,
    100000,
  ],
};
const ITERATION: BucketLayout = {
  id: 'iteration',
  bounds: [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
};
const PARAMS_N: BucketLayout = { id: 'n', bounds: [1, 2, 5, 10, 20] };
const TTFT: BucketLayout = {
  id: 'ttft',
  bounds: [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5,
    7.5, 10, 20, 40, 80, 160, 640, 2560,
  ],
};
const TPOT: BucketLayout = {
  id: 'tpot',
  bounds: [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5,
    7.5, 10, 20, 40, 80,
  ],
};
const REQUEST_LATENCY: BucketLayout = {
  id: 'latency',
  bounds: [
    0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480,
    960, 1920, 7680,
  ],
};
export interface HistogramDef {
  readonly name: string;
  readonly help: string;
  readonly layout: BucketLayout;
  /** Observations are whole numbers (token counts, parameters). */
  readonly integer: boolean;
}

/** vLLM histograms in page order; the engine indexes its state by position in this list. */
export const VLLM_HISTOGRAMS = [
  {
    name: 'vllm:request_prompt_tokens',
    help: 'Number of prefill tokens processed.',
    layout: TOKENS,
    integer: true,
  },
  {
    name: 'vllm:request_generation_tokens',
    help: 'Number of generation tokens processed.',
    layout: TOKENS,
    integer: true,
  },
  {
    name: 'vllm:iteration_tokens_total',
    help: 'Histogram of number of tokens per engine_step.',
    layout: ITERATION,
    integer: true,
  },
  {
    name: 'vllm:request_max_num_generation_tokens',
    help: 'Histogram of maximum number of requested generation tokens.',
    layout: TOKENS,
    integer: true,
  },
  {
    name: 'vllm:request_params_n',
    help: 'Histogram of the n request parameter.',
    layout: PARAMS_N,
    integer: true,
  },
  {
    name: 'vllm:request_params_max_tokens',
    help: 'Histogram of the max_tokens request parameter.',
    layout: TOKENS,
    integer: true,
  },
  {
    name: 'vllm:time_to_first_token_seconds',
    help: 'Histogram of time to first token in seconds.',
    layout: TTFT,
    integer: false,
  },
  {
    name: 'vllm:time_per_output_token_seconds',
    help: 'Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds instead.',
    layout: TPOT,
    integer: false,
  },
  {
    name: 'vllm:inter_token_latency_seconds',
    help: 'Histogram of inter-token latency in seconds.',
    layout: TPOT,
    integer: false,
  },
  {
    name: 'vllm:request_time_per_output_token_seconds',
    help: 'Histogram of time_per_output_token_seconds per request.',
    layout: TPOT,
    integer: false,
  },
  {
    name: 'vllm:e2e_request_latency_seconds',
    help: 'Histogram of e2e request latency in seconds.',
    layout: REQUEST_LATENCY,
    integer: false,
  },
  {
    name: 'vllm:request_queue_time_seconds',
    help: 'Histogram of time spent in WAITING phase for request.',
    layout: REQUEST_LATENCY,
    integer: false,
  },
  {
    name: 'vllm:request_inference_time_seconds',
    help: 'Histogram of time spent in RUNNING phase for request.',
    layout: REQUEST_LATENCY,
    integer: false,
  },
  {
    name: 'vllm:request_prefill_time_seconds',
    help: 'Histogram of time spent in PREFILL phase for request.',
    layout: REQUEST_LATENCY,
    integer: false,
  },
  {
    name: 'vllm:request_decode_time_seconds',
    help: 'Histogram of time spent in DECODE phase for request.',
    layout: REQUEST_LATENCY,
    integer: false,
  },
] as const satisfies readonly HistogramDef[];

export type VllmHistogramName = (typeof VLLM_HISTOGRAMS)[number]['name'];

/** Positions in VLLM_HISTOGRAMS. */
export const H = {
  promptTokens: 0,
  generationTokens: 1,
  iterationTokens: 2,
  maxNumGenerationTokens: 3,
  paramsN: 4,
  paramsMaxTokens: 5,
  ttft: 6,
  timePerOutputToken: 7,
  interTokenLatency: 8,
  requestTimePerOutputToken: 9,
  e2e: 10,
  queue: 11,
  inference: 12,
  prefill: 13,
  decode: 14,
} as const;

export interface CounterDef {
  /** Defined name (the page shows `<name>_total` and `<name>_created`). */
  readonly name: string;
  readonly help: string;
}

/** Single-series vLLM counters in page order; state index = position. */
export const VLLM_COUNTERS = [
  {
    name: 'vllm:prefix_cache_queries',
    help: 'Prefix cache queries, in terms of number of queried tokens.',
  },
  {
    name: 'vllm:prefix_cache_hits',
    help: 'Prefix cache hits, in terms of number of cached tokens.',
  },
  {
    name: 'vllm:external_prefix_cache_queries',
    help: 'External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens.',
  },
  {
    name: 'vllm:external_prefix_cache_hits',
    help: 'External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens.',
  },
  {
    name: 'vllm:mm_cache_queries',
    help: 'Multi-modal cache queries, in terms of number of queried items.',
  },
  {
    name: 'vllm:mm_cache_hits',
    help: 'Multi-modal cache hits, in terms of number of cached items.',
  },
  {
    name: 'vllm:num_preemptions',
    help: 'Cumulative number of preemption from the engine.',
  },
  {
    name: 'vllm:prompt_tokens',
    help: 'Number of prefill tokens processed.',
  },
  {
    name: 'vllm:generation_tokens',
    help: 'Number of generation tokens processed.',
  },
] as const satisfies readonly CounterDef[];

/** Positions in VLLM_COUNTERS. */
export const C = {
  prefixCacheQueries: 0,
  prefixCacheHits: 1,
  externalPrefixCacheQueries: 2,
  externalPrefixCacheHits: 3,
  mmCacheQueries: 4,
  mmCacheHits: 5,
  numPreemptions: 6,
  promptTokens: 7,
  generationTokens: 8,
} as const;

export const FINISHED_REASONS = ['stop', 'length', 'abort', 'error'] as const;
export type FinishedReason = (typeof FINISHED_REASONS)[number];

export const SLEEP_STATES = [
  'awake',
  'weights_offloaded',
  'discard_all',
] as const;

/** `vllm:cache_config_info` labels other than `engine` (sorted), as vLLM prints `str()` of each CacheConfig field. */
export const CACHE_CONFIG_LABELS: readonly (readonly [string, string])[] = [
  ['block_size', '64'],
  ['cache_dtype', 'auto'],
  ['calculate_kv_scales', 'False'],
  ['cpu_kvcache_space_bytes', 'None'],
  ['cpu_offload_gb', '0'],
  ['enable_prefix_caching', 'True'],
  ['gpu_memory_utilization', '0.9'],
  ['is_attention_free', 'False'],
  ['kv_cache_memory_bytes', 'None'],
  ['kv_offloading_backend', 'None'],
  ['kv_offloading_size', 'None'],
  ['kv_sharing_fast_prefill', 'False'],
  ['mamba_block_size', 'None'],
  ['mamba_cache_dtype', 'auto'],
  ['mamba_page_size_padded', 'None'],
  ['mamba_ssm_cache_dtype', 'auto'],
  ['num_cpu_blocks', 'None'],
  ['num_gpu_blocks', '40000'],
  ['num_gpu_blocks_override', 'None'],
  ['prefix_caching_hash_algo', 'sha256'],
  ['sliding_window', 'None'],
  ['swap_space', '4'],
];
