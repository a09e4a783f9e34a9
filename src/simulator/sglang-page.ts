/** The page of an SGLang (~v0.4) server, as in the docs fixture. */
import { C, H } from './vllm-catalogue.js';
import { EXTRA } from './kind-extras.js';
import type { HistogramSlots } from './page-slots.js';
import { labels } from './page-skeleton.js';
import { escapeLabelValue, formatSampleValue } from './prom-format.js';
import {
  ProjectionBuilder,
  pyHistogram,
  type KindPageOptions,
  type Pair,
  type ProjectedTemplate,
} from './projected-page.js';

export function sglangPage(
  o: KindPageOptions,
  extra: number,
): ProjectedTemplate {
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
