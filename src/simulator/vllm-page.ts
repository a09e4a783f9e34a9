/**
 * The page skeleton of a vLLM V1 API server. All text that does not change
 * between scrapes (HELP/TYPE lines, metric names, label sets) is built once
 * per (model, engine index) and shared by every engine with that label set;
 * the live numbers sit in one Float64Array, so a render is a single pass of
 * `static text + formatted number` pairs.
 */
import type { BucketLayout } from './bucket-dist.js';
import {
  cacheConfigLabels,
  DEFAULT_CACHE_CONFIG,
  type CacheConfig,
} from './cache-config.js';
import { httpFamilies } from './http-families.js';
import type { PageSlots } from './page-slots.js';
import { histogramSamples, labels, SkeletonBuilder } from './page-skeleton.js';
import { escapeLabelValue, formatSampleValue } from './prom-format.js';
import {
  FINISHED_REASONS,
  SLEEP_STATES,
  VLLM_COUNTERS,
  VLLM_HISTOGRAMS,
} from './vllm-catalogue.js';

export interface PageTemplate {
  /** statics[i] precedes value i; the last entry closes the page. */
  readonly statics: readonly string[];
  readonly slots: PageSlots;
}

function build(
  modelName: string,
  engineIndex: number,
  layouts: readonly BucketLayout[],
  cache: CacheConfig,
): PageTemplate {
  const b = new SkeletonBuilder();
  const base: (readonly [string, string])[] = [
    ['engine', String(engineIndex)],
    ['model_name', escapeLabelValue(modelName)],
  ];
  const lb = labels(base);
  const gen = (name: string, help: string) => {
    b.family(name, help, 'counter');
    const first = b.sample(`${name}{generation="0"} `);
    b.sample(`${name}{generation="1"} `);
    b.sample(`${name}{generation="2"} `);
    return first;
  };
  const gauge = (name: string, help: string, l = '') => {
    b.family(name, help, 'gauge');
    return b.sample(`${name}${l} `);
  };
  const gcCollected = gen(
    'python_gc_objects_collected_total',
    'Objects collected during gc',
  );
  const gcUncollectable = gen(
    'python_gc_objects_uncollectable_total',
    'Uncollectable object found during GC',
  );
  const gcCollections = gen(
    'python_gc_collections_total',
    'Number of times this generation was collected',
  );
  b.family('python_info', 'Python platform information', 'gauge');
  b.text(
    'python_info{implementation="CPython",major="3",minor="11",patchlevel="2",version="3.11.2"} 1.0\n',
  );
  const virtualMemory = gauge(
    'process_virtual_memory_bytes',
    'Virtual memory size in bytes.',
  );
  const residentMemory = gauge(
    'process_resident_memory_bytes',
    'Resident memory size in bytes.',
  );
  const startTime = gauge(
    'process_start_time_seconds',
    'Start time of the process since unix epoch in seconds.',
  );
  b.family(
    'process_cpu_seconds_total',
    'Total user and system CPU time spent in seconds.',
    'counter',
  );
  const cpuSeconds = b.sample('process_cpu_seconds_total ');
  const openFds = gauge('process_open_fds', 'Number of open file descriptors.');
  const maxFds = gauge(
    'process_max_fds',
    'Maximum number of open file descriptors.',
  );
  const running = gauge(
    'vllm:num_requests_running',
    'Number of requests in model execution batches.',
    lb,
  );
  const waiting = gauge(
    'vllm:num_requests_waiting',
    'Number of requests waiting to be processed.',
    lb,
  );
  b.family(
    'vllm:engine_sleep_state',
    'Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.',
    'gauge',
  );
  let sleepState = -1;
  for (const st of SLEEP_STATES) {
    const s = b.sample(
      `vllm:engine_sleep_state${labels([...base, ['sleep_state', st]])} `,
    );
    if (sleepState < 0) sleepState = s;
  }
  const kvUsage = gauge(
    'vllm:kv_cache_usage_perc',
    'KV-cache usage. 1 means 100 percent usage.',
    lb,
  );
  const vllmCreated: number[] = [];
  const counters = VLLM_COUNTERS.map((c) => {
    b.family(`${c.name}_total`, c.help, 'counter');
    const slot = b.sample(`${c.name}_total${lb} `);
    b.family(`${c.name}_created`, c.help, 'gauge');
    vllmCreated.push(b.sample(`${c.name}_created${lb} `));
    return slot;
  });
  const successHelp = 'Count of successfully processed requests.';
  b.family('vllm:request_success_total', successHelp, 'counter');
  const reasonLabels = FINISHED_REASONS.map((r) =>
    labels([...base, ['finished_reason', r]]),
  );
  const requestSuccess = b.sample(
    `vllm:request_success_total${reasonLabels[0]} `,
  );
  for (const l of reasonLabels.slice(1))
    b.sample(`vllm:request_success_total${l} `);
  b.family('vllm:request_success_created', successHelp, 'gauge');
  for (const l of reasonLabels)
    vllmCreated.push(b.sample(`vllm:request_success_created${l} `));
  const histograms = VLLM_HISTOGRAMS.map((h, i) => {
    b.family(h.name, h.help, 'histogram');
    const bounds = (layouts[i] ?? h.layout).bounds;
    const slots = histogramSamples(b, h.name, bounds, base);
    b.family(`${h.name}_created`, h.help, 'gauge');
    const created = b.sample(`${h.name}_created${lb} `);
    vllmCreated.push(created);
    return { ...slots, created };
  });
  b.family(
    'vllm:cache_config_info',
    'Information of the LLMEngine CacheConfig',
    'gauge',
  );
  b.text(
    `vllm:cache_config_info${labels([...cacheConfigLabels(cache), base[0] as readonly [string, string]])} 1.0\n`,
  );

  const http = httpFamilies(b);
  const statics = b.finish();
  return {
    statics,
    slots: {
      gcCollected,
      gcUncollectable,
      gcCollections,
      virtualMemory,
      residentMemory,
      startTime,
      cpuSeconds,
      openFds,
      maxFds,
      running,
      waiting,
      sleepState,
      kvUsage,
      counters,
      requestSuccess,
      histograms,
      httpRequests: http.httpRequests,
      httpRequestSize: http.httpRequestSize,
      httpResponseSize: http.httpResponseSize,
      httpHighr: http.httpHighr,
      httpDuration: http.httpDuration,
      vllmCreated,
      httpCreated: http.httpCreated,
      size: statics.length - 1,
    },
  };
}

const templates = new Map<string, PageTemplate>();

/** The default layout of every vLLM histogram, in VLLM_HISTOGRAMS order. */
export const DEFAULT_LAYOUTS: readonly BucketLayout[] = VLLM_HISTOGRAMS.map(
  (h) => h.layout,
);

/**
 * The shared skeleton for one label set, bucket layout set and cache
 * configuration (built on first use).
 */
export function pageTemplate(
  modelName: string,
  engineIndex: number,
  layouts: readonly BucketLayout[] = DEFAULT_LAYOUTS,
  cache: CacheConfig = DEFAULT_CACHE_CONFIG,
): PageTemplate {
  const layoutKey = layouts.map((l) => l.id).join(',');
  const key = `${engineIndex}\u0000${modelName}\u0000${layoutKey}\u0000${cache.numGpuBlocks}/${cache.blockSize}`;
  let t = templates.get(key);
  if (!t) {
    t = build(modelName, engineIndex, layouts, cache);
    templates.set(key, t);
  }
  return t;
}

// One scratch array for every render (renders are synchronous): joining it
// yields a flat string, cheaper to encode than a long concatenation rope.
let scratch: string[] = [];

/** Writes the page: static text interleaved with the formatted values. */
export function renderPage(t: PageTemplate, values: Float64Array): string {
  const statics = t.statics;
  const n = statics.length - 1;
  if (scratch.length !== 2 * n + 1)
    scratch = Array.from({ length: 2 * n + 1 }, () => '');
  const parts = scratch;
  let lastValue = NaN;
  let lastText = '';
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    // Neighbouring samples often repeat (upper buckets, _created stamps).
    if (v !== lastValue) {
      lastValue = v;
      lastText = formatSampleValue(v);
    }
    parts[2 * i] = statics[i] as string;
    parts[2 * i + 1] = lastText;
  }
  parts[2 * n] = statics[n] as string;
  return parts.join('');
}
