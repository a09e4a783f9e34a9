/**
 * Values other page kinds print that vLLM V1 does not keep: sums of V1
 * counters, ratios and rates over the last tick, constants. They sit after
 * the V1 slots of the value array.
 */
import type { TickWork } from './engine-traffic.js';
import type { PageSlots } from './page-slots.js';
import { FINISHED_REASONS, type FinishedReason } from './vllm-catalogue.js';

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

/**
 * Refreshes the derived values from the V1 values and the last tick's work
 * (`dt` seconds long), before a page of another kind is printed.
 */
export function deriveExtras(
  v: Float64Array,
  s: PageSlots,
  last: TickWork,
  dt: number,
  hitRate: number,
  maxTotalNumTokens: number,
): void {
  const x = s.size;
  const reason = (r: FinishedReason) =>
    v[s.requestSuccess + FINISHED_REASONS.indexOf(r)] as number;
  const success = reason('stop') + reason('length');
  const failed = reason('abort') + reason('error');
  const received = success + failed;
  v[x + EXTRA.zero] = 0;
  v[x + EXTRA.minusOne] = -1;
  v[x + EXTRA.success] = success;
  v[x + EXTRA.failed] = failed;
  v[x + EXTRA.received] = received;
  v[x + EXTRA.hitRate] = hitRate;
  v[x + EXTRA.genThroughput] = dt > 0 ? last.generated / dt : 0;
  v[x + EXTRA.promptThroughput] = dt > 0 ? last.prompt / dt : 0;
  v[x + EXTRA.failedPerc] = received > 0 ? failed / received : 0;
  const kv = v[s.kvUsage] as number;
  v[x + EXTRA.usedTokens] = Math.round(Math.max(0, kv) * maxTotalNumTokens);
  v[x + EXTRA.maxTotalTokens] = maxTotalNumTokens;
}
