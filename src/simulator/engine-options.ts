/** What a simulated engine is built from, and the gauges a test may pin. */
import type { CustomBuckets, EngineKind } from './engine-kinds.js';
import type { CacheConfig } from './cache-config.js';
import type { EngineRole } from './vllm-catalogue.js';

export interface SimulatedVllmEngineOptions {
  /** `model_name` label value (may contain `/`). */
  modelName: string;
  /** `engine` label value (the data-parallel rank). */
  engineIndex: number;
  role: EngineRole;
  seed: number;
  /** `process_start_time_seconds` of the first process. Default: the wall clock, minus boot and warm-up. */
  startTimeSeconds?: number;
  /** Seconds of traffic simulated at construction, so counters start non-zero. Default 0. */
  warmupSeconds?: number;
  /** Multiplies the base arrival rate. Default 1. */
  loadScale?: number;
  /** Page shape. Default `vllm` (V1). */
  kind?: EngineKind;
  /**
   * Base arrival rate (finished requests per second). Default: seeded from
   * the role's capacity and a target utilisation.
   */
  requestsPerSecond?: number;
  /** Keep the load at its base (no slow random wander). Default false. */
  steadyLoad?: boolean;
  /** Values change only through explicit calls (tick() only moves the clock). Default false. */
  frozen?: boolean;
  /** Counters pre-loaded at start, as after a long life (see HistorySpec). */
  history?: HistorySpec;
  /** Custom bucket boundaries (rolling upgrade, custom buckets). */
  buckets?: CustomBuckets;
  /** vLLM `cache_config_info` capacity: `num_gpu_blocks` × `block_size`. Default 40000 × 64. */
  cacheConfig?: Partial<CacheConfig>;
  /** SGLang `sglang:max_total_num_tokens`. Default num_gpu_blocks × block_size. */
  maxTotalNumTokens?: number;
  /** SGLang: label every series with `dp_rank="<engineIndex>"` (DP attention). Default false. */
  dpRankLabel?: boolean;
}

/**
 * A long history: `requests` finished requests with these per-request
 * lengths (latencies at the role's medians), e.g. 300,000 × 3,000 prompt
 * tokens = `prompt_tokens_total` 9e8.
 */
export interface HistorySpec {
  requests: number;
  promptTokensPerRequest?: number;
  generationTokensPerRequest?: number;
}

/** Gauges held at fixed values until unpinned (ticks do not move them). */
export interface PinnedGauges {
  running?: number;
  waiting?: number;
  /** KV usage ratio as printed (`-1`: V0's disabled sentinel). */
  kvCacheUsage?: number;
}
