/** The KV capacity a vLLM page states in `vllm:cache_config_info`. */
import { CACHE_CONFIG_LABELS } from './vllm-catalogue.js';

export interface CacheConfig {
  readonly numGpuBlocks: number;
  readonly blockSize: number;
}

export const DEFAULT_CACHE_CONFIG: CacheConfig = {
  numGpuBlocks: 40000,
  blockSize: 64,
};

/** `vllm:cache_config_info` labels (sorted) with this capacity. */
export function cacheConfigLabels(
  cache: CacheConfig,
): (readonly [string, string])[] {
  return CACHE_CONFIG_LABELS.map(([k, v]) => {
    if (k === 'num_gpu_blocks') return [k, String(cache.numGpuBlocks)];
    if (k === 'block_size') return [k, String(cache.blockSize)];
    return [k, v];
  });
}
