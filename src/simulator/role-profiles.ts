/**
 * Traffic shape per engine role, modelled on what vLLM's PD disaggregation
 * really reports, because the coordinator's PD rules (SPEC §3.1 S2) are only
 * testable against pages that count the way real engines count:
 *
 * - Every user request passes through one prefill and one decode engine.
 *   The proxy sends it to prefill with `max_tokens=1`, so a prefill engine
 *   finishes every request with exactly one generated token and
 *   `finished_reason="length"`: its success, generation-token and latency
 *   counters describe prompt processing, not what the user receives.
 * - The decode engine then gets the same request (same prompt) and loads the
 *   prompt's KV cache from the prefill engine over the KV connector. vLLM
 *   still counts the whole prompt in `prompt_tokens_total` and
 *   `request_prompt_tokens` once the first token is out (it counts prompt
 *   length, not computed tokens), but almost all of it shows up as external
 *   prefix-cache hits: the engine computes only the last prompt token. Its
 *   TTFT runs from its own arrival (KV transfer + first step); the user's TTFT
 *   is about prefill e2e + decode TTFT. Generation tokens, inter-token
 *   latency, e2e and the stop/length/abort mix are the user's.
 * - Prompt lengths are the same distribution on both sides, so over any
 *   window the prefill sum and the decode sum of `prompt_tokens_total` agree
 *   (and double in a naive cluster sum).
 * - A union engine does both phases itself.
 *
 * Latencies are log-normal: [median, log-space sigma].
 */
import type { EngineRole } from './vllm-catalogue.js';

export type LogNormal = readonly [median: number, sigma: number];

export interface RoleProfile {
  /** max_num_seqs: the running batch never exceeds it. */
  readonly capacity: number;
  readonly promptTokens: LogNormal;
  /** `null`: always one generated token (prefill engines). */
  readonly generationTokens: LogNormal | null;
  readonly ttft: LogNormal;
  readonly interTokenLatency: LogNormal;
  readonly queueTime: LogNormal;
  readonly prefillTime: LogNormal;
  /** `null`: no decode phase. */
  readonly decodeTime: LogNormal | null;
  readonly e2e: LogNormal;
  readonly inferenceTime: LogNormal;
  /** Engine steps per second while busy. */
  readonly stepsPerSecond: number;
  /** Local prefix-cache hit fraction of prompt tokens. */
  readonly prefixHitRate: number;
  /** Fraction of prompt tokens looked up through the KV connector, and the hit fraction there. */
  readonly externalQueryShare: number;
  readonly externalHitRate: number;
  /** finished_reason shares: stop, length, abort, error. */
  readonly reasons: readonly [number, number, number, number];
  /** Share of requests with n = 2 (others n = 1). */
  readonly nTwoShare: number;
  /** Target utilisation range of the seeded base load. */
  readonly utilisation: readonly [number, number];
}

/** Prompt lengths of PD requests: the same requests reach prefill and decode. */
const PD_PROMPT: LogNormal = [2000, 0.9];

export const ROLE_PROFILES: Readonly<Record<EngineRole, RoleProfile>> = {
  prefill: {
    capacity: 16,
    promptTokens: PD_PROMPT,
    generationTokens: null,
    ttft: [0.45, 0.7],
    interTokenLatency: [0.02, 0.3],
    queueTime: [0.12, 1.0],
    prefillTime: [0.35, 0.7],
    decodeTime: null,
    e2e: [0.55, 0.7],
    inferenceTime: [0.4, 0.7],
    stepsPerSecond: 6,
    prefixHitRate: 0.35,
    externalQueryShare: 0,
    externalHitRate: 0,
    reasons: [0, 1, 0, 0],
    nTwoShare: 0,
    utilisation: [0.45, 0.8],
  },
  decode: {
    capacity: 256,
    promptTokens: PD_PROMPT,
    generationTokens: [500, 0.9],
    ttft: [0.12, 0.6],
    interTokenLatency: [0.035, 0.35],
    queueTime: [0.03, 1.0],
    prefillTime: [0.05, 0.6],
    decodeTime: [17, 0.9],
    e2e: [18, 0.9],
    inferenceTime: [17.5, 0.9],
    stepsPerSecond: 25,
    prefixHitRate: 0.05,
    externalQueryShare: 1,
    externalHitRate: 0.995,
    reasons: [0.8, 0.17, 0.025, 0.005],
    nTwoShare: 0.08,
    utilisation: [0.45, 0.8],
  },
  union: {
    capacity: 128,
    promptTokens: [1200, 1.0],
    generationTokens: [250, 1.0],
    ttft: [0.35, 0.8],
    interTokenLatency: [0.03, 0.4],
    queueTime: [0.08, 1.2],
    prefillTime: [0.25, 0.7],
    decodeTime: [8, 1.0],
    e2e: [9, 1.0],
    inferenceTime: [8.5, 1.0],
    stepsPerSecond: 20,
    prefixHitRate: 0.3,
    externalQueryShare: 0,
    externalHitRate: 0,
    reasons: [0.82, 0.15, 0.025, 0.005],
    nTwoShare: 0.1,
    utilisation: [0.4, 0.75],
  },
};

/** Mean of a log-normal given as [median, sigma]. */
export function lognormalMean([median, sigma]: LogNormal): number {
  return median * Math.exp((sigma * sigma) / 2);
}
