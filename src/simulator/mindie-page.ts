/**
 * The page of a MindIE Service (prometheus-cpp): unprefixed names, label
 * order as registered, integers printed without a decimal point.
 */
import { C, H } from './vllm-catalogue.js';
import { EXTRA } from './kind-extras.js';
import type { HistogramSlots } from './page-slots.js';
import { escapeLabelValue } from './prom-format.js';
import {
  ProjectionBuilder,
  type KindPageOptions,
  type ProjectedTemplate,
} from './projected-page.js';

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

export function mindiePage(
  o: KindPageOptions,
  extra: number,
): ProjectedTemplate {
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
