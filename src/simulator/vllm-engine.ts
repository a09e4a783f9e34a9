/**
 * One simulated vLLM V1 API server (one data-parallel rank): its state evolves
 * tick by tick like a serving engine's, and it renders the `/metrics` page a
 * real one would write. Deterministic for a given seed and start time.
 */
import { inc, TrafficModel } from './engine-traffic.js';
import { Prng } from './prng.js';
import {
  lognormalMean,
  ROLE_PROFILES,
  type RoleProfile,
} from './role-profiles.js';
import {
  C,
  FINISHED_REASONS,
  VLLM_HISTOGRAMS,
  type EngineRole,
  type FinishedReason,
  type VllmHistogramName,
} from './vllm-catalogue.js';
import {
  pageTemplate,
  renderPage,
  type HistogramSlots,
  type PageSlots,
  type PageTemplate,
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
  /** Multiplies the seeded base arrival rate. Default 1. */
  loadScale?: number;
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
  private readonly rng: Prng;
  private readonly profile: RoleProfile;
  private readonly template: PageTemplate;
  private readonly slots: PageSlots;
  private readonly values: Float64Array;
  private readonly baseRate: number;
  private readonly speed: number;
  private readonly baseRss: number;
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
    this.rng = new Prng(opts.seed);
    this.profile = ROLE_PROFILES[opts.role];
    this.template = pageTemplate(opts.modelName, opts.engineIndex);
    this.slots = this.template.slots;
    this.values = new Float64Array(this.slots.size);
    this.loadScale = opts.loadScale ?? 1;
    // Per-engine variety: hardware speed and target utilisation.
    this.speed = Math.exp(0.12 * this.rng.normal());
    const [uLo, uHi] = this.profile.utilisation;
    const meanBusy = lognormalMean(this.profile.inferenceTime) * this.speed;
    this.baseRate =
      (this.rng.range(uLo, uHi) * this.profile.capacity) / meanBusy;
    this.baseRss = 2.2e9 + Math.round(this.rng.range(0, 6e8));
    this.traffic = new TrafficModel(
      this.values,
      this.slots,
      this.rng,
      this.profile,
      this.speed,
    );
    const warmup = Math.max(0, opts.warmupSeconds ?? 0);
    const boot = this.bootSeconds();
    const start = opts.startTimeSeconds ?? Date.now() / 1000 - boot - warmup;
    this.clock = start;
    this.startProcess(start, boot);
    if (warmup > 0) this.tick(warmup);
  }

  /** Multiplies the seeded base arrival rate from now on (0 = idle). */
  setLoadScale(scale: number): void {
    this.loadScale = Math.max(0, scale);
  }

  /** The simulated clock (Unix seconds). */
  get clockSeconds(): number {
    return this.clock;
  }

  /** Advances the engine by `dtSeconds` of traffic. */
  tick(dtSeconds: number): void {
    if (!(dtSeconds > 0) || !Number.isFinite(dtSeconds)) return;
    const rng = this.rng;
    const p = this.profile;
    const v = this.values;
    const s = this.slots;
    this.clock += dtSeconds;
    this.page = undefined;

    // Load wanders around 1 (mean-reverting, time constant ~1 min).
    const k = Math.min(1, dtSeconds / 60);
    this.load += k * (1 - this.load) + Math.sqrt(k) * 0.3 * rng.normal();
    this.load = Math.min(1.6, Math.max(0.2, this.load));
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
    const down = 1 + this.rng.range(0, 4);
    const boot = this.bootSeconds();
    this.startProcess(this.clock + down, boot);
    this.page = undefined;
  }

  /**
   * The `/metrics` page. With `now` (Unix seconds) later than the engine's
   * clock, the engine first advances to it (lazy ticking on scrape).
   */
  render(now?: number): string {
    if (now !== undefined) this.advanceTo(now);
    this.page ??= renderPage(this.template, this.values);
    return this.page;
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
