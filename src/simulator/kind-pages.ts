/**
 * The pages of the other engine kinds (vLLM V0, SGLang, MindIE), printed from
 * the vLLM V1 value array of the traffic model plus a few derived values
 * (EXTRA). Names, HELP texts, label sets, family order, bucket layouts and
 * number formats follow the real payloads in `test/fixtures/metrics/`
 * and the engines' own metric definitions; like the V1 page, each skeleton is
 * built once per label set and shared.
 */
import type { EngineKind } from './engine-kinds.js';
import { escapeLabelValue, formatSampleValue } from './prom-format.js';
import { C, FINISHED_REASONS, H } from './vllm-catalogue.js';
import {
  labels,
  SkeletonBuilder,
  type CacheConfig,
  type HistogramSlots,
  type PageSlots,
  type ProjectedTemplate,
} from './vllm-page.js';

/**
 * Derived values stored after the V1 slots (offsets from `slots.size`),
 * refreshed before a page of another kind is printed.
 */
export const EXTRA = {
  zero: 0,
  minusOne: 1,
  /** MindIE `request_success_total`: stop + length. */
  success: 2,
  /** MindIE `request_failed_total`: abort + error. */
  failed: 3,
  /** MindIE `request_received_total`: success + failed. */
  received: 4,
  /** Prefix-cache hit ratio of the last tick with queries (SGLang, MindIE gauges). */
  hitRate: 5,
  /** Generation tokens per second over the last tick. */
  genThroughput: 6,
  /** Prompt tokens per second over the last tick. */
  promptThroughput: 7,
  /** MindIE `failed_request_perc`: failed / received. */
  failedPerc: 8,
  /** SGLang `num_used_tokens`: token_usage × max_total_num_tokens. */
  usedTokens: 9,
  /** SGLang `max_total_num_tokens`. */
  maxTotalTokens: 10,
} as const;
export const EXTRA_COUNT = 11;

export interface KindPageOptions {
  kind: Exclude<EngineKind, 'vllm'>;
  modelName: string;
  engineIndex: number;
  /** Bucket bounds of every traffic histogram come from `slots`. */
  slots: PageSlots;
  cache: CacheConfig;
  /** SGLang: print `dp_rank="<engineIndex>"` on every series. */
  dpRankLabel: boolean;
}

type Pair = readonly [string, string];

class ProjectionBuilder {
  readonly b = new SkeletonBuilder();
  readonly index: number[] = [];

  family(name: string, help: string, type: string): void {
    this.b.family(name, help, type);
  }

  text(s: string): void {
    this.b.text(s);
  }

  sample(prefix: string, slot: number): void {
    this.b.sample(prefix);
    this.index.push(slot);
  }

  finish(format: (x: number) => string): ProjectedTemplate {
    return {
      statics: this.b.finish(),
      index: Int32Array.from(this.index),
      format,
    };
  }
}

/** prometheus-cpp's number format: `%.16g` (integers without a decimal point). */
export function formatCppDouble(x: number): string {
  if (Number.isNaN(x)) return 'Nan';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const e = x.toExponential(15);
  const ePos = e.indexOf('e');
  const exp = Number(e.slice(ePos + 1));
  const trim = (s: string) =>
    s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  if (exp < -4 || exp >= 16) {
    const a = Math.abs(exp);
    return `${trim(e.slice(0, ePos))}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  return trim(x.toFixed(15 - exp));
}

const PROCESS_FAMILIES = (p: ProjectionBuilder, s: PageSlots): void => {
  const gen = (name: string, help: string, first: number) => {
    p.family(name, help, 'counter');
    for (let g = 0; g < 3; g++)
      p.sample(`${name}{generation="${g}"} `, first + g);
  };
  gen(
    'python_gc_objects_collected_total',
    'Objects collected during gc',
    s.gcCollected,
  );
  gen(
    'python_gc_objects_uncollectable_total',
    'Uncollectable object found during GC',
    s.gcUncollectable,
  );
  gen(
    'python_gc_collections_total',
    'Number of times this generation was collected',
    s.gcCollections,
  );
  p.family('python_info', 'Python platform information', 'gauge');
  p.text(
    'python_info{implementation="CPython",major="3",minor="10",patchlevel="12",version="3.10.12"} 1.0\n',
  );
  const gauge = (name: string, help: string, slot: number) => {
    p.family(name, help, 'gauge');
    p.sample(`${name} `, slot);
  };
  gauge(
    'process_virtual_memory_bytes',
    'Virtual memory size in bytes.',
    s.virtualMemory,
  );
  gauge(
    'process_resident_memory_bytes',
    'Resident memory size in bytes.',
    s.residentMemory,
  );
  gauge(
    'process_start_time_seconds',
    'Start time of the process since unix epoch in seconds.',
    s.startTime,
  );
  p.family(
    'process_cpu_seconds_total',
    'Total user and system CPU time spent in seconds.',
    'counter',
  );
  p.sample('process_cpu_seconds_total ', s.cpuSeconds);
  gauge('process_open_fds', 'Number of open file descriptors.', s.openFds);
  gauge(
    'process_max_fds',
    'Maximum number of open file descriptors.',
    s.maxFds,
  );
};

/** Buckets, `_count`, `_sum`, labels sorted with `le` (prometheus_client). */
function pyHistogram(
  p: ProjectionBuilder,
  name: string,
  help: string,
  h: HistogramSlots,
  base: readonly Pair[],
  sumFirst = false,
): void {
  p.family(name, help, 'histogram');
  if (sumFirst) p.sample(`${name}_sum${labels(base)} `, h.sum);
  for (let i = 0; i < h.buckets; i++) {
    const le = i < h.bounds.length ? (h.bounds[i] as number) : Infinity;
    p.sample(
      `${name}_bucket${labels([...base, ['le', formatSampleValue(le)]])} `,
      h.bucket0 + i,
    );
  }
  if (!sumFirst) {
    p.sample(`${name}_count${labels(base)} `, h.count);
    p.sample(`${name}_sum${labels(base)} `, h.sum);
  } else {
    p.sample(`${name}_count${labels(base)} `, h.count);
  }
}

const V0_CACHE_LABELS: readonly Pair[] = [
  ['cache_dtype', 'auto'],
  ['calculate_kv_scales', 'False'],
  ['cpu_offload_gb', '0'],
  ['enable_prefix_caching', 'False'],
  ['gpu_memory_utilization', '0.9'],
  ['is_attention_free', 'False'],
  ['num_cpu_blocks', '9362'],
  ['num_gpu_blocks_override', 'None'],
  ['sliding_window', 'None'],
  ['swap_space_bytes', '4294967296'],
];

function v0(o: KindPageOptions, extra: number): ProjectedTemplate {
  const p = new ProjectionBuilder();
  const s = o.slots;
  const base: Pair[] = [['model_name', escapeLabelValue(o.modelName)]];
  const lb = labels(base);
  const hist = (i: number) => s.histograms[i] as HistogramSlots;
  PROCESS_FAMILIES(p, s);
  p.family(
    'vllm:cache_config_info',
    'Information of the LLMEngine CacheConfig',
    'gauge',
  );
  p.text(
    `vllm:cache_config_info${labels([
      ...V0_CACHE_LABELS,
      ['block_size', String(o.cache.blockSize)],
      ['num_gpu_blocks', String(o.cache.numGpuBlocks)],
    ])} 1.0\n`,
  );
  const gauge = (name: string, help: string, slot: number) => {
    p.family(name, help, 'gauge');
    p.sample(`${name}${lb} `, slot);
  };
  gauge(
    'vllm:num_requests_running',
    'Number of requests currently running on GPU.',
    s.running,
  );
  gauge(
    'vllm:num_requests_swapped',
    'Number of requests swapped to CPU.',
    extra + EXTRA.zero,
  );
  gauge(
    'vllm:num_requests_waiting',
    'Number of requests waiting to be processed.',
    s.waiting,
  );
  gauge(
    'vllm:gpu_cache_usage_perc',
    'GPU KV-cache usage. 1 means 100 percent usage.',
    s.kvUsage,
  );
  gauge(
    'vllm:cpu_cache_usage_perc',
    'CPU KV-cache usage. 1 means 100 percent usage.',
    extra + EXTRA.zero,
  );
  gauge(
    'vllm:cpu_prefix_cache_hit_rate',
    'CPU prefix cache block hit rate.',
    extra + EXTRA.minusOne,
  );
  gauge(
    'vllm:gpu_prefix_cache_hit_rate',
    'GPU prefix cache block hit rate.',
    extra + EXTRA.minusOne,
  );
  const counter = (name: string, help: string, slot: number) => {
    p.family(name, help, 'counter');
    p.sample(`${name}${lb} `, slot);
  };
  counter(
    'vllm:num_preemptions_total',
    'Cumulative number of preemption from the engine.',
    s.counters[C.numPreemptions] as number,
  );
  counter(
    'vllm:prompt_tokens_total',
    'Number of prefill tokens processed.',
    s.counters[C.promptTokens] as number,
  );
  counter(
    'vllm:generation_tokens_total',
    'Number of generation tokens processed.',
    s.counters[C.generationTokens] as number,
  );
  p.family(
    'vllm:request_success_total',
    'Count of successfully processed requests.',
    'counter',
  );
  // V0 knows stop, length and abort only.
  for (const r of ['stop', 'length', 'abort'] as const) {
    p.sample(
      `vllm:request_success_total${labels([...base, ['finished_reason', r]])} `,
      s.requestSuccess + FINISHED_REASONS.indexOf(r),
    );
  }
  const histograms: [number, string, string][] = [
    [
      H.iterationTokens,
      'vllm:iteration_tokens_total',
      'Histogram of number of tokens per engine_step.',
    ],
    [
      H.ttft,
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
    ],
    [
      H.timePerOutputToken,
      'vllm:time_per_output_token_seconds',
      'Histogram of time per output token in seconds.',
    ],
    [
      H.e2e,
      'vllm:e2e_request_latency_seconds',
      'Histogram of end to end request latency in seconds.',
    ],
    [
      H.queue,
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
    ],
    [
      H.inference,
      'vllm:request_inference_time_seconds',
      'Histogram of time spent in RUNNING phase for request.',
    ],
    [
      H.prefill,
      'vllm:request_prefill_time_seconds',
      'Histogram of time spent in PREFILL phase for request.',
    ],
    [
      H.decode,
      'vllm:request_decode_time_seconds',
      'Histogram of time spent in DECODE phase for request.',
    ],
    [
      H.promptTokens,
      'vllm:request_prompt_tokens',
      'Number of prefill tokens processed.',
    ],
    [
      H.generationTokens,
      'vllm:request_generation_tokens',
      'Number of generation tokens processed.',
    ],
    [
      H.paramsN,
      'vllm:request_params_n',
      'Histogram of the n request parameter.',
    ],
    [
      H.maxNumGenerationTokens,
      'vllm:request_max_num_generation_tokens',
      'Histogram of maximum number of requested generation tokens.',
    ],
  ];
  for (const [i, name, help] of histograms)
    pyHistogram(p, name, help, hist(i), base);
  return p.finish(formatSampleValue);
}

function sglang(o: KindPageOptions, extra: number): ProjectedTemplate {
  const p = new ProjectionBuilder();
  const s = o.slots;
  const base: Pair[] = [['model_name', escapeLabelValue(o.modelName)]];
  if (o.dpRankLabel) base.push(['dp_rank', String(o.engineIndex)]);
  const lb = labels(base);
  const hist = (i: number) => s.histograms[i] as HistogramSlots;
  const one = (name: string, help: string, type: string, slot: number) => {
    p.family(name, help, type);
    p.sample(`${name}${lb} `, slot);
  };
  one(
    'sglang:prompt_tokens_total',
    'Number of prefill tokens processed.',
    'counter',
    s.counters[C.promptTokens] as number,
  );
  one(
    'sglang:generation_tokens_total',
    'Number of generation tokens processed.',
    'counter',
    s.counters[C.generationTokens] as number,
  );
  one('sglang:token_usage', 'The token usage', 'gauge', s.kvUsage);
  one(
    'sglang:cache_hit_rate',
    'The cache hit rate',
    'gauge',
    extra + EXTRA.hitRate,
  );
  // The fixture prints each histogram's _sum first and _count after +Inf.
  pyHistogram(
    p,
    'sglang:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    hist(H.ttft),
    base,
    true,
  );
  pyHistogram(
    p,
    'sglang:e2e_request_latency_seconds',
    'Histogram of End-to-end request latency in seconds',
    hist(H.e2e),
    base,
    true,
  );
  pyHistogram(
    p,
    'sglang:time_per_output_token_seconds',
    'Histogram of time per output token in seconds.',
    hist(H.timePerOutputToken),
    base,
    true,
  );
  one(
    'sglang:num_running_reqs',
    'The number of running requests',
    'gauge',
    s.running,
  );
  one(
    'sglang:num_used_tokens',
    'The number of used tokens',
    'gauge',
    extra + EXTRA.usedTokens,
  );
  one(
    'sglang:gen_throughput',
    'The generate throughput (token/s)',
    'gauge',
    extra + EXTRA.genThroughput,
  );
  one(
    'sglang:num_queue_reqs',
    'The number of requests in the waiting queue',
    'gauge',
    s.waiting,
  );
  one(
    'sglang:max_total_num_tokens',
    'Maximum total number of tokens',
    'gauge',
    extra + EXTRA.maxTotalTokens,
  );
  return p.finish(formatSampleValue);
}

function mindie(o: KindPageOptions, extra: number): ProjectedTemplate {
  const p = new ProjectionBuilder();
  const s = o.slots;
  // prometheus-cpp: label order as registered, `le` last; no sorting.
  const model = `model_name="${escapeLabelValue(o.modelName)}"`;
  const one = (name: string, help: string, type: string, slot: number) => {
    p.family(name, help, type);
    p.sample(`${name}{${model}} `, slot);
  };
  // Collected by type: counters, gauges, histograms; each in registration order.
  one(
    'request_received_total',
    'Count of received requests.',
    'counter',
    extra + EXTRA.received,
  );
  one(
    'request_success_total',
    'Count of successfully processed requests.',
    'counter',
    extra + EXTRA.success,
  );
  one(
    'request_failed_total',
    'Count of failed requests.',
    'counter',
    extra + EXTRA.failed,
  );
  one(
    'prompt_tokens_total',
    'Number of prefill tokens processed.',
    'counter',
    s.counters[C.promptTokens] as number,
  );
  one(
    'generation_tokens_total',
    'Number of generation tokens processed.',
    'counter',
    s.counters[C.generationTokens] as number,
  );
  one(
    'num_preemptions_total',
    'Cumulative number of preemption from the engine.',
    'counter',
    s.counters[C.numPreemptions] as number,
  );
  one(
    'num_requests_running',
    'Number of requests currently running on GPU.',
    'gauge',
    s.running,
  );
  one(
    'num_requests_waiting',
    'Number of requests waiting to be processed.',
    'gauge',
    s.waiting,
  );
  one(
    'num_requests_swapped',
    'Number of requests swapped to CPU.',
    'gauge',
    extra + EXTRA.zero,
  );
  one(
    'avg_prompt_throughput_toks_per_s',
    'Average prefill throughput in tokens/s.',
    'gauge',
    extra + EXTRA.promptThroughput,
  );
  one(
    'avg_generation_throughput_toks_per_s',
    'Average generation throughput in tokens/s.',
    'gauge',
    extra + EXTRA.genThroughput,
  );
  one(
    'failed_request_perc',
    'Requests failure rate. 1 means 100 percent usage.',
    'gauge',
    extra + EXTRA.failedPerc,
  );
  one(
    'npu_cache_usage_perc',
    'NPU KV-cache usage. 1 means 100 percent usage.',
    'gauge',
    s.kvUsage,
  );
  one(
    'cpu_cache_usage_perc',
    'CPU KV-cache usage. 1 means 100 percent usage.',
    'gauge',
    extra + EXTRA.zero,
  );
  one(
    'npu_prefix_cache_hit_rate',
    'NPU prefix cache block hit rate..',
    'gauge',
    extra + EXTRA.hitRate,
  );
  const histograms: [number, string, string][] = [
    [
      H.ttft,
      'time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
    ],
    [
      H.interTokenLatency,
      'time_per_output_token_seconds',
      'Histogram of time per output token in seconds.',
    ],
    [
      H.e2e,
      'e2e_request_latency_seconds',
      'Histogram of end to end request latency in seconds.',
    ],
    [
      H.promptTokens,
      'request_prompt_tokens',
      'Number of prefill tokens processed.',
    ],
    [
      H.generationTokens,
      'request_generation_tokens',
      'Number of generation tokens processed.',
    ],
  ];
  for (const [i, name, help] of histograms) {
    const h = s.histograms[i] as HistogramSlots;
    p.family(name, help, 'histogram');
    p.sample(`${name}_count{${model}} `, h.count);
    p.sample(`${name}_sum{${model}} `, h.sum);
    for (let b = 0; b < h.buckets; b++) {
      const le =
        b < h.bounds.length ? formatCppDouble(h.bounds[b] as number) : '+Inf';
      p.sample(`${name}_bucket{${model},le="${le}"} `, h.bucket0 + b);
    }
  }
  return p.finish(formatCppDouble);
}

const templates = new Map<string, ProjectedTemplate>();

/** The shared skeleton of a non-V1 page (built on first use). */
export function kindTemplate(
  o: KindPageOptions,
  layoutKey: string,
): ProjectedTemplate {
  const key = [
    o.kind,
    o.engineIndex,
    o.modelName,
    layoutKey,
    o.cache.numGpuBlocks,
    o.cache.blockSize,
    o.dpRankLabel ? 1 : 0,
  ].join('\u0000');
  let t = templates.get(key);
  if (!t) {
    const extra = o.slots.size;
    t =
      o.kind === 'vllm-v0'
        ? v0(o, extra)
        : o.kind === 'sglang'
          ? sglang(o, extra)
          : mindie(o, extra);
    templates.set(key, t);
  }
  return t;
}
