/**
 * The traffic model behind one engine: what a tick's finished requests,
 * engine steps and HTTP calls add to the page's counters and histograms.
 * Histograms take whole batches of observations at once (see bucket-dist).
 */
import {
  discreteDist,
  lognormalDist,
  type BucketDist,
  type BucketLayout,
} from './bucket-dist.js';
import { HttpTraffic } from './http-traffic.js';
import type { HistogramSlots, PageSlots } from './page-slots.js';
import type { Prng } from './prng.js';
import type { LogNormal, RoleProfile } from './role-profiles.js';
import { addObservations, copyHistogram, inc } from './value-writes.js';
import { C, FINISHED_REASONS, H, VLLM_HISTOGRAMS } from './vllm-catalogue.js';

/** What one tick (or one injection) finished: read by the derived gauges of other page kinds. */
export interface TickWork {
  requests: number;
  prompt: number;
  generated: number;
  prefixQueries: number;
  prefixHits: number;
}

/** How loaded the engine is during a tick. */
export interface TickConditions {
  /** Arrival rate over capacity (Little's law); above ~0.85 requests queue. */
  utilisation: number;
  /** Multiplies queue time (>= 1, grows with the overload). */
  congestion: number;
}

/** Multipliers applied to the role's latency medians during a tick. */
interface LatencyFactors {
  ttft: number;
  /** Decode-phase latencies (ITL, decode and inference time). */
  decode: number;
  e2e: number;
}

export class TrafficModel {
  private readonly http: HttpTraffic;
  /** Prefill engines generate one token: no decode phase, no per-token latency. */
  private readonly noDecode: BucketDist;
  private readonly noTpot: BucketDist;
  /** One generated token (prefill engines), per token histogram. */
  private readonly oneToken: BucketDist[];
  private readonly paramsN: BucketDist;
  /** The last tick's finished work. */
  readonly last: TickWork = {
    requests: 0,
    prompt: 0,
    generated: 0,
    prefixQueries: 0,
    prefixHits: 0,
  };

  constructor(
    private readonly values: Float64Array,
    private readonly slots: PageSlots,
    private readonly rng: Prng,
    private readonly profile: RoleProfile,
    /** Hardware speed factor of this engine (multiplies latencies). */
    private readonly speed: number,
    /** Bucket layout of every histogram, in VLLM_HISTOGRAMS order. */
    private readonly layouts: readonly BucketLayout[],
  ) {
    this.noDecode = discreteDist(layouts[H.decode] as BucketLayout, [0], [1]);
    this.noTpot = discreteDist(
      layouts[H.requestTimePerOutputToken] as BucketLayout,
      [0],
      [1],
    );
    this.oneToken = layouts.map((l) => discreteDist(l, [1], [1]));
    this.paramsN = discreteDist(
      layouts[H.paramsN] as BucketLayout,
      [1, 2],
      [1 - profile.nTwoShare, profile.nTwoShare],
    );
    this.http = new HttpTraffic(values, slots, rng, profile);
  }

  private layout(index: number): BucketLayout {
    return this.layouts[index] as BucketLayout;
  }

  /** Restart: the HTTP probes' fractional carry-over starts again too. */
  reset(): void {
    this.http.reset();
  }

  /**
   * One tick of traffic: `n` finished requests, the engine steps that
   * computed them, the HTTP calls that carried them.
   */
  record(n: number, running: number, dt: number, c: TickConditions): void {
    const f = this.factors(c);
    const last = this.last;
    last.requests = n;
    last.prompt = 0;
    last.generated = 0;
    last.prefixQueries = 0;
    last.prefixHits = 0;
    const { prompt, generated, computed } =
      n > 0
        ? this.finishRequests(n, c, f)
        : { prompt: 0, generated: 0, computed: 0 };
    this.iterate(computed, running, dt);
    this.http.record(n, prompt, generated, dt, f.e2e);
  }

  private factors(c: TickConditions): LatencyFactors {
    const sp = this.speed;
    const decode = sp * (0.85 + 0.25 * Math.min(c.utilisation, 1.3));
    return {
      ttft: sp * (1 + (c.congestion - 1) * 0.4),
      decode,
      e2e: decode * (1 + (c.congestion - 1) * 0.1),
    };
  }

  private histogram(index: number, dist: BucketDist, n: number): number {
    const h = this.slots.histograms[index] as HistogramSlots;
    const def = VLLM_HISTOGRAMS[index] as (typeof VLLM_HISTOGRAMS)[number];
    return addObservations(this.values, h, dist, n, this.rng, def.integer);
  }

  /** A token-count distribution on histogram `index`'s layout. */
  private tokens(index: number, [median, sigma]: LogNormal): BucketDist {
    return lognormalDist(this.layout(index), median, sigma, true);
  }

  private mirror(from: number, to: number): void {
    copyHistogram(
      this.values,
      this.slots.histograms[from] as HistogramSlots,
      this.slots.histograms[to] as HistogramSlots,
    );
  }

  private latency(
    index: number,
    [median, sigma]: LogNormal,
    factor: number,
  ): BucketDist {
    return lognormalDist(this.layout(index), median * factor, sigma, false);
  }

  /** Records `n` finished requests. `computed`: tokens the engine had to compute (cache hits excluded). */
  private finishRequests(
    n: number,
    c: TickConditions,
    f: LatencyFactors,
  ): { prompt: number; generated: number; computed: number } {
    const p = this.profile;
    const v = this.values;
    const s = this.slots;
    const rng = this.rng;
    const sp = this.speed;

    const prompt = this.histogram(
      H.promptTokens,
      this.tokens(H.promptTokens, p.promptTokens),
      n,
    );
    const gen = p.generationTokens;
    const generated = this.histogram(
      H.generationTokens,
      gen
        ? this.tokens(H.generationTokens, gen)
        : (this.oneToken[H.generationTokens] as BucketDist),
      n,
    );
    const maxTokens = (index: number): BucketDist =>
      gen
        ? lognormalDist(this.layout(index), gen[0] * 3, 0.7, true)
        : (this.oneToken[index] as BucketDist);
    const maxParam = maxTokens(H.paramsMaxTokens);
    this.histogram(H.paramsMaxTokens, maxParam, n);
    this.histogram(
      H.maxNumGenerationTokens,
      this.layout(H.maxNumGenerationTokens) === this.layout(H.paramsMaxTokens)
        ? maxParam
        : maxTokens(H.maxNumGenerationTokens),
      n,
    );
    this.histogram(H.paramsN, this.paramsN, n);

    const itlFactor = f.decode;
    this.histogram(H.ttft, this.latency(H.ttft, p.ttft, f.ttft), n);
    this.histogram(
      H.queue,
      this.latency(H.queue, p.queueTime, c.congestion),
      n,
    );
    this.histogram(H.prefill, this.latency(H.prefill, p.prefillTime, sp), n);
    this.histogram(
      H.decode,
      p.decodeTime
        ? this.latency(H.decode, p.decodeTime, itlFactor)
        : this.noDecode,
      n,
    );
    this.histogram(
      H.inference,
      this.latency(H.inference, p.inferenceTime, itlFactor),
      n,
    );
    this.histogram(H.e2e, this.latency(H.e2e, p.e2e, f.e2e), n);
    const itl = this.latency(
      H.interTokenLatency,
      p.interTokenLatency,
      itlFactor,
    );
    const perToken = Math.max(0, generated - n);
    this.histogram(H.interTokenLatency, itl, perToken);
    // The deprecated TPOT histogram records the very same observations.
    this.mirror(H.interTokenLatency, H.timePerOutputToken);
    this.histogram(
      H.requestTimePerOutputToken,
      gen
        ? this.latency(
            H.requestTimePerOutputToken,
            [p.interTokenLatency[0], 0.25],
            itlFactor,
          )
        : this.noTpot,
      n,
    );

    // finished_reason split (systematic, sums to n).
    let acc = 0;
    let prev = 0;
    const u = rng.next();
    for (let i = 0; i < FINISHED_REASONS.length; i++) {
      acc += p.reasons[i] as number;
      const c = i === FINISHED_REASONS.length - 1 ? n : Math.floor(n * acc + u);
      inc(v, s.requestSuccess + i, c - prev);
      prev = c;
    }

    const counters = s.counters;
    inc(v, counters[C.promptTokens] as number, prompt);
    inc(v, counters[C.generationTokens] as number, generated);
    inc(v, counters[C.prefixCacheQueries] as number, prompt);
    const hits = Math.round(prompt * p.prefixHitRate * rng.range(0.85, 1.1));
    inc(v, counters[C.prefixCacheHits] as number, hits);
    const extQueries = Math.round((prompt - hits) * p.externalQueryShare);
    const extHits = Math.round(
      extQueries * p.externalHitRate * rng.range(0.97, 1.03),
    );
    inc(v, counters[C.externalPrefixCacheQueries] as number, extQueries);
    inc(
      v,
      counters[C.externalPrefixCacheHits] as number,
      Math.min(extQueries, extHits),
    );
    const computed = prompt - hits - Math.min(extQueries, extHits) + generated;
    const last = this.last;
    last.prompt = prompt;
    last.generated = generated;
    last.prefixQueries = prompt;
    last.prefixHits = hits;
    return { prompt, generated, computed };
  }

  /** Engine steps: as many as the step rate allows, sharing the computed tokens. */
  private iterate(tokens: number, running: number, dt: number): void {
    if (tokens <= 0 && running === 0) return;
    const steps = Math.max(
      tokens > 0 ? 1 : 0,
      this.rng.poisson(
        this.profile.stepsPerSecond * dt * (running > 0 ? 1 : 0.2),
      ),
    );
    if (steps === 0) return;
    const sigma = 0.6;
    const perStep = Math.max(1, tokens / steps / Math.exp((sigma * sigma) / 2));
    this.histogram(
      H.iterationTokens,
      lognormalDist(this.layout(H.iterationTokens), perStep, sigma, true),
      steps,
    );
  }
}
