/**
 * Traffic shape per engine role. In PD disaggregation a prefill engine gets
 * the whole prompt and is asked for one token (`max_tokens=1`), a decode
 * engine receives the KV cache over the connector (external prefix-cache
 * hits) and generates long outputs; a union engine does both.
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

export const ROLE_PROFILES: Readonly<Record<EngineRole, RoleProfile>> = {
  prefill: {
    capacity: 16,
    promptTokens: [3000, 0.9],
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
    reasons: [0, 0.985, 0.012, 0.003],
    nTwoShare: 0,
    utilisation: [0.45, 0.8],
  },
  decode: {
    capacity: 256,
    promptTokens: [600, 1.0],
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
    externalHitRate: 0.93,
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
