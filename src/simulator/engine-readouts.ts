/**
 * What a test reads from an engine besides its page: its own totals
 * (kind-neutral ground truth) and a snapshot of the numbers its vLLM V1 page
 * prints.
 */
import type { EngineKind } from './engine-kinds.js';
import type { HistogramSlots, PageSlots } from './page-slots.js';
import {
  C,
  FINISHED_REASONS,
  H,
  VLLM_HISTOGRAMS,
  type EngineRole,
  type FinishedReason,
  type VllmHistogramName,
} from './vllm-catalogue.js';

/** The engine a readout describes. */
export interface EngineIdentity {
  readonly kind: EngineKind;
  readonly role: EngineRole;
  readonly modelName: string;
  readonly engineIndex: number;
}

/** Cumulative buckets (`le` ascending, `Infinity` last), as the page prints them. */
export interface HistogramSnapshot {
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

/**
 * The engine's own totals, whatever page kind it prints: the ground truth a
 * test merges by hand. What each kind prints from it:
 * - vLLM V1: every field under its vLLM name (`finished` per reason);
 * - vLLM V0: the same, `finished.error` not printed (V0 has no such reason),
 *   no prefix-cache counters, `kvCacheUsage` as `vllm:gpu_cache_usage_perc`;
 * - SGLang: prompt/generation tokens, running, waiting (`num_queue_reqs`),
 *   `token_usage`, TTFT, TPOT (= `itl`), e2e; no finished counters;
 * - MindIE: `request_success_total` = stop + length, `request_failed_total`
 *   = abort + error, TTFT, TPOT (= `itl`), e2e, prompt/generation histograms.
 */
export interface EngineTotals {
  kind: EngineKind;
  role: EngineRole;
  modelName: string;
  engineIndex: number;
  processStartTimeSeconds: number;
  restarts: number;
  requestsRunning: number;
  requestsWaiting: number;
  kvCacheUsage: number;
  /** KV capacity in tokens the page states (vLLM blocks × block size, SGLang max_total_num_tokens); null where the page states none (MindIE). */
  kvCapacityTokens: number | null;
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  finished: Record<FinishedReason, number>;
  prefixCacheQueries: number;
  prefixCacheHits: number;
  externalPrefixCacheQueries: number;
  externalPrefixCacheHits: number;
  histograms: {
    ttft: HistogramSnapshot;
    /** Inter-token latency (= TPOT / time per output token). */
    itl: HistogramSnapshot;
    e2e: HistogramSnapshot;
    queue: HistogramSnapshot;
    prefill: HistogramSnapshot;
    decode: HistogramSnapshot;
    promptTokens: HistogramSnapshot;
    generationTokens: HistogramSnapshot;
  };
}

/**
 * Current values of the key series, exactly the numbers `render()` prints
 * (counters are whole numbers; histogram buckets are cumulative).
 */
export interface EngineSnapshot {
  modelName: string;
  engineIndex: number;
  role: EngineRole;
  /** The engine's simulated clock (Unix seconds). */
  clockSeconds: number;
  processStartTimeSeconds: number;
  /** Value of every `vllm:*_created` series. */
  createdSeconds: number;
  restarts: number;
  numRequestsRunning: number;
  numRequestsWaiting: number;
  kvCacheUsagePerc: number;
  promptTokensTotal: number;
  generationTokensTotal: number;
  prefixCacheQueriesTotal: number;
  prefixCacheHitsTotal: number;
  externalPrefixCacheQueriesTotal: number;
  externalPrefixCacheHitsTotal: number;
  numPreemptionsTotal: number;
  requestSuccessTotal: Record<FinishedReason, number>;
  processCpuSecondsTotal: number;
  /** Every vLLM histogram by family name (e.g. `vllm:e2e_request_latency_seconds`). */
  histograms: Record<VllmHistogramName, HistogramSnapshot>;
  /** Shortcuts to `vllm:time_to_first_token_seconds`. */
  ttftBuckets: { le: number; count: number }[];
  ttftSum: number;
  ttftCount: number;
}

/** The engine's own totals (see EngineTotals), whatever page kind it prints. */
export function readTotals(
  e: EngineIdentity,
  v: Float64Array,
  s: PageSlots,
  restarts: number,
  kvCapacityTokens: number | null,
): EngineTotals {
  const counter = (i: number) => v[s.counters[i] as number] as number;
  const hist = (i: number) =>
    histogramSnapshot(v, s.histograms[i] as HistogramSlots);
  const finished = {} as Record<FinishedReason, number>;
  FINISHED_REASONS.forEach((r, i) => {
    finished[r] = v[s.requestSuccess + i] as number;
  });
  return {
    kind: e.kind,
    role: e.role,
    modelName: e.modelName,
    engineIndex: e.engineIndex,
    processStartTimeSeconds: v[s.startTime] as number,
    restarts,
    requestsRunning: v[s.running] as number,
    requestsWaiting: v[s.waiting] as number,
    kvCacheUsage: v[s.kvUsage] as number,
    kvCapacityTokens,
    promptTokens: counter(C.promptTokens),
    generationTokens: counter(C.generationTokens),
    preemptions: counter(C.numPreemptions),
    finished,
    prefixCacheQueries: counter(C.prefixCacheQueries),
    prefixCacheHits: counter(C.prefixCacheHits),
    externalPrefixCacheQueries: counter(C.externalPrefixCacheQueries),
    externalPrefixCacheHits: counter(C.externalPrefixCacheHits),
    histograms: {
      ttft: hist(H.ttft),
      itl: hist(H.interTokenLatency),
      e2e: hist(H.e2e),
      queue: hist(H.queue),
      prefill: hist(H.prefill),
      decode: hist(H.decode),
      promptTokens: hist(H.promptTokens),
      generationTokens: hist(H.generationTokens),
    },
  };
}

/** The numbers render() prints (see EngineSnapshot). */
export function readSnapshot(
  e: EngineIdentity,
  v: Float64Array,
  s: PageSlots,
  clockSeconds: number,
  restarts: number,
): EngineSnapshot {
  const counter = (i: number) => v[s.counters[i] as number] as number;
  const histograms = {} as Record<VllmHistogramName, HistogramSnapshot>;
  VLLM_HISTOGRAMS.forEach((h, i) => {
    histograms[h.name] = histogramSnapshot(
      v,
      s.histograms[i] as HistogramSlots,
    );
  });
  const success = {} as Record<FinishedReason, number>;
  FINISHED_REASONS.forEach((r, i) => {
    success[r] = v[s.requestSuccess + i] as number;
  });
  const ttft = histograms['vllm:time_to_first_token_seconds'];
  return {
    modelName: e.modelName,
    engineIndex: e.engineIndex,
    role: e.role,
    clockSeconds,
    processStartTimeSeconds: v[s.startTime] as number,
    createdSeconds: v[s.vllmCreated[0] as number] as number,
    restarts,
    numRequestsRunning: v[s.running] as number,
    numRequestsWaiting: v[s.waiting] as number,
    kvCacheUsagePerc: v[s.kvUsage] as number,
    promptTokensTotal: counter(C.promptTokens),
    generationTokensTotal: counter(C.generationTokens),
    prefixCacheQueriesTotal: counter(C.prefixCacheQueries),
    prefixCacheHitsTotal: counter(C.prefixCacheHits),
    externalPrefixCacheQueriesTotal: counter(C.externalPrefixCacheQueries),
    externalPrefixCacheHitsTotal: counter(C.externalPrefixCacheHits),
    numPreemptionsTotal: counter(C.numPreemptions),
    requestSuccessTotal: success,
    processCpuSecondsTotal: v[s.cpuSeconds] as number,
    histograms,
    ttftBuckets: ttft.buckets,
    ttftSum: ttft.sum,
    ttftCount: ttft.count,
  };
}

function histogramSnapshot(
  v: Float64Array,
  h: HistogramSlots,
): HistogramSnapshot {
  const buckets = [];
  for (let i = 0; i < h.buckets; i++) {
    buckets.push({
      le: i < h.bounds.length ? (h.bounds[i] as number) : Infinity,
      count: v[h.bucket0 + i] as number,
    });
  }
  return { buckets, count: v[h.count] as number, sum: v[h.sum] as number };
}
