/**
 * The page skeleton of a vLLM V1 API server. All text that does not change
 * between scrapes (HELP/TYPE lines, metric names, label sets) is built once
 * per (model, engine index) and shared by every engine with that label set;
 * the live numbers sit in one Float64Array, so a render is a single pass of
 * `static text + formatted number` pairs.
 */
import type { BucketLayout } from './bucket-dist.js';
import {
  CACHE_CONFIG_LABELS,
  FINISHED_REASONS,
  HTTP_DURATION,
  HTTP_HANDLERS,
  HTTP_HELP,
  HTTP_HIGHR,
  HTTP_REQUEST_SERIES,
  SLEEP_STATES,
  VLLM_COUNTERS,
  VLLM_HISTOGRAMS,
} from './vllm-catalogue.js';
import { escapeLabelValue, formatSampleValue } from './prom-format.js';

/** Slot positions of one histogram: `buckets` consecutive cumulative buckets (`+Inf` last), then count, sum. */
export interface HistogramSlots {
  readonly bucket0: number;
  readonly buckets: number;
  readonly bounds: readonly number[];
  readonly count: number;
  readonly sum: number;
  readonly created: number;
}

/** Where each series' value lives in the engine's value array (identical for every page). */
export interface PageSlots {
  readonly gcCollected: number;
  readonly gcUncollectable: number;
  readonly gcCollections: number;
  readonly virtualMemory: number;
  readonly residentMemory: number;
  readonly startTime: number;
  readonly cpuSeconds: number;
  readonly openFds: number;
  readonly maxFds: number;
  readonly running: number;
  readonly waiting: number;
  readonly sleepState: number;
  readonly kvUsage: number;
  readonly counters: readonly number[];
  readonly requestSuccess: number;
  readonly histograms: readonly HistogramSlots[];
  readonly httpRequests: number;
  readonly httpRequestSize: readonly { count: number; sum: number }[];
  readonly httpResponseSize: readonly { count: number; sum: number }[];
  readonly httpHighr: HistogramSlots;
  readonly httpDuration: readonly HistogramSlots[];
  /** Every `_created` slot of a vllm family. */
  readonly vllmCreated: readonly number[];
  /** Every `_created` slot of an http family. */
  readonly httpCreated: readonly number[];
  readonly size: number;
}

export interface PageTemplate {
  /** statics[i] precedes value i; the last entry closes the page. */
  readonly statics: readonly string[];
  readonly slots: PageSlots;
}

/**
 * A page of another shape (another engine kind or version) printed from the
 * same value array: value i of the page is `values[index[i]]`.
 */
export interface ProjectedTemplate {
  readonly statics: readonly string[];
  readonly index: Int32Array;
  readonly format: (x: number) => string;
}

/** The KV capacity a vLLM page states in `vllm:cache_config_info`. */
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

export class SkeletonBuilder {
  readonly statics: string[] = [];
  private pending = '';

  family(name: string, help: string, type: string): void {
    this.pending += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  }

  text(s: string): void {
    this.pending += s;
  }

  /** Adds a sample line `<prefix><value>\n` and returns its slot. */
  sample(prefix: string): number {
    this.statics.push(this.pending + prefix);
    this.pending = '\n';
    return this.statics.length - 1;
  }

  finish(): string[] {
    this.statics.push(this.pending);
    return this.statics;
  }
}

/** Label block with `le` inserted in sorted position among the other sorted labels. */
export function labels(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return `{${sorted.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

function histogram(
  b: SkeletonBuilder,
  name: string,
  bounds: readonly number[],
  base: readonly (readonly [string, string])[],
): Omit<HistogramSlots, 'created'> {
  let bucket0 = -1;
  for (const le of [...bounds, Infinity]) {
    const s = b.sample(
      `${name}_bucket${labels([...base, ['le', formatSampleValue(le)]])} `,
    );
    if (bucket0 < 0) bucket0 = s;
  }
  const count = b.sample(`${name}_count${labels(base)} `);
  const sum = b.sample(`${name}_sum${labels(base)} `);
  return { bucket0, buckets: bounds.length + 1, bounds, count, sum };
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
    const slots = histogram(b, h.name, bounds, base);
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

  const httpCreated: number[] = [];
  const handlerLabels = HTTP_HANDLERS.map((h) =>
    labels([['handler', h.handler]]),
  );
  const requestLabels = HTTP_REQUEST_SERIES.map((s) => {
    const h = HTTP_HANDLERS[s.h];
    return labels([
      ['handler', h.handler],
      ['method', h.method],
      ['status', s.status],
    ]);
  });
  b.family('http_requests_total', HTTP_HELP.requests, 'counter');
  const httpRequests = b.sample(`http_requests_total${requestLabels[0]} `);
  for (const l of requestLabels.slice(1)) b.sample(`http_requests_total${l} `);
  b.family('http_requests_created', HTTP_HELP.requests, 'gauge');
  for (const l of requestLabels)
    httpCreated.push(b.sample(`http_requests_created${l} `));
  const summary = (name: string, help: string) => {
    b.family(name, help, 'summary');
    const slots = handlerLabels.map((l) => ({
      count: b.sample(`${name}_count${l} `),
      sum: b.sample(`${name}_sum${l} `),
    }));
    b.family(`${name}_created`, help, 'gauge');
    for (const l of handlerLabels)
      httpCreated.push(b.sample(`${name}_created${l} `));
    return slots;
  };
  const httpRequestSize = summary(
    'http_request_size_bytes',
    HTTP_HELP.requestSize,
  );
  const httpResponseSize = summary(
    'http_response_size_bytes',
    HTTP_HELP.responseSize,
  );
  const highrName = 'http_request_duration_highr_seconds';
  b.family(highrName, HTTP_HELP.highr, 'histogram');
  const highr = histogram(b, highrName, HTTP_HIGHR.bounds, []);
  b.family(`${highrName}_created`, HTTP_HELP.highr, 'gauge');
  const highrCreated = b.sample(`${highrName}_created `);
  httpCreated.push(highrCreated);
  const durName = 'http_request_duration_seconds';
  b.family(durName, HTTP_HELP.duration, 'histogram');
  const durBase = HTTP_HANDLERS.map(
    (h) =>
      [['handler', h.handler] as const, ['method', h.method] as const] as const,
  );
  const httpDuration = durBase.map((l) => ({
    ...histogram(b, durName, HTTP_DURATION.bounds, l),
    created: -1,
  }));
  b.family(`${durName}_created`, HTTP_HELP.duration, 'gauge');
  const withCreated = durBase.map((l, i) => {
    const created = b.sample(`${durName}_created${labels(l)} `);
    httpCreated.push(created);
    return { ...(httpDuration[i] as HistogramSlots), created };
  });
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
      httpRequests,
      httpRequestSize,
      httpResponseSize,
      httpHighr: { ...highr, created: highrCreated },
      httpDuration: withCreated,
      vllmCreated,
      httpCreated,
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

let projectedScratch: string[] = [];

/** Writes a projected page (another engine kind's shape) from the same values. */
export function renderProjected(
  t: ProjectedTemplate,
  values: Float64Array,
): string {
  const statics = t.statics;
  const index = t.index;
  const format = t.format;
  const n = index.length;
  if (projectedScratch.length !== 2 * n + 1)
    projectedScratch = Array.from({ length: 2 * n + 1 }, () => '');
  const parts = projectedScratch;
  let lastValue = NaN;
  let lastText = '';
  for (let i = 0; i < n; i++) {
    const v = values[index[i] as number] as number;
    if (v !== lastValue) {
      lastValue = v;
      lastText = format(v);
    }
    parts[2 * i] = statics[i] as string;
    parts[2 * i + 1] = lastText;
  }
  parts[2 * n] = statics[n] as string;
  return parts.join('');
}
