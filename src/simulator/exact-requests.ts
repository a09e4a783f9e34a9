/**
 * Requests with exact, hand-picked values (`SimulatedVllmEngine.injectRequests`):
 * every request of a batch has the same prompt and output length and the
 * same latencies, so each lands in one known bucket.
 */
import type { TickWork } from './engine-traffic.js';
import type { HistogramSlots, PageSlots } from './page-slots.js';
import type { RoleProfile } from './role-profiles.js';
import { addExact, copyHistogram, inc } from './value-writes.js';
import {
  C,
  FINISHED_REASONS,
  H,
  type EngineRole,
  type FinishedReason,
} from './vllm-catalogue.js';

export interface ExactRequests {
  count: number;
  promptTokens: number;
  generationTokens: number;
  ttftSeconds: number;
  e2eSeconds: number;
  itlSeconds: number;
  queueSeconds: number;
  prefillSeconds: number;
  decodeSeconds: number;
  finishedReason: FinishedReason;
  /** Local prefix-cache hits per request (tokens). */
  prefixHitTokens: number;
  /** Prompt tokens per request loaded over the KV connector (decode in PD). */
  externalHitTokens: number;
}

/**
 * A batch of finished requests with exact values. Defaults: the role's median
 * latencies; prompt 2,000 tokens; output 1 token and `length` on prefill,
 * 200 tokens and `stop` elsewhere; no prefix-cache hits; on decode engines
 * the prompt but its last token comes over the KV connector (external hits).
 */
export type InjectSpec = { count: number } & Partial<
  Omit<ExactRequests, 'count'>
>;

/** The batch `spec` describes, with the defaults of InjectSpec for this role. */
export function exactRequests(
  spec: InjectSpec,
  p: RoleProfile,
  role: EngineRole,
): ExactRequests {
  const prefill = role === 'prefill';
  const prompt = spec.promptTokens ?? 2000;
  const generation = spec.generationTokens ?? (prefill ? 1 : 200);
  const hits = Math.min(prompt, spec.prefixHitTokens ?? 0);
  const ttft = spec.ttftSeconds ?? p.ttft[0];
  const itl = spec.itlSeconds ?? p.interTokenLatency[0];
  return {
    count: Math.max(0, Math.floor(spec.count)),
    promptTokens: prompt,
    generationTokens: generation,
    ttftSeconds: ttft,
    e2eSeconds:
      spec.e2eSeconds ?? Math.max(p.e2e[0], ttft + (generation - 1) * itl),
    itlSeconds: itl,
    queueSeconds: spec.queueSeconds ?? p.queueTime[0],
    prefillSeconds: spec.prefillSeconds ?? p.prefillTime[0],
    decodeSeconds:
      spec.decodeSeconds ?? (p.decodeTime ? (generation - 1) * itl : 0),
    finishedReason: spec.finishedReason ?? (prefill ? 'length' : 'stop'),
    prefixHitTokens: hits,
    externalHitTokens:
      spec.externalHitTokens ??
      (role === 'decode' ? Math.max(0, prompt - hits - 1) : 0),
  };
}

/** Records `r.count` finished requests with exact values; `last` becomes this batch. */
export function recordExactRequests(
  v: Float64Array,
  s: PageSlots,
  r: ExactRequests,
  last: TickWork,
): void {
  const n = r.count;
  if (!(n > 0)) return;
  const exact = (index: number, x: number, count: number) =>
    addExact(v, s.histograms[index] as HistogramSlots, x, count);
  const gen = r.generationTokens;
  exact(H.promptTokens, r.promptTokens, n);
  exact(H.generationTokens, gen, n);
  exact(H.paramsMaxTokens, gen, n);
  exact(H.maxNumGenerationTokens, gen, n);
  exact(H.paramsN, 1, n);
  exact(H.ttft, r.ttftSeconds, n);
  exact(H.queue, r.queueSeconds, n);
  exact(H.prefill, r.prefillSeconds, n);
  exact(H.decode, r.decodeSeconds, n);
  exact(H.inference, r.prefillSeconds + r.decodeSeconds, n);
  exact(H.e2e, r.e2eSeconds, n);
  exact(H.interTokenLatency, r.itlSeconds, n * Math.max(0, gen - 1));
  copyHistogram(
    v,
    s.histograms[H.interTokenLatency] as HistogramSlots,
    s.histograms[H.timePerOutputToken] as HistogramSlots,
  );
  exact(H.requestTimePerOutputToken, gen > 1 ? r.itlSeconds : 0, n);
  const reason = FINISHED_REASONS.indexOf(r.finishedReason);
  inc(v, s.requestSuccess + Math.max(0, reason), n);
  const c = s.counters;
  const prompt = n * r.promptTokens;
  const hits = n * r.prefixHitTokens;
  inc(v, c[C.promptTokens] as number, prompt);
  inc(v, c[C.generationTokens] as number, n * gen);
  inc(v, c[C.prefixCacheQueries] as number, prompt);
  inc(v, c[C.prefixCacheHits] as number, hits);
  if (r.externalHitTokens > 0) {
    inc(v, c[C.externalPrefixCacheQueries] as number, prompt - hits);
    inc(v, c[C.externalPrefixCacheHits] as number, n * r.externalHitTokens);
  }
  inc(v, s.httpRequests, n);
  last.requests = n;
  last.prompt = prompt;
  last.generated = n * gen;
  last.prefixQueries = prompt;
  last.prefixHits = hits;
}
