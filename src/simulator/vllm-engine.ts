/**
 * One simulated engine API server (one data-parallel rank): its state evolves
 * tick by tick like a serving engine's, and it renders the `/metrics` page a
 * real one would write — vLLM V1 by default, or vLLM V0, SGLang or MindIE
 * (`kind`, see engine-kinds.ts). Deterministic for a given seed and start time.
 *
 * Scenario knobs for tests (each changes only what it says):
 * - `frozen`: nothing moves on its own; values change only through
 *   `injectRequests`, `pinGauges`, `restart`, so expectations can be computed
 *   by hand;
 * - `history`: counters pre-loaded as by a long-running process;
 * - `pause()`/`resume()`: quiet traffic, every counter stops;
 * - `injectRequests({count, ttftSeconds: 30, …})`: a burst of requests with
 *   exact values (e.g. slow ones: each lands in one known bucket);
 * - `restart()`: a new process (counters from 0, later start time);
 * - `buckets`: custom bucket layouts (rolling upgrades);
 * - `pinGauges({kvCacheUsage: -1})`: e.g. V0's disabled sentinel;
 * - `cacheConfig` / `maxTotalNumTokens`: the KV capacity the page states.
 * `totals()` is the engine's own ground truth, kind-neutral.
 */
import {
  engineLayouts,
  type CustomBuckets,
  type EngineKind,
} from './engine-kinds.js';
import { inc, TrafficModel, type ExactRequests } from './engine-traffic.js';
import { EXTRA, EXTRA_COUNT, kindTemplate } from './kind-pages.js';
import { Prng } from './prng.js';
import {
  lognormalMean,
  ROLE_PROFILES,
  type RoleProfile,
} from './role-profiles.js';
import {
  C,
  FINISHED_REASONS,
  H,
  VLLM_HISTOGRAMS,
  type EngineRole,
  type FinishedReason,
  type VllmHistogramName,
} from './vllm-catalogue.js';
import {
  DEFAULT_CACHE_CONFIG,
  pageTemplate,
  renderPage,
  renderProjected,
  type CacheConfig,
  type HistogramSlots,
  type PageSlots,
  type PageTemplate,
  type ProjectedTemplate,
} from './vllm-page.js';

export interface SimulatedVllmEngineOptions {
  /** `model_name` label value (may contain `/`). */
  modelName: string;
  /** `engine` label value (the data-parallel rank). */
  engineIndex: number;
  role: EngineRole;
  seed: number;
  /** `process_start_time_seconds` of the first process. Default: the wall clock, minus boot and warm-up. */
  startTimeSeconds?: number;
  /** Seconds of traffic simulated at construction, so counters start non-zero. Default 0. */
  warmupSeconds?: number;
  /** Multiplies the base arrival rate. Default 1. */
  loadScale?: number;
  /** Page shape. Default `vllm` (V1). */
  kind?: EngineKind;
  /**
   * Base arrival rate (finished requests per second). Default: seeded from
   * the role's capacity and a target utilisation.
   */
  requestsPerSecond?: number;
  /** Keep the load at its base (no slow random wander). Default false. */
  steadyLoad?: boolean;
  /** Values change only through explicit calls (tick() only moves the clock). Default false. */
  frozen?: boolean;
  /** Counters pre-loaded at start, as after a long life (see HistorySpec). */
  history?: HistorySpec;
  /** Custom bucket boundaries (rolling upgrade, custom buckets). */
  buckets?: CustomBuckets;
  /** vLLM `cache_config_info` capacity: `num_gpu_blocks` × `block_size`. Default 40000 × 64. */
  cacheConfig?: Partial<CacheConfig>;
  /** SGLang `sglang:max_total_num_tokens`. Default num_gpu_blocks × block_size. */
  maxTotalNumTokens?: number;
  /** SGLang: label every series with `dp_rank="<engineIndex>"` (DP attention). Default false. */
  dpRankLabel?: boolean;
}

/**
 * A long history: `requests` finished requests with these per-request
 * lengths (latencies at the role's medians), e.g. 300,000 × 3,000 prompt
 * tokens = `prompt_tokens_total` 9e8.
 */
export interface HistorySpec {
  requests: number;
  promptTokensPerRequest?: number;
  generationTokensPerRequest?: number;
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

/** Gauges held at fixed values until unpinned (ticks do not move them). */
export interface PinnedGauges {
  running?: number;
  waiting?: number;
  /** KV usage ratio as printed (`-1`: V0's disabled sentinel). */
  kvCacheUsage?: number;
}

/**
 * The engine's own totals, whatever page kind it prints: the ground truth a
 * test merges by hand. What each kind prints from it:
 * - vLLM V1: every field under its vLLM name (`finished` per reason);
 * - vLLM V0: the same, `finished.error` not printed (V0 has no such reason),
 *   no prefix-cache counters, `kvCacheUsage` as `vllm:gpu_cache_usage_perc`;
 * - SGLang: prompt/generation tokens, running, waiting (`num_queue_reqs`),
 *   `token_usage`, TTFT, TPOT (= `itl`), e2e; no finished counters;
 * - MindIE: `request_success_total` = stop + length, `request_failed_total`
 *   = abort + error, TTFT, TPOT (= `itl`), e2e, prompt/generation histograms.
 */
export interface EngineTotals {
  kind: EngineKind;
  role: EngineRole;
  modelName: string;
  engineIndex: number;
  processStartTimeSeconds: number;
  restarts: number;
  requestsRunning: number;
  requestsWaiting: number;
  kvCacheUsage: number;
  /** KV capacity in tokens the page states (vLLM blocks × block size, SGLang max_total_num_tokens); null where the page states none (MindIE). */
  kvCapacityTokens: number | null;
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  finished: Record<FinishedReason, number>;
  prefixCacheQueries: number;
  prefixCacheHits: number;
  externalPrefixCacheQueries: number;
  externalPrefixCacheHits: number;
  histograms: {
    ttft: HistogramSnapshot;
    /** Inter-token latency (= TPOT / time per output token). */
    itl: HistogramSnapshot;
    e2e: HistogramSnapshot;
    queue: HistogramSnapshot;
    prefill: HistogramSnapshot;
    decode: HistogramSnapshot;
    promptTokens: HistogramSnapshot;
    generationTokens: HistogramSnapshot;
  };
}

/** The seeded traits of an engine: hardware speed and base arrival rate. */
function drawTraits(
  rng: Prng,
  profile: RoleProfile,
): { speed: number; baseRate: number } {
  const speed = Math.exp(0.12 * rng.normal());
  const [uLo, uHi] = profile.utilisation;
  const meanBusy = lognormalMean(profile.inferenceTime) * speed;
  return {
    speed,
    baseRate: (rng.range(uLo, uHi) * profile.capacity) / meanBusy,
  };
}

/** The base arrival rate an engine with this role and seed gets by default. */
export function seededArrivalRate(role: EngineRole, seed: number): number {
  return drawTraits(new Prng(seed), ROLE_PROFILES[role]).baseRate;
}

/** Cumulative buckets (`le` ascending, `Infinity` last), as the page prints them. */
export interface HistogramSnapshot {
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

/**
 * Current values of the key series, exactly the numbers `render()` prints
 * (counters are whole numbers; histogram buckets are cumulative).
 */
export interface EngineSnapshot {
  modelName: string;
  engineIndex: number;
  role: EngineRole;
  /** The engine's simulated clock (Unix seconds). */
  clockSeconds: number;
  processStartTimeSeconds: number;
  /** Value of every `vllm:*_created` series. */
  createdSeconds: number;
  restarts: number;
  numRequestsRunning: number;
  numRequestsWaiting: number;
  kvCacheUsagePerc: number;
  promptTokensTotal: number;
  generationTokensTotal: number;
  prefixCacheQueriesTotal: number;
  prefixCacheHitsTotal: number;
  externalPrefixCacheQueriesTotal: number;
  externalPrefixCacheHitsTotal: number;
  numPreemptionsTotal: number;
  requestSuccessTotal: Record<FinishedReason, number>;
  processCpuSecondsTotal: number;
  /** Every vLLM histogram by family name (e.g. `vllm:e2e_request_latency_seconds`). */
  histograms: Record<VllmHistogramName, HistogramSnapshot>;
  /** Shortcuts to `vllm:time_to_first_token_seconds`. */
  ttftBuckets: { le: number; count: number }[];
  ttftSum: number;
  ttftCount: number;
}

export class SimulatedVllmEngine {
  readonly modelName: string;
  readonly engineIndex: number;
  readonly role: EngineRole;
  readonly kind: EngineKind;
  private readonly rng: Prng;
  private readonly profile: RoleProfile;
  private readonly template: PageTemplate;
  private readonly projected: ProjectedTemplate | undefined;
  private readonly slots: PageSlots;
  private readonly values: Float64Array;
  private readonly extra: number;
  private baseRate: number;
  private readonly speed: number;
  private readonly baseRss: number;
  private readonly cache: CacheConfig;
  private readonly maxTotalNumTokens: number;
  private readonly steady: boolean;
  private readonly frozen: boolean;
  private quiet = false;
  private pins: PinnedGauges = {};
  private lastDt = 0;
  private hitRate = 0;
  private loadScale: number;
  private load = 1;
  private clock: number;
  private restarts = 0;
  private readonly traffic: TrafficModel;
  private page: string | undefined;

  constructor(opts: SimulatedVllmEngineOptions) {
    this.modelName = opts.modelName;
    this.engineIndex = opts.engineIndex;
    this.role = opts.role;
    this.kind = opts.kind ?? 'vllm';
    this.rng = new Prng(opts.seed);
    this.profile = ROLE_PROFILES[opts.role];
    this.cache = { ...DEFAULT_CACHE_CONFIG, ...opts.cacheConfig };
    this.maxTotalNumTokens =
      opts.maxTotalNumTokens ?? this.cache.numGpuBlocks * this.cache.blockSize;
    const layouts = engineLayouts(this.kind, opts.buckets);
    this.template = pageTemplate(
      opts.modelName,
      opts.engineIndex,
      layouts,
      this.cache,
    );
    this.slots = this.template.slots;
    this.extra = this.slots.size;
    this.projected =
      this.kind === 'vllm'
        ? undefined
        : kindTemplate(
            {
              kind: this.kind,
              modelName: opts.modelName,
              engineIndex: opts.engineIndex,
              slots: this.slots,
              cache: this.cache,
              dpRankLabel: opts.dpRankLabel ?? false,
            },
            layouts.map((l) => l.id).join(','),
          );
    this.values = new Float64Array(this.slots.size + EXTRA_COUNT);
    this.loadScale = opts.loadScale ?? 1;
    this.steady = opts.steadyLoad ?? false;
    this.frozen = opts.frozen ?? false;
    // Per-engine variety: hardware speed and target utilisation.
    const traits = drawTraits(this.rng, this.profile);
    this.speed = traits.speed;
    this.baseRate =
      opts.requestsPerSecond !== undefined
        ? Math.max(0, opts.requestsPerSecond)
        : traits.baseRate;
    this.baseRss = 2.2e9 + Math.round(this.rng.range(0, 6e8));
    this.traffic = new TrafficModel(
      this.values,
      this.slots,
      this.rng,
      this.profile,
      this.speed,
      layouts,
    );
    const warmup = Math.max(0, opts.warmupSeconds ?? 0);
    const boot = this.bootSeconds();
    const start = opts.startTimeSeconds ?? Date.now() / 1000 - boot - warmup;
    this.clock = start;
    this.startProcess(start, boot);
    if (opts.history && opts.history.requests > 0) {
      this.injectRequests({
        count: opts.history.requests,
        promptTokens: opts.history.promptTokensPerRequest,
        generationTokens: opts.history.generationTokensPerRequest,
      });
    }
    if (warmup > 0) this.tick(warmup);
  }

  /** Multiplies the base arrival rate from now on (0 = idle). */
  setLoadScale(scale: number): void {
    this.loadScale = Math.max(0, scale);
  }

  /** The base arrival rate (finished requests per second, before load scale and wander). */
  get requestsPerSecond(): number {
    return this.baseRate;
  }

  /** Sets the base arrival rate (finished requests per second). */
  setRequestsPerSecond(rate: number): void {
    this.baseRate = Math.max(0, rate);
  }

  /** Quiet: no traffic, gauges idle, every counter stops (only the clock moves). */
  pause(): void {
    this.quiet = true;
    const v = this.values;
    v[this.slots.running] = 0;
    v[this.slots.waiting] = 0;
    v[this.slots.kvUsage] = 0;
    this.applyPins();
    this.page = undefined;
  }

  /** Ends `pause()`. */
  resume(): void {
    this.quiet = false;
  }

  get paused(): boolean {
    return this.quiet;
  }

  /** Holds gauges at fixed values (ticks do not move them) until `unpinGauges()`. */
  pinGauges(pins: PinnedGauges): void {
    this.pins = { ...this.pins, ...pins };
    this.applyPins();
    this.page = undefined;
  }

  unpinGauges(): void {
    this.pins = {};
  }

  /**
   * Records `count` finished requests with exact values (defaults in
   * InjectSpec), on top of whatever the traffic does: a burst of slow
   * requests, a hand-computable batch on a frozen engine, a long history.
   */
  injectRequests(spec: InjectSpec): void {
    const p = this.profile;
    const prefill = this.role === 'prefill';
    const prompt = spec.promptTokens ?? 2000;
    const generation = spec.generationTokens ?? (prefill ? 1 : 200);
    const hits = Math.min(prompt, spec.prefixHitTokens ?? 0);
    const ttft = spec.ttftSeconds ?? p.ttft[0];
    const itl = spec.itlSeconds ?? p.interTokenLatency[0];
    this.traffic.inject({
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
        (this.role === 'decode' ? Math.max(0, prompt - hits - 1) : 0),
    });
    this.noteWork(0);
    this.page = undefined;
  }

  /** The simulated clock (Unix seconds). */
  get clockSeconds(): number {
    return this.clock;
  }

  /** Advances the engine by `dtSeconds` of traffic. */
  tick(dtSeconds: number): void {
    if (!(dtSeconds > 0) || !Number.isFinite(dtSeconds)) return;
    this.clock += dtSeconds;
    if (this.frozen || this.quiet) return;
    const rng = this.rng;
    const p = this.profile;
    const v = this.values;
    const s = this.slots;
    this.page = undefined;

    // Load wanders around 1 (mean-reverting, time constant ~1 min).
    if (!this.steady) {
      const k = Math.min(1, dtSeconds / 60);
      this.load += k * (1 - this.load) + Math.sqrt(k) * 0.3 * rng.normal();
      this.load = Math.min(1.6, Math.max(0.2, this.load));
    }
    const rate = this.baseRate * this.load * this.loadScale;
    const busy = lognormalMean(p.inferenceTime) * this.speed;
    const util = (rate * busy) / p.capacity;
    const over = Math.max(0, util - 0.85);

    // Gauges: Little's law for the batch, the overflow queues.
    const running = Math.round(
      Math.min(
        p.capacity,
        Math.max(0, util * p.capacity * (1 + 0.04 * rng.normal())),
      ),
    );
    const waiting =
      over > 0
        ? Math.round(over * p.capacity * (1.5 + 0.2 * rng.normal())) +
          rng.poisson(1)
        : rng.poisson(util * 0.5);
    v[s.running] = running;
    v[s.waiting] = Math.max(0, waiting);
    const kv = (0.92 * running) / p.capacity + 0.02 * rng.normal();
    v[s.kvUsage] = Math.min(1, Math.max(0, running === 0 ? 0 : kv));
    if (kv > 0.9) {
      inc(
        v,
        s.counters[C.numPreemptions] as number,
        rng.poisson(dtSeconds * (kv - 0.9) * 20),
      );
    }

    const n = rng.poisson(rate * dtSeconds);
    this.traffic.record(n, running, dtSeconds, {
      utilisation: util,
      congestion: 1 + 20 * over,
    });

    // The API server process itself.
    inc(v, s.cpuSeconds, dtSeconds * (0.5 + 0.7 * Math.min(util, 1.2)));
    const gcRates = [60, 4, 0.4];
    const collections = [0.9, 0.08, 0.006];
    for (let g = 0; g < 3; g++) {
      inc(
        v,
        s.gcCollected + g,
        rng.poisson(dtSeconds * (gcRates[g] as number)),
      );
      inc(
        v,
        s.gcCollections + g,
        rng.poisson(dtSeconds * (collections[g] as number)),
      );
    }
    v[s.residentMemory] =
      Math.round((this.baseRss * (1 + 0.05 * Math.min(util, 1))) / 4096) * 4096;
    v[s.openFds] = 110 + Math.round(running * 0.25) + rng.poisson(8);
    this.applyPins();
    this.noteWork(dtSeconds);
  }

  private applyPins(): void {
    const v = this.values;
    const s = this.slots;
    const pins = this.pins;
    if (pins.running !== undefined) v[s.running] = pins.running;
    if (pins.waiting !== undefined) v[s.waiting] = pins.waiting;
    if (pins.kvCacheUsage !== undefined) v[s.kvUsage] = pins.kvCacheUsage;
  }

  /** Remembers the last work for the derived gauges of other page kinds. */
  private noteWork(dt: number): void {
    this.lastDt = dt;
    const last = this.traffic.last;
    if (last.prefixQueries > 0) {
      this.hitRate = last.prefixHits / last.prefixQueries;
    }
  }

  /** The derived values other page kinds print (see EXTRA). */
  private derive(): void {
    const v = this.values;
    const s = this.slots;
    const x = this.extra;
    const reason = (r: FinishedReason) =>
      v[s.requestSuccess + FINISHED_REASONS.indexOf(r)] as number;
    const success = reason('stop') + reason('length');
    const failed = reason('abort') + reason('error');
    const received = success + failed;
    const last = this.traffic.last;
    const dt = this.lastDt;
    v[x + EXTRA.zero] = 0;
    v[x + EXTRA.minusOne] = -1;
    v[x + EXTRA.success] = success;
    v[x + EXTRA.failed] = failed;
    v[x + EXTRA.received] = received;
    v[x + EXTRA.hitRate] = this.hitRate;
    v[x + EXTRA.genThroughput] = dt > 0 ? last.generated / dt : 0;
    v[x + EXTRA.promptThroughput] = dt > 0 ? last.prompt / dt : 0;
    v[x + EXTRA.failedPerc] = received > 0 ? failed / received : 0;
    const kv = v[s.kvUsage] as number;
    v[x + EXTRA.usedTokens] = Math.round(
      Math.max(0, kv) * this.maxTotalNumTokens,
    );
    v[x + EXTRA.maxTotalTokens] = this.maxTotalNumTokens;
  }

  /** Advances to `nowSeconds` when it is later than the engine's clock. */
  advanceTo(nowSeconds: number): void {
    if (nowSeconds > this.clock) this.tick(nowSeconds - this.clock);
  }

  /**
   * A process restart: counters and histograms start again from 0, gauges
   * drop to idle, `process_start_time_seconds` and `_created` move forward
   * (the clock advances by the downtime and boot time).
   */
  restart(): void {
    this.restarts++;
    this.values.fill(0);
    this.traffic.reset();
    this.hitRate = 0;
    this.lastDt = 0;
    const down = 1 + this.rng.range(0, 4);
    const boot = this.bootSeconds();
    this.startProcess(this.clock + down, boot);
    this.applyPins();
    this.page = undefined;
  }

  /**
   * The `/metrics` page. With `now` (Unix seconds) later than the engine's
   * clock, the engine first advances to it (lazy ticking on scrape).
   */
  render(now?: number): string {
    if (now !== undefined) this.advanceTo(now);
    if (this.page === undefined) {
      if (this.projected) {
        this.derive();
        this.page = renderProjected(this.projected, this.values);
      } else {
        this.page = renderPage(this.template, this.values);
      }
    }
    return this.page;
  }

  /** The engine's own totals (see EngineTotals), whatever page kind it prints. */
  totals(): EngineTotals {
    const v = this.values;
    const s = this.slots;
    const counter = (i: number) => v[s.counters[i] as number] as number;
    const hist = (i: number) =>
      this.histogramSnapshot(s.histograms[i] as HistogramSlots);
    const finished = {} as Record<FinishedReason, number>;
    FINISHED_REASONS.forEach((r, i) => {
      finished[r] = v[s.requestSuccess + i] as number;
    });
    return {
      kind: this.kind,
      role: this.role,
      modelName: this.modelName,
      engineIndex: this.engineIndex,
      processStartTimeSeconds: v[s.startTime] as number,
      restarts: this.restarts,
      requestsRunning: v[s.running] as number,
      requestsWaiting: v[s.waiting] as number,
      kvCacheUsage: v[s.kvUsage] as number,
      kvCapacityTokens:
        this.kind === 'mindie'
          ? null
          : this.kind === 'sglang'
            ? this.maxTotalNumTokens
            : this.cache.numGpuBlocks * this.cache.blockSize,
      promptTokens: counter(C.promptTokens),
      generationTokens: counter(C.generationTokens),
      preemptions: counter(C.numPreemptions),
      finished,
      prefixCacheQueries: counter(C.prefixCacheQueries),
      prefixCacheHits: counter(C.prefixCacheHits),
      externalPrefixCacheQueries: counter(C.externalPrefixCacheQueries),
      externalPrefixCacheHits: counter(C.externalPrefixCacheHits),
      histograms: {
        ttft: hist(H.ttft),
        itl: hist(H.interTokenLatency),
        e2e: hist(H.e2e),
        queue: hist(H.queue),
        prefill: hist(H.prefill),
        decode: hist(H.decode),
        promptTokens: hist(H.promptTokens),
        generationTokens: hist(H.generationTokens),
      },
    };
  }

  snapshot(): EngineSnapshot {
    const v = this.values;
    const s = this.slots;
    const counter = (i: number) => v[s.counters[i] as number] as number;
    const histograms = {} as Record<VllmHistogramName, HistogramSnapshot>;
    VLLM_HISTOGRAMS.forEach((h, i) => {
      histograms[h.name] = this.histogramSnapshot(
        s.histograms[i] as HistogramSlots,
      );
    });
    const success = {} as Record<FinishedReason, number>;
    FINISHED_REASONS.forEach((r, i) => {
      success[r] = v[s.requestSuccess + i] as number;
    });
    const ttft = histograms['vllm:time_to_first_token_seconds'];
    return {
      modelName: this.modelName,
      engineIndex: this.engineIndex,
      role: this.role,
      clockSeconds: this.clock,
      processStartTimeSeconds: v[s.startTime] as number,
      createdSeconds: v[s.vllmCreated[0] as number] as number,
      restarts: this.restarts,
      numRequestsRunning: v[s.running] as number,
      numRequestsWaiting: v[s.waiting] as number,
      kvCacheUsagePerc: v[s.kvUsage] as number,
      promptTokensTotal: counter(C.promptTokens),
      generationTokensTotal: counter(C.generationTokens),
      prefixCacheQueriesTotal: counter(C.prefixCacheQueries),
      prefixCacheHitsTotal: counter(C.prefixCacheHits),
      externalPrefixCacheQueriesTotal: counter(C.externalPrefixCacheQueries),
      externalPrefixCacheHitsTotal: counter(C.externalPrefixCacheHits),
      numPreemptionsTotal: counter(C.numPreemptions),
      requestSuccessTotal: success,
      processCpuSecondsTotal: v[s.cpuSeconds] as number,
      histograms,
      ttftBuckets: ttft.buckets,
      ttftSum: ttft.sum,
      ttftCount: ttft.count,
    };
  }

  private histogramSnapshot(h: HistogramSlots): HistogramSnapshot {
    const v = this.values;
    const buckets = [];
    for (let i = 0; i < h.buckets; i++) {
      buckets.push({
        le: i < h.bounds.length ? (h.bounds[i] as number) : Infinity,
        count: v[h.bucket0 + i] as number,
      });
    }
    return { buckets, count: v[h.count] as number, sum: v[h.sum] as number };
  }

  private bootSeconds(): number {
    return Math.round(this.rng.range(25, 120) * 100) / 100;
  }

  private startProcess(start: number, boot: number): void {
    const v = this.values;
    const s = this.slots;
    // /proc gives the start time in clock ticks (1/100 s).
    const startTime = Math.round(start * 100) / 100;
    const created = startTime + boot + this.rng.range(0, 1);
    const httpCreated = created + this.rng.range(0.5, 3);
    this.clock = Math.max(this.clock, httpCreated);
    v[s.startTime] = startTime;
    for (const i of s.vllmCreated) v[i] = created;
    for (const i of s.httpCreated) v[i] = httpCreated;
    v[s.sleepState] = 1;
    v[s.maxFds] = 1048576;
    v[s.virtualMemory] =
      3.1e10 + Math.round(this.rng.range(0, 2e9) / 4096) * 4096;
    v[s.residentMemory] = this.baseRss;
    v[s.openFds] = 96;
  }
}
