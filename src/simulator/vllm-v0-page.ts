/**
 * The page of a vLLM V0 (0.5–0.7) API server: `model_name` only, no
 * `_created` series, `gpu_cache_usage_perc`, prefix-cache hit rates at -1.
 */
import { C, FINISHED_REASONS, H } from './vllm-catalogue.js';
import { EXTRA } from './kind-extras.js';
import type { HistogramSlots, PageSlots } from './page-slots.js';
import { labels } from './page-skeleton.js';
import { escapeLabelValue, formatSampleValue } from './prom-format.js';
import {
  ProjectionBuilder,
  pyHistogram,
  type KindPageOptions,
  type Pair,
  type ProjectedTemplate,
} from './projected-page.js';

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

export function vllmV0Page(
  o: KindPageOptions,
  extra: number,
): ProjectedTemplate {
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
