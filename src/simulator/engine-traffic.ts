/**
 * The traffic model behind one engine: what a tick's finished requests,
 * engine steps and HTTP calls add to the page's counters and histograms.
 * Histograms take whole batches of observations at once (see bucket-dist).
 */
import {
  discreteDist,
  lognormalDist,
  observe,
  type BucketDist,
  type BucketLayout,
} from './bucket-dist.js';
import type { Prng } from './prng.js';
import type { LogNormal, RoleProfile } from './role-profiles.js';
import {
  C,
  FINISHED_REASONS,
  H,
  HTTP_DURATION,
  HTTP_HIGHR,
  VLLM_HISTOGRAMS,
  type FinishedReason,
} from './vllm-catalogue.js';
import type { HistogramSlots, PageSlots } from './vllm-page.js';

export function inc(a: Float64Array, i: number, delta: number): void {
  a[i] = (a[i] as number) + delta;
}

/** What one tick (or one injection) finished: read by the derived gauges of other page kinds. */
export interface TickWork {
  requests: number;
  prompt: number;
  generated: number;
  prefixQueries: number;
  prefixHits: number;
}

/**
 * Requests with exact, hand-picked values (`SimulatedVllmEngine.injectRequests`):
 * every request of the batch has the same prompt and output length and the
 * same latencies, so each lands in one known bucket.
 */
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
  private healthDebt = 0;
  private modelsDebt = 0;
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
  }

  private layout(index: number): BucketLayout {
    return this.layouts[index] as BucketLayout;
  }

  /** Adds `n` observations of exactly `x` (each lands in its one bucket). */
  private exact(index: number, x: number, n: number): void {
    if (n <= 0) return;
    const h = this.slots.histograms[index] as HistogramSlots;
    const v = this.values;
    for (let i = 0; i < h.buckets; i++) {
      const le = i < h.bounds.length ? (h.bounds[i] as number) : Infinity;
      if (x <= le) inc(v, h.bucket0 + i, n);
    }
    v[h.count] = v[h.bucket0 + h.buckets - 1] as number;
    inc(v, h.sum, x * n);
  }

  /** Records `r.count` finished requests with exact values. */
  inject(r: ExactRequests): void {
    const n = r.count;
    if (!(n > 0)) return;
    const v = this.values;
    const s = this.slots;
    const gen = r.generationTokens;
    this.exact(H.promptTokens, r.promptTokens, n);
    this.exact(H.generationTokens, gen, n);
    this.exact(H.paramsMaxTokens, gen, n);
    this.exact(H.maxNumGenerationTokens, gen, n);
    this.exact(H.paramsN, 1, n);
    this.exact(H.ttft, r.ttftSeconds, n);
    this.exact(H.queue, r.queueSeconds, n);
    this.exact(H.prefill, r.prefillSeconds, n);
    this.exact(H.decode, r.decodeSeconds, n);
    this.exact(H.inference, r.prefillSeconds + r.decodeSeconds, n);
    this.exact(H.e2e, r.e2eSeconds, n);
    this.exact(H.interTokenLatency, r.itlSeconds, n * Math.max(0, gen - 1));
    this.mirror(H.interTokenLatency, H.timePerOutputToken);
    this.exact(H.requestTimePerOutputToken, gen > 1 ? r.itlSeconds : 0, n);
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
    const last = this.last;
    last.requests = n;
    last.prompt = prompt;
    last.generated = n * gen;
    last.prefixQueries = prompt;
    last.prefixHits = hits;
  }

  /** Restart: the HTTP probes' fractional carry-over starts again too. */
  reset(): void {
    this.healthDebt = 0;
    this.modelsDebt = 0;
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
    this.serveHttp(n, prompt, generated, dt, f.e2e);
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
    return this.addTo(h, dist, n, def.integer);
  }

  /** A token-count distribution on histogram `index`'s layout. */
  private tokens(index: number, [median, sigma]: LogNormal): BucketDist {
    return lognormalDist(this.layout(index), median, sigma, true);
  }

  /** Adds `n` observations; integral observations (tokens) keep an integral `_sum`. */
  private addTo(
    h: HistogramSlots,
    dist: BucketDist,
    n: number,
    integer = false,
  ): number {
    if (n <= 0) return 0;
    const v = this.values;
    const cum = v.subarray(h.bucket0, h.bucket0 + h.buckets);
    let sum = observe(cum, dist, n, this.rng.next());
    if (integer) sum = Math.round(sum);
    v[h.count] = cum[h.buckets - 1] as number;
    inc(v, h.sum, sum);
    return sum;
  }

  private mirror(from: number, to: number): void {
    const a = this.slots.histograms[from] as HistogramSlots;
    const b = this.slots.histograms[to] as HistogramSlots;
    const v = this.values;
    v.copyWithin(b.bucket0, a.bucket0, a.bucket0 + a.buckets);
    v[b.count] = v[a.count] as number;
    v[b.sum] = v[a.sum] as number;
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

  /** prometheus_fastapi_instrumentator's view of the same traffic, plus probes. */
  private serveHttp(
    n: number,
    prompt: number,
    generated: number,
    dt: number,
    e2eFactor: number,
  ): void {
    const rng = this.rng;
    const v = this.values;
    const s = this.slots;
    const u = rng.next();
    const chat = Math.floor(n * 0.55 + u);
    const completions = n - chat;
    const chat4xx = rng.poisson(chat * 0.0004);
    const completions4xx = rng.poisson(completions * 0.0004);
    this.healthDebt += dt / 5;
    this.modelsDebt += dt / 30;
    const health = Math.floor(this.healthDebt);
    const models = Math.floor(this.modelsDebt);
    this.healthDebt -= health;
    this.modelsDebt -= models;
    const perSeries = [
      chat,
      chat4xx,
      completions,
      completions4xx,
      health,
      models,
    ];
    perSeries.forEach((c, i) => {
      inc(v, s.httpRequests + i, c);
    });
    const perHandler = [
      chat + chat4xx,
      completions + completions4xx,
      health,
      models,
    ];
    const share = (x: number, part: number) =>
      n > 0 ? Math.round((x * part) / n) : 0;
    const reqBytes = [
      share(prompt, chat) * 4 + chat * 420,
      share(prompt, completions) * 4 + completions * 260,
      0,
      0,
    ];
    const respBytes = [
      share(generated, chat) * 5 + chat * 380,
      share(generated, completions) * 5 + completions * 300,
      0,
      models * 512,
    ];
    const e2e = this.profile.e2e;
    const median = [e2e[0] * e2eFactor, e2e[0] * e2eFactor, 0.002, 0.004];
    const sigma = [e2e[1], e2e[1], 0.5, 0.5];
    perHandler.forEach((count, i) => {
      const req = s.httpRequestSize[i] as { count: number; sum: number };
      const resp = s.httpResponseSize[i] as { count: number; sum: number };
      inc(v, req.count, count);
      inc(v, req.sum, reqBytes[i] as number);
      inc(v, resp.count, count);
      inc(v, resp.sum, respBytes[i] as number);
      const m = median[i] as number;
      const sg = sigma[i] as number;
      this.addTo(
        s.httpDuration[i] as HistogramSlots,
        lognormalDist(HTTP_DURATION, m, sg, false),
        count,
      );
      this.addTo(s.httpHighr, lognormalDist(HTTP_HIGHR, m, sg, false), count);
    });
  }
}
