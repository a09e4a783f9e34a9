/**
 * Engine kinds the simulator can impersonate. Every kind runs the same
 * traffic model (one value array in vLLM V1's shape); what differs is the
 * page printed from it: names, labels, bucket layouts, number format.
 *
 * - `vllm`: vLLM V1 (v0.11-era), the default;
 * - `vllm-v0`: vLLM V0 (0.5–0.7): `model_name` only, `gpu_cache_usage_perc`,
 *   no `_created` series, prefix-cache hit-rate gauges at -1 (disabled);
 * - `sglang`: SGLang ~v0.4 as in the docs fixture (`sglang:` prefix,
 *   `model_name`, `sglang:time_per_output_token_seconds`, its own buckets),
 *   plus `sglang:max_total_num_tokens` and, on request, `dp_rank`;
 * - `mindie`: MindIE Service (prometheus-cpp): unprefixed names, integers
 *   printed without a decimal point, its own buckets.
 */
import type { BucketLayout } from './bucket-dist.js';
import {
  H,
  VLLM_HISTOGRAMS,
  type VllmHistogramName,
} from './vllm-catalogue.js';

export const ENGINE_KINDS = ['vllm', 'vllm-v0', 'sglang', 'mindie'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

// SGLang ~v0.4 (the production_metrics.md fixture).
const SGLANG_TTFT: BucketLayout = {
  id: 'sglang-ttft',
  bounds: [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5,
    7.5, 10, 15, 20, 25, 30,
  ],
};
const SGLANG_E2E: BucketLayout = {
  id: 'sglang-e2e',
  bounds: [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60],
};
const SGLANG_TPOT: BucketLayout = {
  id: 'sglang-tpot',
  bounds: [
    0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2,
    0.3, 0.4, 0.5, 0.75, 1, 2.5,
  ],
};

// MindIE Service (prometheus_metrics.cpp).
const MINDIE_TOKENS: BucketLayout = {
  id: 'mindie-tokens',
  bounds: [10, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
};
const MINDIE_TTFT: BucketLayout = {
  id: 'mindie-ttft',
  bounds: [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5,
    7.5, 10,
  ],
};
const MINDIE_TBT: BucketLayout = {
  id: 'mindie-tbt',
  bounds: [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5,
  ],
};
const MINDIE_E2E: BucketLayout = {
  id: 'mindie-e2e',
  bounds: [1, 2.5, 5, 10, 15, 20, 30, 40, 50, 60],
};

/** Per kind, the histograms whose layout differs from vLLM V1's. */
const KIND_LAYOUTS: Record<
  EngineKind,
  Partial<Record<number, BucketLayout>>
> = {
  vllm: {},
  'vllm-v0': {},
  sglang: {
    [H.ttft]: SGLANG_TTFT,
    [H.e2e]: SGLANG_E2E,
    [H.interTokenLatency]: SGLANG_TPOT,
    [H.timePerOutputToken]: SGLANG_TPOT,
  },
  mindie: {
    [H.ttft]: MINDIE_TTFT,
    [H.e2e]: MINDIE_E2E,
    [H.interTokenLatency]: MINDIE_TBT,
    [H.timePerOutputToken]: MINDIE_TBT,
    [H.promptTokens]: MINDIE_TOKENS,
    [H.generationTokens]: MINDIE_TOKENS,
  },
};

/**
 * Custom bucket boundaries per histogram, keyed by the vLLM V1 family name of
 * the traffic model's histogram (for other kinds: the family printed from it,
 * e.g. `vllm:time_to_first_token_seconds` → `sglang:time_to_first_token_seconds`).
 * `vllm:inter_token_latency_seconds` also sets `vllm:time_per_output_token_seconds`
 * (both record the same observations).
 */
export type CustomBuckets = Partial<
  Record<VllmHistogramName, readonly number[]>
>;

function customLayout(bounds: readonly number[]): BucketLayout {
  const sorted = [...new Set(bounds)]
    .filter((b) => Number.isFinite(b))
    .sort((a, b) => a - b);
  if (sorted.length === 0) {
    throw new Error('custom buckets: at least one finite boundary');
  }
  return { id: `custom:${sorted.join(',')}`, bounds: sorted };
}

/** The layout of every histogram of the traffic model, in VLLM_HISTOGRAMS order. */
export function engineLayouts(
  kind: EngineKind,
  custom: CustomBuckets = {},
): BucketLayout[] {
  const own = KIND_LAYOUTS[kind];
  const layouts = VLLM_HISTOGRAMS.map((h, i) => {
    const bounds =
      custom[h.name] ??
      (i === H.timePerOutputToken
        ? custom['vllm:inter_token_latency_seconds']
        : undefined);
    return bounds ? customLayout(bounds) : (own[i] ?? h.layout);
  });
  return layouts;
}
